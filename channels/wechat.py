"""WeChat official account (公众号) input channel for Rasa 3.6.

credentials.yml:

    channels.wechat.WeChatInput:
      token: "..."                 # 服务器配置 Token                       env WECHAT_TOKEN
      appid: "wx..."               # AppID                                 env WECHAT_APPID
      appsecret: "..."             # AppSecret (customer-service API)      env WECHAT_APPSECRET
      encoding_aes_key: "..."      # EncodingAESKey, 43 chars (安全/兼容模式) env WECHAT_AES_KEY
      reply_budget_seconds: 4.5    # passive-reply budget                  env WECHAT_REPLY_BUDGET
      api_base_url: "https://api.weixin.qq.com"                          # env WECHAT_API_BASE_URL
      dedup_ttl_seconds: 120       # how long retried MsgIds are remembered  env WECHAT_DEDUP_TTL
      max_clock_skew_seconds: 300  # signed timestamps further from now -> 403 env WECHAT_MAX_SKEW

Webhook: GET/POST /webhooks/wechat/webhook. Environment variables override the file.

Flow of a POST: signature check (403) -> timestamp within max_clock_skew_seconds of now (403, so a
captured signature cannot be replayed later) -> body size (413) -> defusedxml parse (400) -> in AES mode
msg_signature check (403) and decryption -> required fields (400) -> the bot. The bot runs as a
task; if it answers within the budget the answer is the passive (XML) reply, encrypted in AES
mode; otherwise the request is answered "success" at once and the answer goes out later through
the customer-service message API. Retries (same FromUserName+MsgId, or FromUserName+CreateTime
for events) join the first request's task instead of reaching the bot again.
The conversation of an OpenID is stored as `wechat:<OpenID>` (ops.ids); the text is cleaned and
masked (ops.pii) before Rasa sees it.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply

from channels.wechat_api import WeChatApiClient
from ops.ids import clean_text, conversation_id
from ops.pii import mask_text
from channels.wechat_core import (
    EMPTY_ANSWER_ZH,
    ERROR_ZH,
    MAX_BODY_BYTES,
    TEXT_ONLY_ZH,
    VOICE_UNRECOGNIZED_ZH,
    WELCOME_ZH,
    Button,
    IncomingMessage,
    TTLCache,
    WeChatRequestError,
    cdata_safe,
    parse_xml,
    render_replies,
    resolve_choice,
    signature_ok,
    split_reply,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
DEFAULT_REPLY_BUDGET = 4.5
DEFAULT_DEDUP_TTL = 120.0
DEFAULT_MAX_SKEW = 300.0
# Buttons offered to a user are remembered this long (a reply "1" a day later is plain text).
BUTTON_MEMORY_SECONDS = 24 * 3600

ENV_KEYS = {
    "token": "WECHAT_TOKEN",
    "appid": "WECHAT_APPID",
    "appsecret": "WECHAT_APPSECRET",
    "encoding_aes_key": "WECHAT_AES_KEY",
    "api_base_url": "WECHAT_API_BASE_URL",
    "reply_budget_seconds": "WECHAT_REPLY_BUDGET",
    "dedup_ttl_seconds": "WECHAT_DEDUP_TTL",
    "max_clock_skew_seconds": "WECHAT_MAX_SKEW",
}

# Message types answered with a fixed text, without the bot.
NON_TEXT_TYPES = {"image", "location", "link", "video", "shortvideo", "file", "music", "miniprogrampage"}


class _SecretPrpCrypto(PrpCrypto):
    """wechatpy's cipher with the 16-byte random prefix drawn from `secrets`.

    wechatpy uses the `random` module, which ML libraries in the Rasa process may seed with a
    fixed value, making the prefix (and the first cipher block) repeat between runs.
    """

    def get_random_string(self) -> str:
        return secrets.token_urlsafe(12)[:16]


class _WeChatCrypto(WeChatCrypto):
    def encrypt_message(self, msg: Any, nonce: str, timestamp: Optional[str] = None) -> str:
        return self._encrypt_message(msg, nonce, timestamp, _SecretPrpCrypto)


@dataclass
class _Turn:
    """One incoming message (and its retries) and the bot's answer to it."""

    task: "asyncio.Task[str]"
    delivered: Optional[str] = None  # None | "passive" | "custom"
    deliverer: Optional["asyncio.Task[None]"] = None
    rest_sent: bool = False
    parts: List[str] = field(default_factory=list)


