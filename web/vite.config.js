// Vite build of the chat page. The Rasa server serves web/dist under /webhooks/chat/
// (channels/webchat.py), so assets use relative URLs (base './').
import { defineConfig } from 'vite';

// ChatUI's stylesheet declares @font-face rules that load fonts from a CDN; the page must not
// fetch anything from outside the assistant's own server, so those rules are dropped.
function dropRemoteFonts() {
  return {
    name: 'drop-remote-fonts',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('@chatui') || !id.split('?')[0].endsWith('.css')) return null;
      return { code: code.replace(/@font-face\s*{[^}]*https?:[^}]*}/g, ''), map: null };
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [dropRemoteFonts()],
  resolve: {
    // ChatUI's package.json points "browser" at a UMD bundle that expects a global React;
    // use its ES modules build instead.
    alias: [{ find: /^@chatui\/core$/, replacement: '@chatui/core/es/index.js' }],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1200 },
  server: {
    // `npm run dev`: talk to a Rasa server on localhost:5005 through the dev server (same origin).
    proxy: { '/socket.io': { target: 'http://localhost:5005', ws: true } },
  },
});
