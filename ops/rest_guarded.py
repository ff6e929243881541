"""REST channel with input limits, per-sender rate limiting, PII masking, health and clear errors.

credentials.yml: replace `rest:` with

    ops.rest_guarded.GuardedRestInput:
      max_body_bytes: 65536        # larger bodies -> 413
      max_message_chars: 2000      # longer messages -> 413
      rate_per_second: 5           # per sender, token bucket ...
      burst: 10                    # ... of this size; over it -> 429 with a Chinese reply
      turn_timeout_seconds: 30     # a turn not answered by then (e.g. stuck on a lock) -> 503

It keeps the contract's URL (`POST /webhooks/rest/webhook`, same request and reply format) and adds
`GET /webhooks/rest/health` (tracker store, lock store, model; 200 or 503).
Errors: invalid JSON / missing message / missing or bad sender (lone surrogates and control
characters included) -> 400, too large -> 413, too fast -> 429, tracker store, lock store or model
unavailable, or no answer within `turn_timeout_seconds` -> 503; the error replies are JSON lists of
bot messages in Chinese (what the web widget shows) and carry `error` codes for programs.
The conversation of sender S is stored as `rest:S` (ops.ids: namespaced per channel; a sender that
looks like a phone or ID number is stored hashed); replies keep `recipient_id` = S. Lone
surrogates and control characters in the message become U+FFFD / a space before Rasa sees it.
If an action fails (e.g. the action server is down) the user gets an apology instead of silence.
User text is masked (ops.pii) before Rasa sees it; the request log is one JSON line per turn with
the conversation id, status and latency and never the text.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from ops.health import readiness
from ops.ids import clean_obj, clean_text, conversation_id, has_lone_surrogate
from ops.pii import install_log_filter, mask_obj, mask_text

logger = logging.getLogger("ops.rest")

APOLOGY_FAILURE = "抱歉，系统暂时出现故障，您的消息没有处理成功。请稍后再发一次；着急的话可以拨打医保服务热线 12393。"
APOLOGY_ACTION = "抱歉，我这边查询时出了点问题，没能给出答复。请稍后再问一次，或输入“转人工”。"
TOO_FAST = "您发送得太快了，请稍等几秒再发。"
TOO_LONG = "您的消息太长了，请精简到 {limit} 字以内再发送。"
BAD_REQUEST = "请求格式不正确：{detail}"
EMPTY_MESSAGE = "您好像没有输入内容。请直接输入您的问题，例如「医保断缴了三个月还能补吗」。"
MISSING_SENDER = "请求缺少 sender（会话编号）：每位用户的对话需要自己的编号，例如随机生成的字符串。"
BAD_SENDER = "sender 应为 1-128 个字符的会话编号，不能含控制字符或无效字符"
TIMEOUT = "抱歉，系统繁忙，您的消息这次没有处理完。请稍后再发一次；着急的话可以拨打医保服务热线 12393。"
NOTHING_TO_SAY = "好的。请问还有什么可以帮您？例如「医保断缴了三个月还能补吗」。"

_turn: contextvars.ContextVar[Optional[Dict[str, Any]]] = contextvars.ContextVar("ops_rest_turn", default=None)


class _ActionFailureWatcher(logging.Filter):
    """Marks the current turn when Rasa's processor logs that an action raised."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003
        state = _turn.get()
        if state is not None and str(record.msg).startswith("Encountered an exception while running action"):
            state["action_failed"] = True
        return True


_WATCHER = _ActionFailureWatcher()


class TokenBucket:
    """Per-key token buckets (rate tokens/second, capacity burst), pruned when they are full."""

    def __init__(self, rate: float, burst: float, max_keys: int = 50000) -> None:
        self.rate, self.burst, self.max_keys = float(rate), float(burst), max_keys
        self._buckets: Dict[str, list] = {}

    def allow(self, key: str, now: Optional[float] = None) -> tuple:
        """(allowed, seconds until the next token)."""
        now = time.monotonic() if now is None else now
        if len(self._buckets) > self.max_keys:
            self._prune(now)
        tokens, last = self._buckets.get(key, [self.burst, now])
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = [tokens - 1, now]
            return True, 0.0
        self._buckets[key] = [tokens, now]
        return False, (1 - tokens) / self.rate if self.rate > 0 else 60.0

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate if self.rate > 0 else 3600
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


