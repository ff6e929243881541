"""Fuzzing the real Rasa and action servers through REST and socket.io with generated bad input.

A fixed seed generates a few hundred inputs: random Unicode (lone surrogates, control characters,
private-use, zero-width and right-to-left marks, emoji), huge and odd numbers, payload intents with
bad entities, malformed, empty, huge and deeply nested JSON, bad senders and session ids. Every
request must get a clear 4xx with a Chinese message or a 200 with a Chinese reply; never a 5xx.
Afterwards the server still runs and answers a normal question. No timing is asserted.
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any, List, Tuple

import pytest

SEED = 20261201
CJK = re.compile(r"[\u4e00-\u9fff]")

RANGES = [
    (0x00, 0x1F), (0x7F, 0x9F),          # C0 / C1 control characters
    (0xD800, 0xDFFF),                    # lone surrogates (valid as JSON escapes)
    (0x4E00, 0x9FFF), (0x3000, 0x303F),  # CJK and CJK punctuation
    (0x0300, 0x036F),                    # combining marks
    (0x200B, 0x200F), (0x202A, 0x202E),  # zero-width and bidirectional controls
    (0xE000, 0xF8FF), (0xFFF0, 0xFFFF),  # private use, specials, non-characters
    (0x1F300, 0x1FAFF),                  # emoji
    (0x20, 0x7E), (0xFF01, 0xFF5E),      # ASCII and full-width forms
]

PAYLOADS = [
    '/inform{"city": "\ud800"}',
    '/inform{"city": "\udfff\ud800abc"}',
    '/inform{"lapse_months": 1e999}',
    '/inform{"lapse_months": -1e308}',
    '/inform{"lapse_months": NaN}',
    '/inform{"lapse_months": 99999999999999999999999999999}',
    '/inform{"lapse_months": "三个半月"}',
    '/inform{"lapse_months": [1, 2]}',
    '/inform{"lapse_months": {"a": 1}}',
    '/inform{"lapse_months": null}',
    '/inform{"arrears_amount": 1e20}',
    '/inform{"arrears_amount": -0.0}',
    '/inform{"city": ["北京", "南昌"]}',
    '/inform{"city": 12345}',
    '/inform{"insurance_type": "martian"}',
    '/inform{"lapse_reason": true}',
    '/inform{"no_such_entity": "x"}',
    '/inform{"city": "北京"',
    '/inform{city: 北京}',
    '/inform[]',
    '/inform{"city": "' + "北" * 1500 + '"}',
    '/ask_backpay_amount{"lapse_months": 1e308, "city": "\u0000"}',
    '/no_such_intent',
    '/no_such_intent{"a": 1}',
    '/inform@2.5',
    '/greet@nan',
    '/session_start',
    '/restart',
    '/action_listen',
    '/',
    '//',
    '/nlu_fallback',
]

NUMBERS = [
    "欠费1e20元", "欠费1.5e4元", "断了1e999个月", "断了-3个月", "断了0个月", "断了3.5个月",
    "欠缴" + "9" * 400 + "天", "工资" + "1" * 1000 + "元", "断了NaN个月", "断了∞个月", "欠费-0元",
    "断了 0x1F 个月", "断了 1_000 个月", "断了 ⅻ 个月", "断了 ٣ 个月", "欠费 ¥1,000,000,000,000.999 元",
]

BAD_BODIES: List[bytes] = [
    b"", b" ", b"{", b"}", b"null", b"true", b"0", b"-1e999", b"NaN", b"[]", b"\"hi\"", b"[{}]",
    b"\xff\xfe\x00h\x00i", b"\xc3\x28", b"{\"sender\": \"x\", \"message\": \"\xed\xa0\x80\"}",
    b"{\"sender\": NaN, \"message\": \"hi\"}", b"{\"sender\": 1e999, \"message\": \"hi\"}",
    b"{\"sender\": 123456789012345678901234567890, \"message\": \"hi\"}",
    b"{\"sender\": {\"a\": 1}, \"message\": \"hi\"}", b"{\"sender\": [\"a\"], \"message\": \"hi\"}",
    b"{\"sender\": \"\", \"message\": \"hi\"}", b"{\"sender\": \"   \", \"message\": \"hi\"}",
    b"{\"sender\": \"x\\ud800\", \"message\": \"hi\"}", b"{\"sender\": \"a\\u0000b\", \"message\": \"hi\"}",
    b"{\"message\": \"hi\"}", b"{\"sender\": null, \"message\": \"hi\"}",
    b"{\"sender\": \"fz\", \"message\": 12}", b"{\"sender\": \"fz\", \"message\": null}",
    b"{\"sender\": \"fz\", \"message\": [\"hi\"]}", b"{\"sender\": \"fz\", \"message\": \"\\u0000\\u0001\"}",
    b"{\"sender\": \"fz\", \"message\": \"hi\", \"metadata\": \"\\ud800\"}",
    b"{\"sender\": \"fz\", \"message\": \"hi\", \"metadata\": {\"\\ud800\": [\"\\udfff\"]}}",
    b"{\"sender\": \"fz\", \"message\": \"hi\", \"input_channel\": \"wechat\"}",
    b"[" * 50000 + b"]" * 50000,
    b"{\"a\":" * 20000 + b"1" + b"}" * 20000,
    json.dumps({"sender": "big", "message": "补" * 100000}).encode(),
    b"{\"sender\": \"fz\", \"message\": \"" + b"a" * 70000 + b"\"}",
    b"{\"sender\": \"fz\", \"sender\": \"fz2\", \"message\": \"hi\"}",
]


def random_text(rng: random.Random, length: int) -> str:
    chars = []
    for _ in range(length):
        low, high = rng.choice(RANGES)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def message_inputs(rng: random.Random) -> List[str]:
    """Texts for the `message` field (and socket.io messages)."""
    texts = list(PAYLOADS) + list(NUMBERS)
    texts += ["x\ud800", "\ud800abc", "\ud800", "断缴\udfff了能补吗", "\x00", "\x1b[31m红色\x1b[0m", "\u202e缴补断"]
    for _ in range(70):
        texts.append(random_text(rng, rng.choice([1, 2, 5, 20, 200, 600])))
    for _ in range(20):  # payload intents with random entity values
        value = rng.choice([random_text(rng, rng.randint(1, 30)), rng.uniform(-1e300, 1e300), rng.randint(-10**30, 10**30)])
        entity = rng.choice(["city", "lapse_months", "insurance_type", "lapse_reason", "arrears_amount", "x"])
        texts.append("/inform" + json.dumps({entity: value}, ensure_ascii=rng.random() < 0.5))
    return texts


def post(url: str, body: bytes, timeout: float = 120) -> Tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        raw = error.read().decode("utf-8", "replace")
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw


def chinese(body: Any) -> bool:
    if isinstance(body, list):
        return any(isinstance(r, dict) and CJK.search(str(r.get("text", ""))) for r in body)
    return bool(CJK.search(str(body)))


def assert_alive(rasa_server) -> None:
    assert rasa_server.proc.poll() is None, "the Rasa server exited"
    status, health = _get(f"{rasa_server.url}/webhooks/rest/health")
    assert status == 200, health
    status, replies = post(f"{rasa_server.url}/webhooks/rest/webhook",
                           json.dumps({"sender": f"alive-{time.time_ns()}", "message": "补缴要带什么材料"}).encode())
    assert status == 200 and "身份证" in " ".join(r.get("text", "") for r in replies)


def _get(url: str) -> Tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, json.loads(resp.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_rest_fuzz(rasa_server):
    rng = random.Random(SEED)
    url = f"{rasa_server.url}/webhooks/rest/webhook"
    cases: List[bytes] = list(BAD_BODIES)
    for i, text in enumerate(message_inputs(rng)):
        sender = f"fuzz-{i}" if rng.random() < 0.9 else random_text(rng, rng.randint(1, 40))
        cases.append(json.dumps({"sender": sender, "message": text}, ensure_ascii=rng.random() < 0.7).encode("utf-8", "surrogatepass"))
    assert len(cases) >= 160
    failures = []
    for body in cases:
        status, reply = post(url, body)
        ok = (status == 200 and chinese(reply)) or (400 <= status < 500 and chinese(reply))
        if not ok:
            failures.append((status, body[:120], str(reply)[:200]))
    assert not failures, failures[:10]
    assert_alive(rasa_server)


def test_socketio_fuzz(rasa_server):
    import socketio

    rng = random.Random(SEED + 1)
    texts = message_inputs(rng)[:60]
    session_ids: List[Any] = [None, "x\ud800", "rest:fuzz-1", "web:abc", "a" * 10000, 12, ["a"], {"a": 1},
                              "0123456789abcdef0123456789abcdef.0000", "", "\x00"]
    odd_messages: List[Any] = ["just a string", 42, None, ["list"], {"message": 5}, {"message": None},
                               {"message": "你好", "metadata": "\ud800{"}, {"message": "你好", "metadata": [1]},
                               {"message": "你好", "session_id": "rest:victim"}]
    sent, failures = 0, []

    def session(index: int):
        client = socketio.Client(reconnection=False)
        events, cond = [], threading.Condition()

        @client.on("bot_uttered")
        def _bot(data):
            with cond:
                events.append(data)
                cond.notify_all()

        confirmed = threading.Event()
        client.on("session_confirm", lambda data: confirmed.set())
        client.connect(rasa_server.url, transports=["polling"], wait_timeout=30)
        client.emit("session_request", {"session_id": session_ids[index % len(session_ids)]})
        assert confirmed.wait(30), "no session_confirm"
        return client, events, cond

    def exchange(client, events, cond, data) -> List[Any]:
        with cond:
            start = len(events)
        client.emit("user_uttered", data)
        deadline = time.monotonic() + 90
        with cond:
            while len(events) == start and time.monotonic() < deadline:
                cond.wait(1)
            # Parts of one answer follow each other closely; wait until the channel is quiet.
            last = len(events)
            while time.monotonic() < deadline:
                cond.wait(0.7)
                if len(events) == last:
                    break
                last = len(events)
            return events[start:]

    inputs: List[Any] = [{"message": t, "session_id": rng.choice(session_ids)} for t in texts] + odd_messages
    per_session = 4  # below the burst, so most inputs reach the assistant
    for offset in range(0, len(inputs), per_session):
        client, events, cond = session(offset // per_session)
        try:
            for data in inputs[offset:offset + per_session]:
                replies = exchange(client, events, cond, data)
                sent += 1
                if not any(isinstance(r, dict) and CJK.search(str(r.get("text", ""))) for r in replies):
                    failures.append((repr(data)[:120], replies[:2]))
        finally:
            client.disconnect()
    assert sent >= 65
    assert not failures, failures[:10]
    assert_alive(rasa_server)
