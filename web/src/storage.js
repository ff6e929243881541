// Conversation persistence in localStorage: Rasa's socket.io channel keeps the session on the
// server (session_persistence) but does not replay history, so the page keeps its own copy.
// The session id is the one the server issued (signed); sending it back resumes the conversation.
const PREFIX = 'yibao-chat:';
const MAX_MESSAGES = 200;

function read(key, fallback) {
  try {
    const raw = window.localStorage.getItem(PREFIX + key);
    return raw == null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    /* storage full or disabled: the chat still works, only without history */
  }
}

export const store = {
  sessionId: () => read('session', null),
  setSessionId: (id) => write('session', id),
  messages: () => {
    const list = read('messages', []);
    return Array.isArray(list) ? list : [];
  },
  setMessages: (list) => write('messages', list.slice(-MAX_MESSAGES)),
  quickReplies: () => read('quickReplies', []),
  setQuickReplies: (list) => write('quickReplies', list),
  greeted: () => read('greeted', false) === true,
  setGreeted: (v) => write('greeted', v),
  clear: () => ['session', 'messages', 'quickReplies', 'greeted'].forEach((k) => {
    try { window.localStorage.removeItem(PREFIX + k); } catch { /* ignore */ }
  }),
};
