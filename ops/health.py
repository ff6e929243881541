"""Health checks for the Rasa server (tracker store, lock store, model) and a probe CLI.

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
from typing import Any, Dict, Tuple


async def _check(fn, timeout: float) -> str:
    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, fn), timeout)
        return "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return f"error: {type(error).__name__}"


def _tracker_ping(store: Any):
    inner = getattr(store, "_tracker_store", store)  # Awaitable/FailSafe wrappers
    if hasattr(inner, "ping"):
        return inner.ping
    if hasattr(inner, "session_scope"):
        import sqlalchemy as sa

        def ping() -> None:
            with inner.session_scope() as session:
                session.execute(sa.text("SELECT 1"))
        return ping
    if hasattr(inner, "red"):
        return inner.red.ping
    return lambda: None  # in-memory


def _lock_ping(store: Any):
    if hasattr(store, "red"):
        return store.red.ping
    return lambda: None  # in-memory lock store


async def readiness(agent: Any, timeout: float = 3.0) -> Tuple[bool, Dict[str, Any]]:
    """(ready, details) for a Rasa Agent: model loaded, tracker store and lock store reachable."""
    details: Dict[str, Any] = {"model": "ok" if agent is not None and agent.is_ready() else "not loaded"}
    if agent is None:
        return False, details
    details["tracker_store"] = await _check(_tracker_ping(agent.tracker_store), timeout)
    details["tracker_store_type"] = type(getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)).__name__
    details["lock_store"] = await _check(_lock_ping(agent.lock_store), timeout)
    details["lock_store_type"] = type(agent.lock_store).__name__
    ready = all(details[key] == "ok" for key in ("model", "tracker_store", "lock_store"))
    return ready, details


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
