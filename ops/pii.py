"""Finds and masks personal data in user text: 身份证号, phone numbers, bank card numbers.

jionlp finds ID cards and phone numbers (with checksum/area rules); project regexes add bank cards
(16-19 digits, optionally grouped by spaces or hyphens) and act as a safety net for IDs and mobiles.
Every pattern needs 11+ digits, so money amounts (3000元), durations (断了4个月), dates and hotline
numbers (12393) are never touched.
"""
from __future__ import annotations

import contextlib
import io
import logging
import re
from typing import Any, Iterable, List, Tuple

ID_CARD = "[身份证号]"
PHONE = "[电话号码]"
BANK_CARD = "[银行卡号]"

_NOT_DIGIT_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_DIGIT_AFTER = r"(?![0-9A-Za-z])"
# 16-19 digits, contiguous or in groups of 4 separated by one space/hyphen (6222 0212 3456 7890 123).
_BANK_RE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:\d{16,19}|\d{4}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?)" + _NOT_DIGIT_AFTER
)
# 18-digit ID (last may be X) or 15-digit old ID, starting with a province code 1-9.
_ID_RE = re.compile(_NOT_DIGIT_BEFORE + r"[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx]" + r"(?![0-9A-Za-z])")
_ID15_RE = re.compile(_NOT_DIGIT_BEFORE + r"[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}" + _NOT_DIGIT_AFTER)
# Mainland mobiles, optional +86 / 86, optional 3-4-4 grouping.
_MOBILE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}" + _NOT_DIGIT_AFTER
)
# Landlines with an area code: 0791-88886666, 010 12345678, (020)87654321.
_LANDLINE_RE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?[2-9]\d{6,7}(?:-\d{1,4})?" + _NOT_DIGIT_AFTER
)

_jio = None


def _jionlp():
    """jionlp, imported once and quietly (it prints a banner on import); None if unavailable."""
    global _jio
    if _jio is None:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                import jionlp  # noqa: WPS433 - heavy optional import
            _jio = jionlp
        except Exception:  # noqa: BLE001 - regexes still cover the formats
            _jio = False
    return _jio or None


def find_pii(text: str) -> List[Tuple[int, int, str]]:
    """Spans (start, end, replacement) of personal data in text, sorted and non-overlapping."""
    if not text or not any(ch.isdigit() for ch in text):
        return []
    spans: List[Tuple[int, int, str, int]] = []  # (start, end, label, priority)

    def add(start: int, end: int, label: str, priority: int) -> None:
        # Trim separators jionlp sometimes includes at the edges.
        while start < end and text[start] in " -\t":
            start += 1
        while end > start and text[end - 1] in " -\t":
            end -= 1
        if end > start:
            spans.append((start, end, label, priority))

    for match in _ID_RE.finditer(text):
        add(match.start(), match.end(), ID_CARD, 0)
    for match in _ID15_RE.finditer(text):
        add(match.start(), match.end(), ID_CARD, 1)
    for match in _BANK_RE.finditer(text):
        add(match.start(), match.end(), BANK_CARD, 2)
    for match in _MOBILE_RE.finditer(text):
        add(match.start(), match.end(), PHONE, 3)
    for match in _LANDLINE_RE.finditer(text):
        add(match.start(), match.end(), PHONE, 5)
    jio = _jionlp()
    if jio is not None:
        try:
            for item in jio.extract_id_card(text, detail=True):
                add(item["offset"][0], item["offset"][1], ID_CARD, 0)
            for item in jio.extract_phone_number(text, detail=True):
                priority = 3 if item.get("type") == "cell_phone" else 6
                add(item["offset"][0], item["offset"][1], PHONE, priority)
        except Exception:  # noqa: BLE001 - the regexes above still apply
            pass
    return _resolve(spans)


def _resolve(spans: Iterable[Tuple[int, int, str, int]]) -> List[Tuple[int, int, str]]:
    """Longest span wins; on equal length the lower priority number (more specific kind) wins."""
    chosen: List[Tuple[int, int, str]] = []
    for start, end, label, _ in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[3], s[0])):
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, label))
    return sorted(chosen)


def mask_text(text: str) -> str:
    """text with every 身份证号, phone number and bank card number replaced by a label."""
    if not isinstance(text, str):
        return text
    spans = find_pii(text)
    if not spans:
        return text
    out, last = [], 0
    for start, end, label in spans:
        out.append(text[last:start])
        out.append(label)
        last = end
    out.append(text[last:])
    return "".join(out)


def contains_pii(text: str) -> bool:
    return bool(find_pii(text))


def mask_obj(value: Any) -> Any:
    """A copy of a JSON-like value (dict/list/str) with every string masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_obj(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_obj(item) for item in value]
    return value


class MaskingLogFilter(logging.Filter):
    """Rewrites every log record so its rendered message carries no personal data."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging API
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - leave broken records to logging itself
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None and not getattr(record, "_pii_exc", False):
            # Tracebacks may quote user text; render them now, masked.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_text(formatted)
            record._pii_exc = True  # noqa: SLF001
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


_FILTER = MaskingLogFilter()


def install_log_filter() -> None:
    """Adds the masking filter to every handler of the root logger (idempotent).

    Handlers see records from all loggers (including structlog's JSON lines, which Rasa routes
    through stdlib logging), so filtering at the handlers covers the whole process.
    """
    root = logging.getLogger()
    for handler in root.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    if _FILTER not in root.filters:
        root.addFilter(_FILTER)
