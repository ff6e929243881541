// The chat page: ChatUI for the conversation, socket.io to Rasa's socketio channel.
import { useCallback, useEffect, useRef, useState } from 'react';
import Chat, { Bubble } from '@chatui/core';
import { io } from 'socket.io-client';
import { RichText } from './format.jsx';
import { store } from './storage.js';

export const MAX_CHARS = 1000;
const TYPING_TIMEOUT_MS = 45000;
// Paragraphs of one answer arrive as separate socket events (Rasa splits on blank lines);
// parts arriving this close together are shown as one bubble.
const MERGE_WINDOW_MS = 1500;

const NOTICE = {
  offline: '连接已断开，正在重连…',
  online: '已重新连接',
  connecting: '正在连接服务器，请稍候再发送',
  tooLong: (n) => `消息过长（${n} 字），请控制在 ${MAX_CHARS} 字以内，未发送。`,
};

// A time stamp above a message only when some minutes passed since the previous one.
const TIME_GAP_MS = 5 * 60 * 1000;
const stamped = (prev, msg) => {
  const last = prev[prev.length - 1];
  return { ...msg, hasTime: !last || msg.createdAt - (last.createdAt || 0) > TIME_GAP_MS };
};

let seq = 0;
const makeId = () => `${Date.now().toString(36)}-${(seq++).toString(36)}`;

function serverUrl() {
  // Same origin as the page (the Rasa server serves it); `npm run dev` proxies /socket.io.
  return window.location.origin;
}

function quickRepliesOf(data) {
  const list = data.quick_replies || data.buttons || [];
  return list
    .filter((b) => b && (b.payload || b.title))
    .map((b) => ({ name: String(b.title || b.payload), payload: String(b.payload || b.title) }));
}

