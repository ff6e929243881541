"""Conversation ids and text hygiene shared by every channel and the tracker store.

- Conversation ids are namespaced per channel (`rest:…`, `web:…`, `wechat:…`), so no client of
  one channel can name a conversation of another. An id that looks like a phone or ID number
  (or holds any run of 11+ digits) is stored as a salted hash, `rest:h-<hex>`, stable per
  deployment.
- Text from clients may hold lone UTF-16 surrogates (`"\\ud800"` is valid JSON) or control
  characters; neither can be stored (UTF-8 cannot encode a lone surrogate, PostgreSQL refuses NUL).
  `clean_text` replaces lone surrogates with U+FFFD and control characters with a space.
- The deployment secret (salt of the hashed ids, key of the web chat's signed session ids) comes
  from ASSISTANT_SECRET, else from the file ASSISTANT_SECRET_FILE (default var/assistant_secret,
  created with mode 600 on first use). Several servers of one deployment must share it.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
SECRET_ENV = "ASSISTANT_SECRET"
SECRET_FILE_ENV = "ASSISTANT_SECRET_FILE"
DEFAULT_SECRET_FILE = ROOT / "var" / "assistant_secret"

CHANNELS = ("rest", "web", "wechat")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONG_DIGITS = re.compile(r"\d{11,}")
HASH_PREFIX = "h-"

_secret: Optional[bytes] = None


def deployment_secret() -> bytes:
    """The per-deployment secret (env, else a generated file); read once per process."""
    global _secret
    if _secret is not None:
        return _secret
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        _secret = value.encode("utf-8")
        return _secret
    path = Path(os.environ.get(SECRET_FILE_ENV) or DEFAULT_SECRET_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    _secret = path.read_text().strip().encode("utf-8")
    return _secret


def reset_secret_cache() -> None:
    """For tests: read the secret again on next use."""
    global _secret
    _secret = None


def has_lone_surrogate(text: str) -> bool:
    return isinstance(text, str) and _SURROGATE.search(text) is not None


def has_control(text: str) -> bool:
    return isinstance(text, str) and _CONTROL.search(text) is not None


def clean_text(text: Any) -> Any:
    """text with lone surrogates -> U+FFFD and control characters (not tab/newline) -> space."""
    if not isinstance(text, str):
        return text
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    return text


def clean_obj(value: Any) -> Any:
    """A copy of a JSON-like value with every string (keys included) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(key): clean_obj(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_obj(item) for item in value]
    return value


def looks_personal(raw: str) -> bool:
    """True for ids that are (or contain) a phone, ID or card number, or 11+ digits in a row."""
    from ops.pii import find_pii

    return bool(_LONG_DIGITS.search(raw)) or bool(find_pii(raw))


def hashed(raw: str) -> str:
    digest = hmac.new(deployment_secret(), raw.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest[:24]


def conversation_id(channel: str, raw: str) -> str:
    """The stored conversation id for a channel's own id of a person (namespaced, maybe hashed)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    raw = clean_text(str(raw))
    local = hashed(raw) if looks_personal(raw) else raw
    return f"{channel}:{local}"


def sign(value: str) -> str:
    """value.<signature>: a token only this deployment can have issued."""
    mac = hmac.new(deployment_secret(), b"web-session:" + value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]
    return f"{value}.{mac}"


def verify(token: Any) -> Optional[str]:
    """The value of a token made by sign(), or None when it is not one."""
    if not isinstance(token, str) or not token.isascii() or token.count(".") != 1 or len(token) > 200:
        return None
    value, _ = token.split(".")
    if not value or not hmac.compare_digest(sign(value), token):
        return None
    return value
