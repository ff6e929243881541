"""Pure helpers of the WeChat official-account bridge (no Rasa, no network).

Signature checks, hardened XML parsing, incoming-message model, rendering of bot replies
(buttons -> numbered list), splitting long text at WeChat's size limit and the retry
de-duplication cache. channels/wechat.py wires them into a Rasa input channel.
"""
from __future__ import annotations

import hmac
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, Iterable, List, Optional, Tuple, TypeVar

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from wechatpy.utils import WeChatSigner

# Bodies WeChat sends are a few hundred bytes; anything above this is refused with 413.
MAX_BODY_BYTES = 64 * 1024
# A text message (passive reply or customer-service message) is capped by WeChat at 2048 bytes
# of UTF-8 (about 680 Chinese characters); longer replies are split.
TEXT_LIMIT_BYTES = 2048
# Largest number of messages sent for one reply through the customer-service API.
MAX_PARTS = 5

# Chinese user-facing texts.
TEXT_ONLY_ZH = "抱歉，我目前只能看懂文字消息。请直接用文字描述您的医保断缴或补缴问题，例如：“南昌灵活就业断缴三个月，补缴要多少钱？”"
VOICE_UNRECOGNIZED_ZH = "抱歉，没能识别这段语音。请再说一遍，或直接发送文字。"
WELCOME_ZH = "您好！我是医保断缴补缴助手，可以帮您了解断缴影响、能否补缴、补缴金额、滞纳金、等待期和办理材料。请直接发文字提问，例如：“断缴三个月还能补吗？”"
ERROR_ZH = "抱歉，系统暂时繁忙，请稍后再试。"
EMPTY_ANSWER_ZH = "抱歉，我暂时没有答案。您可以换个说法，或回复“转人工”。"
CHOICE_HINT_ZH = "（请回复序号选择）"

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class WeChatRequestError(Exception):
    """A request WeChat (or an impostor) sent that must be refused with an HTTP status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --------------------------------------------------------------------------- signatures

def compute_signature(*parts: str) -> str:
    """SHA1 over the sorted parts (token, timestamp, nonce[, encrypt]), as WeChat signs."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signature_ok(token: str, signature: Optional[str], timestamp: Optional[str], nonce: Optional[str],
                 *extra: str) -> bool:
    """True when `signature` is WeChat's signature of token, timestamp, nonce (and extra)."""
    if not token or not signature or timestamp is None or nonce is None:
        return False
    expected = compute_signature(token, timestamp, nonce, *extra)
    return hmac.compare_digest(expected.encode(), signature.encode())


# --------------------------------------------------------------------------- XML

def parse_xml(body: bytes) -> Dict[str, str]:
    """Flat dict of the children of WeChat's <xml> root, parsed with defusedxml.

    DTDs (hence entity expansion and external entities) are refused; so is anything that is
    not well-formed or whose root is not <xml>. Nested elements keep only their own text.
    """
    if len(body) > MAX_BODY_BYTES:
        raise WeChatRequestError(413, "body too large")
    if not body.strip():
        raise WeChatRequestError(400, "empty body")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise WeChatRequestError(400, f"forbidden XML construct: {type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - ParseError, ValueError, UnicodeError ...
        raise WeChatRequestError(400, f"malformed XML: {type(exc).__name__}") from None
    if root.tag != "xml":
        raise WeChatRequestError(400, "root element is not <xml>")
    fields: Dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str) and child.tag not in fields:
            fields[child.tag] = child.text or ""
    return fields


def cdata_safe(text: str) -> str:
    """Text that cannot close the CDATA section wechatpy wraps reply fields in."""
    return text.replace("]]>", "]]]]><![CDATA[>")


# --------------------------------------------------------------------------- messages

@dataclass(frozen=True)
class IncomingMessage:
    to_user: str
    from_user: str
    create_time: str
    msg_type: str
    msg_id: Optional[str] = None
    content: Optional[str] = None
    event: Optional[str] = None
    event_key: Optional[str] = None
    recognition: Optional[str] = None

    @classmethod
    def from_fields(cls, fields: Dict[str, str]) -> "IncomingMessage":
        required = ["ToUserName", "FromUserName", "CreateTime", "MsgType"]
        missing = [name for name in required if not (fields.get(name) or "").strip()]
        if missing:
            raise WeChatRequestError(400, "missing fields: " + ", ".join(missing))
        msg_type = fields["MsgType"].strip().lower()
        if not fields["CreateTime"].strip().isdigit():
            raise WeChatRequestError(400, "CreateTime is not a number")
        if msg_type == "event":
            if not (fields.get("Event") or "").strip():
                raise WeChatRequestError(400, "missing fields: Event")
        else:
            if not (fields.get("MsgId") or "").strip():
                raise WeChatRequestError(400, "missing fields: MsgId")
            if msg_type == "text" and "Content" not in fields:
                raise WeChatRequestError(400, "missing fields: Content")
        return cls(
            to_user=fields["ToUserName"].strip(),
            from_user=fields["FromUserName"].strip(),
            create_time=fields["CreateTime"].strip(),
            msg_type=msg_type,
            msg_id=(fields.get("MsgId") or "").strip() or None,
            content=fields.get("Content"),
            event=(fields.get("Event") or "").strip().lower() or None,
            event_key=(fields.get("EventKey") or "").strip() or None,
            recognition=(fields.get("Recognition") or "").strip() or None,
        )

    @property
    def dedup_key(self) -> str:
        """FromUserName+MsgId for messages; FromUserName+CreateTime (+event) for events.

        MsgId alone is not enough: another OpenID reusing a MsgId would get the first person's
        answer, and its own message would never reach the assistant.
        """
        if self.msg_id:
            return f"msg:{self.from_user}:{self.msg_id}"
        return f"event:{self.from_user}:{self.create_time}:{self.event or ''}"