export default function App() {
  const [messages, setMessages] = useState(() => store.messages());
  const [quickReplies, setQuickReplies] = useState(() => store.quickReplies());
  const [typing, setTyping] = useState(false);
  const [notice, setNotice] = useState(null); // {text, kind: 'info' | 'warn' | 'error'}
  const socketRef = useRef(null);
  // The server issues the (signed) session id in session_confirm; null asks it for a new one.
  const sessionRef = useRef(store.sessionId() || null);
  const readyRef = useRef(false);
  const composingRef = useRef(false);
  const typingTimer = useRef(null);
  const noticeTimer = useRef(null);
  const lastBotAt = useRef(0);

  useEffect(() => store.setMessages(messages), [messages]);
  useEffect(() => store.setQuickReplies(quickReplies), [quickReplies]);

  const showNotice = useCallback((text, kind = 'info', ms = 0) => {
    clearTimeout(noticeTimer.current);
    setNotice({ text, kind });
    if (ms) noticeTimer.current = setTimeout(() => setNotice(null), ms);
  }, []);

  const stopTyping = useCallback(() => {
    clearTimeout(typingTimer.current);
    setTyping(false);
  }, []);

  const startTyping = useCallback(() => {
    clearTimeout(typingTimer.current);
    setTyping(true);
    typingTimer.current = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
  }, []);

  const appendBot = useCallback((data) => {
    const text = typeof data.text === 'string' ? data.text : '';
    const buttons = quickRepliesOf(data);
    if (!text && !buttons.length) return;
    const now = Date.now();
    const merge = now - lastBotAt.current < MERGE_WINDOW_MS;
    lastBotAt.current = now;
    setMessages((prev) => {
      const last = prev[prev.length - 1];
      if (merge && text && last && last.position === 'left') {
        const merged = { ...last, content: { text: `${last.content.text}\n\n${text}` } };
        return [...prev.slice(0, -1), merged];
      }
      if (!text) return prev;
      return [...prev, stamped(prev, { _id: makeId(), type: 'text', position: 'left', content: { text }, createdAt: now })];
    });
    if (buttons.length) setQuickReplies(buttons);
  }, []);

  useEffect(() => {
    const socket = io(serverUrl(), {
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 4000,
    });
    socketRef.current = socket;
    let wasConnected = false;

    socket.on('connect', () => {
      socket.emit('session_request', { session_id: sessionRef.current });
    });
    socket.on('session_confirm', (data) => {
      const id = typeof data === 'string' ? data : data && data.session_id;
      if (id) sessionRef.current = id;
      store.setSessionId(sessionRef.current);
      readyRef.current = true;
      if (wasConnected) showNotice(NOTICE.online, 'info', 3000);
      else setNotice(null);
      wasConnected = true;
      if (!store.greeted()) {
        store.setGreeted(true);
        startTyping();
        socket.emit('user_uttered', { message: '/greet', session_id: sessionRef.current });
      }
    });
    socket.on('bot_uttered', (data) => {
      stopTyping();
      if (data && typeof data === 'object') appendBot(data);
    });
    socket.on('disconnect', (reason) => {
      readyRef.current = false;
      stopTyping();
      if (reason !== 'io client disconnect') showNotice(NOTICE.offline, 'warn');
    });
    socket.on('connect_error', () => {
      readyRef.current = false;
      showNotice(wasConnected ? NOTICE.offline : '无法连接服务器，正在重试…', 'warn');
    });
    return () => {
      socket.off();
      socket.disconnect();
    };
  }, [appendBot, showNotice, startTyping, stopTyping]);

  // Sends `payload` to the bot and shows `shown` as the user's message; false when refused.
  const sendToBot = useCallback((shown, payload) => {
    const text = String(payload).trim();
    if (!text) return false;
    if (text.length > MAX_CHARS) {
      showNotice(NOTICE.tooLong(text.length), 'error', 6000);
      return false;
    }
    const socket = socketRef.current;
    if (!socket || !socket.connected || !readyRef.current) {
      showNotice(NOTICE.connecting, 'warn', 4000);
      return false;
    }
    setMessages((prev) => [
      ...prev,
      stamped(prev, { _id: makeId(), type: 'text', position: 'right', content: { text: String(shown) }, createdAt: Date.now() }),
    ]);
    setQuickReplies([]);
    lastBotAt.current = 0;
    startTyping();
    socket.emit('user_uttered', { message: text, session_id: sessionRef.current });
    return true;
  }, [showNotice, startTyping]);

  // ChatUI calls onBeforeSend first; returning false keeps the text in the input box.
  const handleBeforeSend = useCallback((type, value) => {
    if (composingRef.current) return false;
    const text = String(value || '');
    if (text.trim().length > MAX_CHARS) {
      showNotice(NOTICE.tooLong(text.trim().length), 'error', 6000);
      return false;
    }
    if (!socketRef.current || !socketRef.current.connected || !readyRef.current) {
      showNotice(NOTICE.connecting, 'warn', 4000);
      return false;
    }
    return true;
  }, [showNotice]);

  const handleSend = useCallback((type, value) => {
    if (type === 'text') sendToBot(value, value);
  }, [sendToBot]);

  const handleQuickReply = useCallback((item) => {
    sendToBot(item.name, item.payload);
  }, [sendToBot]);

  const restart = useCallback(() => {
    store.clear();
    sessionRef.current = null;
    setMessages([]);
    setQuickReplies([]);
    setNotice(null);
    const socket = socketRef.current;
    if (socket && socket.connected) {
      readyRef.current = false;
      socket.emit('session_request', { session_id: sessionRef.current });
    }
  }, []);

  // Enter while an IME is composing (拼音 candidates) must pick the candidate, not send.
  const inputOptions = {
    'aria-label': '输入您的问题',
    autoFocus: true,
    onCompositionStart: () => { composingRef.current = true; },
    onCompositionEnd: () => { setTimeout(() => { composingRef.current = false; }, 0); },
    onKeyDownCapture: (e) => {
      const native = e.nativeEvent || e;
      if ((e.key === 'Enter' || e.keyCode === 13 || e.keyCode === 229) &&
          (native.isComposing || composingRef.current || e.keyCode === 229)) {
        e.stopPropagation();
      }
    },
  };

  const renderMessageContent = useCallback((msg) => {
    const text = msg.content && typeof msg.content.text === 'string' ? msg.content.text : '';
    if (msg.position === 'left') {
      return (
        <Bubble>
          <RichText text={text} />
        </Bubble>
      );
    }
    return <Bubble><span className="user-text" data-role="user">{text}</span></Bubble>;
  }, []);

  return (
    <main className="chat-app" aria-label="医保断缴补缴助手 聊天窗口">
      {notice && (
        <div
          className={`chat-notice chat-notice--${notice.kind}`}
          role={notice.kind === 'error' ? 'alert' : 'status'}
          data-testid="notice"
        >
          {notice.text}
        </div>
      )}
      <Chat
        locale="zh-CN"
        navbar={{
          title: '医保断缴补缴助手',
          rightContent: [{ title: '新对话', label: '新对话', icon: '', onClick: restart }],
        }}
        messages={messages}
        renderMessageContent={renderMessageContent}
        isTyping={typing}
        quickReplies={quickReplies}
        onQuickReplyClick={handleQuickReply}
        onBeforeSend={handleBeforeSend}
        onSend={handleSend}
        placeholder="例如：南昌灵活就业断缴三个月，能补吗？"
        inputOptions={inputOptions}
      />
      <div className="visually-hidden" aria-live="polite" data-testid="live">
        {messages.length && messages[messages.length - 1].position === 'left'
          ? messages[messages.length - 1].content.text
          : ''}
      </div>
    </main>
  );
}
