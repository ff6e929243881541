"""Web chat channels: the socket.io channel with an origin allow-list, and the chat page itself.

credentials.yml:

    channels.webchat.WebChatSocketIO:     # replaces the plain `socketio:` entry
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      cors_allowed_origins: []            # origins besides the server's own, e.g. https://www.example.gov.cn
    channels.webchat.WebChatPage: {}      # serves web/dist at /webhooks/chat/ and /webhooks/chat/widget.js

      rate_per_second: 2                  # messages per conversation and second ...
      burst: 6                            # ... in bursts of this size; more get a Chinese notice

The environment variable WEBCHAT_CORS_ORIGINS (origins separated by spaces or commas) overrides
`cors_allowed_origins` of both channels. The page served by the Rasa server itself is always
allowed (same origin); every other origin must be listed. "*" allows any origin and must be
written out explicitly.

Conversation ids are the server's to give: `session_request` gets a signed session id
(`<32 hex>.<signature>`, ops.ids.sign) back in `session_confirm`; the page keeps it and sends it
with its next `session_request` (after a reload) to resume that conversation. Any id the server did
not issue is replaced by a new one. Messages go to the conversation bound to the socket
(`web:<32 hex>` in the tracker store); a `session_id` inside `user_uttered` is ignored, so no
client can write into another person's or another channel's conversation. Message text is cleaned
(ops.ids.clean_text) and masked (ops.pii) before Rasa sees it, as on REST.
"""
from __future__ import annotations

import inspect
import json
import logging
import mimetypes
import os
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from ops.ids import clean_obj, clean_text, conversation_id, sign, verify
from ops.pii import mask_obj, mask_text
from ops.rest_guarded import NOTHING_TO_SAY, TokenBucket

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIST = ROOT / "web" / "dist"
ORIGINS_ENV = "WEBCHAT_CORS_ORIGINS"
MAX_MESSAGE_CHARS = 1000
# The random part of a session id the server issues.
SESSION_VALUE = re.compile(r"[0-9a-f]{32}")
TOO_LONG_TEXT = f"消息过长，请控制在{MAX_MESSAGE_CHARS}字以内后重新发送。"
TOO_FAST_TEXT = "您发送得太快了，请稍等几秒再发。"
BAD_MESSAGE_TEXT = "消息格式不正确，请直接输入您的问题。"
EMPTY_TEXT = "您好像没有输入内容。请直接输入您的问题，例如「医保断缴了三个月还能补吗」。"
FAILURE_TEXT = "抱歉，系统暂时出现故障，您的消息没有处理成功。请稍后再发一次；着急的话可以拨打医保服务热线 12393。"


class _CountingOutput(SocketIOOutput):
    """SocketIOOutput that counts what it sent, so a silent turn can still say something."""

    sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)


def new_session_token() -> Text:
    return sign(uuid.uuid4().hex)


def session_value(token: Any) -> Optional[Text]:
    """The random part of a session id this deployment issued, or None."""
    value = verify(token)
    return value if value is not None and SESSION_VALUE.fullmatch(value) else None


def conversation_for(token: Text) -> Text:
    """The tracker-store conversation id of a session id the server issued (tests, operators)."""
    return conversation_id("web", str(token).split(".")[0])


def parse_origins(value: Any) -> List[Text]:
    """Origins from a YAML list or a string separated by spaces or commas, without trailing '/'."""
    if value is None:
        return []
    items: Iterable[Any] = value.replace(",", " ").split() if isinstance(value, str) else value
    return [str(item).strip().rstrip("/") for item in items if str(item).strip()]


def configured_origins(credentials: Optional[Dict[Text, Any]]) -> List[Text]:
    env = os.environ.get(ORIGINS_ENV)
    if env is not None and env.strip():
        return parse_origins(env)
    return parse_origins((credentials or {}).get("cors_allowed_origins"))


def own_origin(environ: Dict[Text, Any]) -> Optional[Text]:
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST")
    if not host:
        return None
    scheme = environ.get("wsgi.url_scheme", "http")
    return f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}"


class OriginPolicy:
    """engine.io `cors_allowed_origins` callable: same origin plus the allow-list."""

    def __init__(self, origins: List[Text]):
        self.origins = list(origins)
        self.any = "*" in self.origins

    def __call__(self, origin: Optional[Text], environ: Optional[Dict[Text, Any]] = None) -> bool:
        if not origin:
            return True  # not a browser cross-origin request (curl, server-side clients)
        origin = origin.rstrip("/")
        if self.any or origin in self.origins:
            return True
        return environ is not None and origin == own_origin(environ)