# --------------------------------------------------------------------------- bot replies

Button = Dict[str, Any]


def render_replies(messages: Iterable[Dict[str, Any]]) -> Tuple[str, List[Button]]:
    """One WeChat text for a bot turn, plus the buttons it offered, numbered across the turn.

    Buttons become lines 「回复 1 标题」; the returned list is in the same order, so that a
    reply "1" maps to buttons[0].
    """
    blocks: List[str] = []
    buttons: List[Button] = []
    for message in messages:
        parts: List[str] = []
        text = (message.get("text") or "").strip()
        if text:
            parts.append(text)
        if message.get("image"):
            parts.append(f"图片：{message['image']}")
        if message.get("attachment"):
            parts.append(f"附件：{message['attachment']}")
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("text"), str):
            parts.append(custom["text"].strip())
        lines = []
        for button in message.get("buttons") or []:
            title = str(button.get("title") or button.get("payload") or "").strip()
            if not title:
                continue
            buttons.append(button)
            lines.append(f"回复 {len(buttons)} {title}")
        if lines:
            parts.append("\n".join(lines))
        if parts:
            blocks.append("\n".join(parts))
    return "\n\n".join(blocks), buttons


def resolve_choice(text: str, buttons: List[Button]) -> Optional[str]:
    """The payload the user picked with a reply like "1", "１" or the button title, else None."""
    if not buttons:
        return None
    stripped = text.strip().translate(_DIGITS)
    stripped = re.sub(r"^(回复|选|选择|第)\s*", "", stripped)
    stripped = re.sub(r"\s*(个|项|号)?[。.！!]?$", "", stripped)
    chosen: Optional[Button] = None
    if stripped.isdigit():
        index = int(stripped)
        if 1 <= index <= len(buttons):
            chosen = buttons[index - 1]
    else:
        for button in buttons:
            if str(button.get("title") or "").strip() == text.strip():
                chosen = button
                break
    if chosen is None:
        return None
    payload = chosen.get("payload")
    return str(payload) if payload else str(chosen.get("title"))


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> List[str]:
    """Split text into parts of at most `limit` UTF-8 bytes.

    Cuts at paragraph breaks, then line breaks, then Chinese/Latin sentence ends, and only then
    inside a sentence (never inside a character).
    """
    text = text.strip()
    if not text:
        return []
    parts: List[str] = []
    while len(text.encode("utf-8")) > limit:
        head = _prefix_within(text, limit)
        cut = _best_cut(head)
        part, text = text[:cut].rstrip(), text[cut:].lstrip()
        if part:
            parts.append(part)
    if text:
        parts.append(text)
    return parts


def _prefix_within(text: str, limit: int) -> str:
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode("utf-8"))
        if size > limit:
            return text[:index]
    return text


def _best_cut(head: str) -> int:
    minimum = max(1, len(head) // 3)  # do not produce tiny parts
    for separators in (("\n\n",), ("\n",), ("。", "！", "？", "；", ". ", "! ", "? "), ("，", "、", ", ", " ")):
        best = max(head.rfind(sep) + len(sep) for sep in separators)
        if best >= minimum and best > 0:
            return best
    return len(head)


def numbered_parts(parts: List[str], limit: int = TEXT_LIMIT_BYTES) -> List[str]:
    """Parts marked (1/3), (2/3) ... when there is more than one, each still within `limit`."""
    if len(parts) <= 1:
        return parts
    marked = []
    for index, part in enumerate(parts, 1):
        suffix = f"\n（{index}/{len(parts)}）"
        room = limit - len(suffix.encode("utf-8"))
        if len(part.encode("utf-8")) > room:
            part = _prefix_within(part, room)
        marked.append(part + suffix)
    return marked


def split_reply(text: str, limit: int = TEXT_LIMIT_BYTES) -> List[str]:
    """A reply as WeChat text messages: split at `limit` bytes, numbered, at most MAX_PARTS."""
    # Reserve room for the "（i/n）" marker before splitting.
    parts = split_text(text, limit - 16)
    if len(parts) > MAX_PARTS:
        note = "\n……（内容较长，请分开提问）"
        parts = parts[:MAX_PARTS]
        room = limit - 16 - len(note.encode("utf-8"))
        last = parts[-1]
        if len(last.encode("utf-8")) > room:
            last = last[:_best_cut(_prefix_within(last, room))].rstrip()
        parts[-1] = last + note
    return numbered_parts(parts, limit)


# --------------------------------------------------------------------------- dedup cache

T = TypeVar("T")


class TTLCache(Generic[T]):
    """Insertion-ordered map whose entries expire after `ttl` seconds; bounded in size."""

    def __init__(self, ttl: float, max_items: int = 10000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self._clock = clock
        self._items: "OrderedDict[str, Tuple[float, T]]" = OrderedDict()

    def _prune(self) -> None:
        now = self._clock()
        while self._items:
            key, (stamp, _) = next(iter(self._items.items()))
            if now - stamp < self.ttl and len(self._items) <= self.max_items:
                break
            self._items.popitem(last=False)

    def get(self, key: str) -> Optional[T]:
        self._prune()
        item = self._items.get(key)
        return item[1] if item else None

    def put(self, key: str, value: T) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock(), value)
        self._prune()

    def pop(self, key: str) -> Optional[T]:
        item = self._items.pop(key, None)
        return item[1] if item else None

    def __len__(self) -> int:
        self._prune()
        return len(self._items)