def _bot_reply(sender: str, text: str) -> list:
    return [{"recipient_id": sender, "text": text}]


def _dumps(obj: Any) -> str:
    """JSON with Chinese as is; a lone surrogate that got through becomes U+FFFD, never a 500."""
    return clean_text(json.dumps(obj, ensure_ascii=False))


def _error(status: int, code: str, sender: str, text: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    body = _bot_reply(clean_text(sender), text)
    body[0]["error"] = code
    return response.json(body, status=status, headers=headers or {}, dumps=_dumps)


def _valid_sender(sender: Any) -> Optional[str]:
    if isinstance(sender, int) and not isinstance(sender, bool) and abs(sender) < 10 ** 18:
        sender = str(sender)
    if not isinstance(sender, str) or not (1 <= len(sender) <= 128) or not sender.strip():
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in sender) or has_lone_surrogate(sender):
        return None
    return sender


def _raise(error: Exception) -> None:
    raise error


def _fail_loudly(agent: Any) -> None:
    """Makes Rasa's FailSafeTrackerStore raise instead of silently switching to memory.

    By default a database outage makes Rasa start a fresh in-memory conversation (the user loses
    the context, and what they say is never stored). Raising gives them a clear 503 instead.
    """
    store = getattr(agent, "tracker_store", None)
    if store is not None and hasattr(store, "_on_tracker_store_error") and store._on_tracker_store_error is None:  # noqa: SLF001
        store._on_tracker_store_error = _raise  # noqa: SLF001


