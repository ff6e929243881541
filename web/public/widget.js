/*
 * 医保断缴补缴助手 embeddable launcher.
 *
 *   <script src="http://HOST:5005/webhooks/chat/widget.js" data-server="http://HOST:5005"></script>
 *
 * Adds a round button at the bottom right; it opens the chat page of the Rasa server in an
 * iframe. data-server defaults to the origin the script was loaded from. Optional attributes:
 * data-title (button label), data-open="true" (start opened), data-position="left".
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__yibaoChatLoaded) return;
  window.__yibaoChatLoaded = true;

  var server = (script.getAttribute('data-server') || new URL(script.src, location.href).origin).replace(/\/+$/, '');
  var title = script.getAttribute('data-title') || '医保断缴补缴助手';
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';
  var chatUrl = server + '/webhooks/chat/?embed=1';

  var style = document.createElement('style');
  style.textContent =
    '.yibao-chat-launcher{position:fixed;bottom:20px;' + side + ':20px;z-index:2147483000;width:56px;height:56px;' +
    'border:none;border-radius:50%;background:#1769e0;color:#fff;font-size:15px;font-weight:600;cursor:pointer;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.25);font-family:inherit}' +
    '.yibao-chat-launcher:focus-visible{outline:3px solid #9cc3ff;outline-offset:2px}' +
    '.yibao-chat-frame{position:fixed;bottom:88px;' + side + ':20px;z-index:2147483000;width:380px;height:600px;' +
    'max-width:calc(100vw - 24px);max-height:calc(100vh - 110px);border:none;border-radius:12px;background:#fff;' +
    'box-shadow:0 8px 30px rgba(0,0,0,.25)}' +
    '.yibao-chat-frame[hidden]{display:none}' +
    '@media (max-width:480px){.yibao-chat-frame{' + side + ':12px;bottom:84px;width:calc(100vw - 24px);height:calc(100vh - 100px)}}';
  document.head.appendChild(style);

  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'yibao-chat-launcher';
  button.textContent = '咨询';
  button.setAttribute('aria-label', '打开' + title);
  button.setAttribute('aria-expanded', 'false');

  var frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.className = 'yibao-chat-frame';
      frame.src = chatUrl;
      frame.title = title;
      frame.setAttribute('aria-label', title);
      frame.id = 'yibao-chat-frame';
      button.setAttribute('aria-controls', frame.id);
      document.body.appendChild(frame);
    }
    frame.hidden = false;
    button.textContent = '✕';
    button.setAttribute('aria-label', '关闭' + title);
    button.setAttribute('aria-expanded', 'true');
    frame.focus();
  }
  function close() {
    if (frame) frame.hidden = true;
    button.textContent = '咨询';
    button.setAttribute('aria-label', '打开' + title);
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }
  button.addEventListener('click', function () {
    if (frame && !frame.hidden) close(); else open();
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && frame && !frame.hidden) close();
  });

  function mount() {
    document.body.appendChild(button);
    if (script.getAttribute('data-open') === 'true') open();
  }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
  window.YibaoChat = { open: open, close: close, server: server };
})();
