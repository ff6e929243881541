"""Web chat channels: the socket.io channel with an origin allow-list, and the chat page itself.

credentials.yml:

    channels.webchat.WebChatSocketIO:     # replaces the plain `socketio:` entry
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      cors_allowed_origins: []            # origins besides the server's own, e.g. https://www.example.gov.cn
    channels.webchat.WebChatPage: {}      # serves web/dist at /webhooks/chat/ and /webhooks/chat/widget.js

The environment variable WEBCHAT_CORS_ORIGINS (origins separated by spaces or commas) overrides
`cors_allowed_origins` of both channels. The page served by the Rasa server itself is always
allowed (same origin); every other origin must be listed. "*" allows any origin and must be
written out explicitly.
"""
from __future__ import annotations

import inspect
import logging
import mimetypes
import os
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIST = ROOT / "web" / "dist"
ORIGINS_ENV = "WEBCHAT_CORS_ORIGINS"
MAX_MESSAGE_CHARS = 1000
# Session ids the page makes (32 hex) or any other client: short, no separators or spaces.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
TOO_LONG_TEXT = f"消息过长，请控制在{MAX_MESSAGE_CHARS}字以内后重新发送。"


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
    """Rasa's socket.io channel with an origin allow-list instead of accepting every origin.

    Rasa's own channel builds its engine.io server with `cors_allowed_origins=[]`, which turns
    the origin check off: any web page could drive the bot from a visitor's browser. Also
    refuses messages over MAX_MESSAGE_CHARS characters, as the page does.
    """

    cors_allowed_origins: List[Text] = []

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.cors_allowed_origins = configured_origins(credentials)
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def guarded(message: UserMessage) -> None:
            if message.text and len(message.text) > MAX_MESSAGE_CHARS:
                logger.info("Refused a %d-character message from %s", len(message.text), message.sender_id)
                await message.output_channel.send_text_message(message.sender_id, TOO_LONG_TEXT)
                return
            await on_new_message(message)

        bp = super().blueprint(guarded)
        sio = self.sio
        assert sio is not None
        sio.eio.cors_allowed_origins = OriginPolicy(self.cors_allowed_origins)

        # Rasa 3.6 calls `sio.enter_room(...)` without `await`; in python-socketio 5.x it is a
        # coroutine, so the socket never joins the session's room and, with
        # session_persistence, every bot reply (sent to the room) is lost. Same handler, awaited.
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        sio.on("session_request", session_request, namespace=self.namespace)
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
