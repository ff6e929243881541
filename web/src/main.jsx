import { createRoot } from 'react-dom/client';
import '@chatui/core/dist/index.css';
import './style.css';
import App from './App.jsx';

if (new URLSearchParams(window.location.search).has('embed')) {
  document.documentElement.classList.add('embedded');
}
createRoot(document.getElementById('root')).render(<App />);