class WebChatSocketIO(SocketIOInput):
    """Rasa's socket.io channel, hardened.

    - An origin allow-list instead of accepting every origin (Rasa builds its engine.io server
      with `cors_allowed_origins=[]`, which turns the origin check off).
    - Server-issued, signed session ids bound to the socket; namespaced conversation ids.
    - A per-conversation rate limit (a Chinese notice instead of a turn), the page's
      MAX_MESSAGE_CHARS limit, text cleaned and masked, and a Chinese apology if a turn fails.
    """

    cors_allowed_origins: List[Text] = []
    rate_per_second: float = 2.0
    burst: float = 6.0

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.cors_allowed_origins = configured_origins(credentials)
        channel.rate_per_second = float((credentials or {}).get("rate_per_second", cls.rate_per_second))
        channel.burst = float((credentials or {}).get("burst", cls.burst))
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        sio.eio.cors_allowed_origins = OriginPolicy(self.cors_allowed_origins)
        namespace = self.namespace
        bound: Dict[Text, Text] = {}  # socket id -> conversation id
        limiter = TokenBucket(self.rate_per_second, self.burst)

        async def notify(sid: Text, text: Text, code: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text, "error": code}, room=sid, namespace=namespace)

        async def bind(sid: Text, token: Any) -> Text:
            value = session_value(token)
            if value is None:
                value = uuid.uuid4().hex
            conversation = conversation_id("web", value)
            previous = bound.get(sid)
            if previous and previous != conversation:
                left = sio.leave_room(sid, previous, namespace=namespace)
                if inspect.isawaitable(left):
                    await left
            # Rasa 3.6 calls `sio.enter_room(...)` without `await`; in python-socketio 5.x it is
            # a coroutine, so the socket would never join the room its replies are sent to.
            joined = sio.enter_room(sid, conversation, namespace=namespace)
            if inspect.isawaitable(joined):
                await joined
            bound[sid] = conversation
            await sio.emit("session_confirm", sign(value), room=sid, namespace=namespace)
            return conversation

        async def session_request(sid: Text, data: Any = None) -> None:
            allowed, _ = limiter.allow("sid:" + sid)
            if not allowed:
                await notify(sid, TOO_FAST_TEXT, "rate_limited")
                return
            await bind(sid, data.get("session_id") if isinstance(data, dict) else None)

        async def disconnect(sid: Text) -> None:
            bound.pop(sid, None)

        async def handle_message(sid: Text, data: Any = None) -> None:  # emit without data: None
            conversation = bound.get(sid) or await bind(sid, None)
            allowed, _ = limiter.allow(conversation)
            if not allowed:
                # Each refused message gets the notice (one small event, no turn), like REST's 429.
                await notify(sid, TOO_FAST_TEXT, "rate_limited")
                return
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                await notify(sid, BAD_MESSAGE_TEXT, "invalid_message")
                return
            if len(text) > MAX_MESSAGE_CHARS:
                logger.info("Refused a %d-character message in %s", len(text), conversation)
                await notify(sid, TOO_LONG_TEXT, "message_too_long")
                return
            text = clean_text(text)
            if not text.strip():
                await notify(sid, EMPTY_TEXT, "missing_message")
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            metadata = clean_obj(mask_obj(metadata)) if isinstance(metadata, dict) else {}
            output = _CountingOutput(sio, self.bot_message_evt)
            message = UserMessage(mask_text(text), output, conversation, input_channel=self.name(), metadata=metadata)
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - the person gets an apology, the server lives on
                logger.error("socket.io turn failed in %s: %s", conversation, type(error).__name__)
                await notify(sid, FAILURE_TEXT, "service_unavailable")
                return
            if not output.sent:
                # Never silence (e.g. a payload such as /session_start): same text as REST.
                await sio.emit(self.bot_message_evt, {"text": NOTHING_TO_SAY}, room=conversation, namespace=namespace)

        sio.on("session_request", session_request, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        logger.debug("socket.io origins: same origin + %s", self.cors_allowed_origins or "none")
        return bp


class WebChatPage(InputChannel):
    """Serves the built chat page (web/dist) at /webhooks/chat/ and its launcher at .../widget.js."""

    @classmethod
    def name(cls) -> Text:
        return "chat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        dist = credentials.get("dist_dir")
        return cls(Path(dist) if dist else DEFAULT_DIST, configured_origins(credentials))

    def __init__(self, dist_dir: Path = DEFAULT_DIST, embed_origins: Optional[List[Text]] = None):
        self.dist_dir = Path(dist_dir).resolve()
        self.embed_origins = list(embed_origins or [])

    def content_security_policy(self) -> Text:
        ancestors = "*" if "*" in self.embed_origins else " ".join(["'self'", *self.embed_origins])
        return "; ".join([
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        ])

    def _file(self, relative: Text) -> Optional[Path]:
        try:
            path = (self.dist_dir / relative).resolve()
        except (OSError, ValueError):
            return None
        if not path.is_file() or self.dist_dir not in path.parents:
            return None
        return path

    def _serve(self, path: Path) -> HTTPResponse:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        if path.parent.name == "assets":
            headers["Cache-Control"] = "public, max-age=31536000, immutable"  # hashed names
        else:
            headers["Cache-Control"] = "no-cache"
        if path.suffix == ".html":
            headers["Content-Security-Policy"] = self.content_security_policy()
        return response.raw(path.read_bytes(), content_type=ctype, headers=headers)

    def _not_built(self) -> HTTPResponse:
        return response.text(
            "聊天页面尚未构建：请在项目目录运行 `cd web && npm ci && npm run build`（或 make web）。",
            status=503,
            content_type="text/plain; charset=utf-8",
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat_page", __name__)

        @bp.route("/", methods=["GET", "HEAD"])
        async def index(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):
                # The page's asset URLs are relative to the folder.
                return response.redirect(request.path + "/", status=301)
            page = self._file("index.html")
            return self._serve(page) if page else self._not_built()

        @bp.route("/<relative:path>", methods=["GET", "HEAD"])
        async def asset(_: Request, relative: Text) -> HTTPResponse:
            if relative in ("", "index.html"):
                page = self._file("index.html")
                return self._serve(page) if page else self._not_built()
            path = self._file(relative)
            if path is None:
                if not self._file("index.html"):
                    return self._not_built()
                return response.text("未找到", status=404, content_type="text/plain; charset=utf-8")
            return self._serve(path)

        return bp
