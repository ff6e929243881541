"""Health checks for the Rasa server (model, tracker store, lock store, action server) and a probe CLI.

The guarded REST channel serves `GET /webhooks/rest/health` with `readiness(agent)`; the action
server has rasa_sdk's own `GET /health`. `python -m ops.health URL [URL...]` exits 0 when every URL
answers 200 (for Docker/Kubernetes probes and scripts).
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request
from typing import Any, Dict, Optional, Tuple


async def _check(fn, timeout: float) -> str:
    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, fn), timeout)
        return "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return f"error: {type(error).__name__}"


PROBE_SENDER = "health:probe"


def _tracker_ping(store: Any):
    """A real read and write on the tracker store: for SQL stores a read of the events table and
    an insert that is rolled back (a read-only or locked database fails it)."""
    inner = getattr(store, "_tracker_store", store)  # Awaitable/FailSafe wrappers
    if hasattr(inner, "session_scope") and hasattr(inner, "SQLEvent"):
        def read_write() -> None:
            with inner.sessionmaker() as session:
                try:
                    session.query(inner.SQLEvent.id).filter(inner.SQLEvent.sender_id == PROBE_SENDER).limit(1).all()
                    session.add(inner.SQLEvent(sender_id=PROBE_SENDER, type_name="health", timestamp=time.time(),
                                               intent_name=None, action_name=None, data="{}"))
                    session.flush()
                finally:
                    session.rollback()
        return read_write
    if hasattr(inner, "red"):
        def redis_read_write() -> None:
            key = f"{PROBE_SENDER}:{time.time()}"
            inner.red.set(key, "1", ex=10)
            inner.red.get(key)
            inner.red.delete(key)
        return redis_read_write
    if hasattr(inner, "ping"):
        return inner.ping
    return lambda: None  # in-memory


def _lock_ping(store: Any):
    """A real write on the lock store (Redis: set, read back and delete a short-lived key)."""
    if hasattr(store, "red"):
        def read_write() -> None:
            key = f"{getattr(store, 'key_prefix', '')}{PROBE_SENDER}:{time.time()}"
            store.red.set(key, "1", ex=10)
            if store.red.get(key) is None:
                raise RuntimeError("lock store lost a key")
            store.red.delete(key)
        return read_write
    return lambda: None  # in-memory lock store


def _action_health_url(agent: Any) -> Optional[str]:
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return None
    base = url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + "/health"


def _action_ping(url: str, timeout: float):
    def get() -> None:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
    return get


async def readiness(agent: Any, timeout: float = 3.0) -> Tuple[bool, Dict[str, Any]]:
    """(ready, details) for a Rasa Agent: model loaded, tracker store, lock store and action server.

    Each dependency is exercised for real (a write that is undone, an HTTP request), and the
    details say which one failed.
    """
    details: Dict[str, Any] = {"model": "ok" if agent is not None and agent.is_ready() else "not loaded"}
    if agent is None:
        return False, details
    action_url = _action_health_url(agent)
    checks = [
        _check(_tracker_ping(agent.tracker_store), timeout),
        _check(_lock_ping(agent.lock_store), timeout),
        _check(_action_ping(action_url, timeout), timeout) if action_url else _none(),
    ]
    tracker, lock, action = await asyncio.gather(*checks)
    details["tracker_store"] = tracker
    details["tracker_store_type"] = type(getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)).__name__
    details["lock_store"] = lock
    details["lock_store_type"] = type(agent.lock_store).__name__
    details["action_server"] = action
    keys = ("model", "tracker_store", "lock_store", "action_server")
    down = [key for key in keys if details[key] not in ("ok", "not configured")]
    if down:
        details["down"] = down
    return not down, details


async def _none() -> str:
    return "not configured"


def probe(url: str, timeout: float = 5.0) -> Tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200, resp.read().decode(errors="replace")[:300]
    except Exception as error:  # noqa: BLE001
        body = ""
        if hasattr(error, "read"):
            body = error.read().decode(errors="replace")[:300]
        return False, f"{error} {body}".strip()


def main(argv=None) -> int:
    urls = list(argv if argv is not None else sys.argv[1:])
    if not urls:
        print("usage: python -m ops.health URL [URL ...]", file=sys.stderr)
        return 2
    ok_all = True
    for url in urls:
        started = time.monotonic()
        ok, body = probe(url)
        ok_all &= ok
        print(json.dumps({"url": url, "ok": ok, "ms": round(1000 * (time.monotonic() - started)), "body": body}, ensure_ascii=False))
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