class GuardedRestInput(RestInput):
    """Drop-in replacement for Rasa's `rest` channel (same name and URL)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        credentials = credentials or {}
        return cls(
            max_body_bytes=int(credentials.get("max_body_bytes", 65536)),
            max_message_chars=int(credentials.get("max_message_chars", 2000)),
            rate_per_second=float(credentials.get("rate_per_second", 5)),
            burst=float(credentials.get("burst", 10)),
            turn_timeout_seconds=float(credentials.get("turn_timeout_seconds", 30)),
        )

    def __init__(
        self,
        max_body_bytes: int = 65536,
        max_message_chars: int = 2000,
        rate_per_second: float = 5,
        burst: float = 10,
        turn_timeout_seconds: float = 30,
    ) -> None:
        self.turn_timeout_seconds = turn_timeout_seconds
        self.max_body_bytes = max_body_bytes
        self.max_message_chars = max_message_chars
        self.limiter = TokenBucket(rate_per_second, burst)
        install_log_filter()
        processor_logger = logging.getLogger("rasa.core.processor")
        if _WATCHER not in processor_logger.filters:
            processor_logger.addFilter(_WATCHER)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = Blueprint("custom_webhook_GuardedRestInput", __name__)

        @bp.route("/", methods=["GET"])
        async def liveness(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            ready, details = await readiness(agent)
            return response.json({"status": "ok" if ready else "unavailable", **details}, status=200 if ready else 503,
                                 dumps=_dumps)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            install_log_filter()  # handlers may have been replaced after start-up
            result = await self._handle(request, on_new_message)
            status, sender, extra = result[1], result[2], result[3]
            logger.info(json.dumps({
                "event": "rest.turn", "sender_id": mask_text(sender), "status": status,
                "latency_ms": round(1000 * (time.monotonic() - started), 1), **extra,
            }, ensure_ascii=False))
            return result[0]

        return bp

    async def _handle(self, request: Request, on_new_message) -> tuple:
        body = request.body or b""
        if len(body) > self.max_body_bytes:
            return (_error(413, "request_too_large", "", TOO_LONG.format(limit=self.max_message_chars)), 413, "-", {"bytes": len(body)})
        try:
            payload = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[... nested too deep
            return (_error(400, "invalid_json", "", BAD_REQUEST.format(detail="请求体不是合法的 JSON")), 400, "-", {})
        if not isinstance(payload, dict):
            return (_error(400, "invalid_json", "", BAD_REQUEST.format(detail="请求体应为 JSON 对象")), 400, "-", {})
        if payload.get("sender") is None:
            return (_error(400, "missing_sender", "", MISSING_SENDER), 400, "-", {})
        sender = _valid_sender(payload.get("sender"))
        if sender is None:
            return (_error(400, "invalid_sender", "", BAD_REQUEST.format(detail=BAD_SENDER)), 400, "-", {})
        text = payload.get("message")
        if not isinstance(text, str) or not clean_text(text).strip():
            return (_error(400, "missing_message", sender, EMPTY_MESSAGE), 400, sender, {})
        if len(text) > self.max_message_chars:
            return (_error(413, "message_too_long", sender, TOO_LONG.format(limit=self.max_message_chars)), 413, sender, {"chars": len(text)})
        text = clean_text(text)
        allowed, wait = self.limiter.allow(sender)
        if not allowed:
            retry = max(1, int(wait + 0.999))
            return (_error(429, "rate_limited", sender, TOO_FAST, {"Retry-After": str(retry)}), 429, sender, {})

        _fail_loudly(getattr(request.app.ctx, "agent", None))
        masked = mask_text(text)
        metadata = payload.get("metadata")
        metadata = clean_obj(mask_obj(metadata)) if isinstance(metadata, dict) else None
        input_channel = self.name()
        conversation = conversation_id("rest", sender)
        collector = CollectingOutputChannel()
        state: Dict[str, Any] = {"action_failed": False}
        token = _turn.set(state)
        try:
            import structlog

            structlog.contextvars.bind_contextvars(sender_id=conversation)
        except Exception:  # noqa: BLE001 - structlog is optional for this channel
            structlog = None
        try:
            await asyncio.wait_for(
                on_new_message(UserMessage(masked, collector, conversation, input_channel=input_channel, metadata=metadata)),
                self.turn_timeout_seconds,
            )
        except asyncio.TimeoutError:
            logger.error(json.dumps({"event": "rest.turn.timeout", "sender_id": conversation,
                                     "seconds": self.turn_timeout_seconds}))
            return (_error(503, "timeout", sender, TIMEOUT, {"Retry-After": "2"}), 503, sender, {})
        except asyncio.CancelledError:
            logger.error(json.dumps({"event": "rest.turn.timeout", "sender_id": mask_text(sender)}))
            return (_error(503, "timeout", sender, APOLOGY_FAILURE, {"Retry-After": "5"}), 503, sender, {})
        except Exception as error:  # noqa: BLE001 - infrastructure failures become a clear 503
            logger.error(json.dumps({
                "event": "rest.turn.failure", "sender_id": mask_text(sender),
                "error": type(error).__name__, "detail": mask_text(str(error))[:300],
            }, ensure_ascii=False))
            return (_error(503, "service_unavailable", sender, APOLOGY_FAILURE, {"Retry-After": "5"}), 503, sender,
                    {"error": type(error).__name__})
        finally:
            _turn.reset(token)
            if structlog is not None:
                structlog.contextvars.unbind_contextvars("sender_id")
        messages = [{**message, "recipient_id": sender} for message in collector.messages]
        if state["action_failed"]:
            messages.append({"recipient_id": sender, "text": APOLOGY_ACTION})
        elif not messages:
            # Never an empty answer: a silent turn (e.g. a payload such as /session_start) still
            # tells the person they can go on.
            messages.append({"recipient_id": sender, "text": APOLOGY_ACTION if not masked.startswith("/") else NOTHING_TO_SAY})
        extra = {"replies": len(messages), "pii_masked": masked != text, "action_failed": state["action_failed"],
                 "conversation": conversation}
        return (response.json(messages, dumps=_dumps), 200, sender, extra)