def _settings(credentials: Optional[Dict[Text, Any]]) -> Dict[str, Any]:
    merged: Dict[str, Any] = dict(credentials or {})
    for key, env in ENV_KEYS.items():
        value = os.environ.get(env)
        if value not in (None, ""):
            merged[key] = value
    return merged


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat official account (明文 / 兼容 / 安全 modes)."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "InputChannel":
        settings = _settings(credentials)
        if not settings.get("token"):
            # Keep the rest of the server usable; the webhook answers 503 until a token is set.
            logger.warning("wechat channel has no token (credentials 'token' or WECHAT_TOKEN): disabled")
        return cls(
            token=str(settings.get("token") or ""),
            appid=str(settings.get("appid") or ""),
            appsecret=str(settings.get("appsecret") or ""),
            encoding_aes_key=str(settings.get("encoding_aes_key") or ""),
            reply_budget_seconds=float(settings.get("reply_budget_seconds") or DEFAULT_REPLY_BUDGET),
            api_base_url=str(settings.get("api_base_url") or DEFAULT_API_BASE_URL),
            dedup_ttl_seconds=float(settings.get("dedup_ttl_seconds") or DEFAULT_DEDUP_TTL),
            max_clock_skew_seconds=float(settings.get("max_clock_skew_seconds") or DEFAULT_MAX_SKEW),
        )

    def __init__(
        self,
        token: str,
        appid: str = "",
        appsecret: str = "",
        encoding_aes_key: str = "",
        reply_budget_seconds: float = DEFAULT_REPLY_BUDGET,
        api_base_url: str = DEFAULT_API_BASE_URL,
        dedup_ttl_seconds: float = DEFAULT_DEDUP_TTL,
        max_clock_skew_seconds: float = DEFAULT_MAX_SKEW,
    ) -> None:
        self.token = token
        self.max_clock_skew_seconds = max_clock_skew_seconds
        self.appid = appid
        self.reply_budget_seconds = max(0.0, reply_budget_seconds)
        self.crypto: Optional[WeChatCrypto] = None
        if encoding_aes_key:
            if len(encoding_aes_key) != 43:
                raise ValueError("WeChat encoding_aes_key must be 43 characters")
            if not appid:
                raise ValueError("WeChat appid is required with encoding_aes_key")
            self.crypto = _WeChatCrypto(token, encoding_aes_key, appid)
        self.api = WeChatApiClient(appid, appsecret, api_base_url)
        self.turns: TTLCache[_Turn] = TTLCache(dedup_ttl_seconds)
        self.last_buttons: TTLCache[List[Button]] = TTLCache(BUTTON_MEMORY_SECONDS, max_items=100000)
        self._background: Set["asyncio.Task[Any]"] = set()

    # ------------------------------------------------------------------ HTTP

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.token:
                return response.text("wechat channel not configured", status=503)
            args = request.args
            if not signature_ok(self.token, args.get("signature"), args.get("timestamp"), args.get("nonce")):
                return response.text("forbidden", status=403)
            if not self._fresh(args.get("timestamp")):
                return response.text("stale timestamp", status=403)
            echostr = args.get("echostr")
            if not echostr:
                return response.text("missing echostr", status=400)
            return response.text(echostr)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if not self.token:
                return response.text("wechat channel not configured", status=503)
            try:
                return await self._receive(request, on_new_message)
            except WeChatRequestError as exc:
                logger.info("wechat request refused (%s): %s", exc.status, exc.reason)
                return response.text(exc.reason, status=exc.status)
            except Exception:  # noqa: BLE001 - never a 500 with a traceback to WeChat
                logger.exception("wechat request failed")
                return response.text("success")

        @webhook.listener("after_server_stop")
        async def close_client(*_: Any) -> None:
            await self.api.close()

        return webhook

    async def _read_body(self, request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length and length.strip().isdigit() and int(length) > MAX_BODY_BYTES:
            raise WeChatRequestError(413, "body too large")
        if request.stream is None:
            body = request.body or b""
        else:
            chunks: List[bytes] = []
            size = 0
            while True:
                chunk = await request.stream.read()
                if chunk is None:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise WeChatRequestError(413, "body too large")
                chunks.append(chunk)
            body = b"".join(chunks)
        if len(body) > MAX_BODY_BYTES:
            raise WeChatRequestError(413, "body too large")
        return body

    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        args = request.args
        timestamp, nonce = args.get("timestamp"), args.get("nonce")
        # 1. Every POST is signed with the token; check before reading anything else.
        if not signature_ok(self.token, args.get("signature"), timestamp, nonce):
            raise WeChatRequestError(403, "forbidden")
        # 2. A signature is only good near its own time: an old captured one cannot be replayed.
        if not self._fresh(timestamp):
            raise WeChatRequestError(403, "stale timestamp")
        body = await self._read_body(request)
        fields = parse_xml(body)
        encrypt_type = (args.get("encrypt_type") or "raw").lower()
        encrypted = encrypt_type == "aes"
        if encrypted:
            fields = self._decrypt(fields, args.get("msg_signature"), timestamp, nonce)
        elif encrypt_type != "raw":
            raise WeChatRequestError(400, "unsupported encrypt_type")
        message = IncomingMessage.from_fields(fields)

        reply = await self._answer(message, on_new_message)
        if not reply:
            return response.text("success")
        xml = TextReply(
            source=cdata_safe(message.to_user), target=cdata_safe(message.from_user),
            time=int(time.time()), content=cdata_safe(reply),
        ).render()
        if encrypted and self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, secrets.token_hex(8), str(int(time.time())))
        return response.text(xml, content_type="application/xml; charset=utf-8")

    def _fresh(self, timestamp: Optional[str]) -> bool:
        try:
            sent = int(str(timestamp).strip())
        except (TypeError, ValueError):
            return False
        return abs(time.time() - sent) <= self.max_clock_skew_seconds

    def _decrypt(self, fields: Dict[str, str], msg_signature: Optional[str], timestamp: Optional[str],
                 nonce: Optional[str]) -> Dict[str, str]:
        if self.crypto is None:
            raise WeChatRequestError(400, "encrypted message but no encoding_aes_key configured")
        encrypt = (fields.get("Encrypt") or "").strip()
        if not encrypt:
            raise WeChatRequestError(400, "missing fields: Encrypt")
        if not signature_ok(self.token, msg_signature, timestamp, nonce, encrypt):
            raise WeChatRequestError(403, "forbidden")
        try:
            plain = self.crypto.decrypt_message({"Encrypt": encrypt}, msg_signature, timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException):
            raise WeChatRequestError(403, "forbidden") from None
        except Exception as exc:  # noqa: BLE001 - bad base64, padding, encoding ...
            raise WeChatRequestError(400, f"cannot decrypt: {type(exc).__name__}") from None
        plain_bytes = plain.encode("utf-8") if isinstance(plain, str) else bytes(plain)
        return parse_xml(plain_bytes)

    # ------------------------------------------------------------------ dialogue

    async def _answer(self, message: IncomingMessage,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Optional[str]:
        """The passive reply text, or None to answer "success"."""
        started = asyncio.get_running_loop().time()
        bot_text: Optional[str] = None
        if message.msg_type == "text":
            bot_text = (message.content or "").strip()
            if not bot_text:
                return None
        elif message.msg_type == "voice":
            if not message.recognition:
                return VOICE_UNRECOGNIZED_ZH
            bot_text = message.recognition
        elif message.msg_type == "event":
            if message.event == "subscribe":
                bot_text = "/greet"
            elif message.event == "click" and message.event_key:
                bot_text = message.event_key
            else:  # unsubscribe, view, scan, location reports ...: nothing to say
                return None
        elif message.msg_type in NON_TEXT_TYPES:
            return TEXT_ONLY_ZH
        else:
            return TEXT_ONLY_ZH

        turn = self.turns.get(message.dedup_key)
        if turn is None:
            task = asyncio.ensure_future(self._run_bot(bot_text, message, on_new_message))
            turn = _Turn(task=task)
            self.turns.put(message.dedup_key, turn)
        else:
            logger.info("wechat retry of %s joins the running turn", message.dedup_key)
        remaining = self.reply_budget_seconds - (asyncio.get_running_loop().time() - started)
        if not turn.task.done() and remaining > 0:
            await asyncio.wait({turn.task}, timeout=remaining)
        if not turn.task.done():
            self._deliver_later(turn, message.from_user)
            return None
        if turn.delivered == "custom":
            return None  # already sent through the customer-service API
        if not turn.parts:
            turn.parts = split_reply(turn.task.result())
        if not turn.parts:
            return None
        turn.delivered = "passive"
        if len(turn.parts) > 1 and not turn.rest_sent:
            # A passive reply is one message; the rest of a long answer follows as
            # customer-service messages (not possible for unverified accounts).
            turn.rest_sent = True
            self._spawn(self.api.send_texts(message.from_user, turn.parts[1:]))
        return turn.parts[0]

    async def _run_bot(self, text: str, message: IncomingMessage,
                       on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str:
        openid = message.from_user
        choice = resolve_choice(text, self.last_buttons.get(openid) or [])
        if choice is not None:
            text = choice
        text = mask_text(clean_text(text))
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(
                text, collector, conversation_id("wechat", openid), input_channel=self.name(),
                message_id=message.msg_id,
                metadata={"wechat": {"msg_type": message.msg_type, "to_user": message.to_user}},
            ))
        except Exception:  # noqa: BLE001
            logger.exception("wechat: bot failed on a message from %s", openid)
            return ERROR_ZH
        rendered, buttons = render_replies(collector.messages)
        if buttons:
            self.last_buttons.put(openid, buttons)
        else:
            self.last_buttons.pop(openid)
        if not rendered:
            # The bot stayed silent (e.g. a rejected form action); a WeChat user would see nothing.
            return WELCOME_ZH if message.event == "subscribe" else EMPTY_ANSWER_ZH
        return rendered

    def _deliver_later(self, turn: _Turn, openid: str) -> None:
        if turn.deliverer is None:
            turn.deliverer = self._spawn(self._deliver(turn, openid))

    async def _deliver(self, turn: _Turn, openid: str) -> None:
        await asyncio.wait({turn.task})
        if turn.delivered is not None:
            return  # a retry already took the answer passively
        if not turn.parts:
            turn.parts = split_reply(turn.task.result())
        if not turn.parts:
            return
        turn.delivered = "custom"  # claim before awaiting, so a concurrent retry stays quiet
        if not await self.api.send_texts(openid, turn.parts):
            turn.delivered = None  # let a later retry carry the answer passively

    def _spawn(self, coro: Awaitable[Any]) -> "asyncio.Task[Any]":
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task
