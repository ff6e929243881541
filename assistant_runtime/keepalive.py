"""One kept-alive HTTP session per Rasa endpoint, instead of a new session per request.

Rasa 3.6 (`EndpointConfig.request`, used for every call to the action server) opens a new
`aiohttp.ClientSession` for each request, so each action call of a turn pays for a new session,
a new TCP connection to the action server, and its teardown, on both servers
(docs/performance.md). Here `EndpointConfig.session()` hands out the endpoint's own session for
the running event loop, made by Rasa's original `session()` (same headers, auth and timeout), and
leaving the `async with` block does not close it: the connection stays open and the next call
reuses it. Requests, responses and errors are Rasa's own code; only the session's lifetime
changes. A session is made again when the loop changes (a test's new loop) or the session was
closed, and the open sessions' connections are closed when the process exits.
"""
from __future__ import annotations

import asyncio
import atexit
import weakref
from typing import Any, Dict, Tuple

_rasa_session = None
# id(endpoint) -> (weak reference to the endpoint, its event loop, its session)
_sessions: Dict[int, Tuple[Any, Any, Any]] = {}


class _Kept:
    """`async with` over a session that outlives the block."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def session_for(endpoint: Any) -> Any:
    """The endpoint's session for the running loop, made by Rasa's `session()` when needed."""
    loop = asyncio.get_running_loop()
    kept = _sessions.get(id(endpoint))
    if kept is not None:
        ref, kept_loop, session = kept
        if ref() is endpoint and kept_loop is loop and not session.closed:
            return session
        _close_now(session)
    session = _rasa_session(endpoint)
    _sessions[id(endpoint)] = (weakref.ref(endpoint, lambda _, key=id(endpoint): _forget(key)),
                               loop, session)
    return session


def kept_session(self: Any) -> _Kept:
    return _Kept(session_for(self))


def _forget(key: int) -> None:
    kept = _sessions.pop(key, None)
    if kept is not None:
        _close_now(kept[2])


def _close_now(session: Any) -> None:
    """Close a session's connections without its event loop (which may be gone)."""
    connector = getattr(session, "connector", None)
    if connector is not None and not connector.closed:
        connector._close()


@atexit.register
def _close_all() -> None:
    for key in list(_sessions):
        _forget(key)


def install() -> None:
    global _rasa_session
    from rasa.utils.endpoints import EndpointConfig

    if _rasa_session is None:
        _rasa_session = EndpointConfig.session
        EndpointConfig.session = kept_session
