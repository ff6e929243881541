"""ops.lock_store.HeartbeatRedisLockStore against a real Redis: a dead server's ticket expires
within its short lifetime, a live long turn keeps its lock, a queue of turns is served in order."""
from __future__ import annotations

import asyncio
import time

import pytest

from ops.lock_store import HeartbeatRedisLockStore
from tests.scale.infra import RedisServer


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer().start()
    yield server
    server.cleanup()


def store(redis_server, lifetime=1.0):
    return HeartbeatRedisLockStore(host="127.0.0.1", port=redis_server.port, db=0, key_prefix="t",
                                   lock_lifetime=lifetime, poll_seconds=0.05)


def test_ticket_of_a_dead_server_expires_after_its_lifetime(redis_server):
    dead, live = store(redis_server), store(redis_server)
    dead.issue_ticket("rest:dead")  # a server killed with this turn in flight: no heartbeat, no cleanup

    async def retry():
        started = time.monotonic()
        async with live.lock("rest:dead"):
            return time.monotonic() - started

    waited = asyncio.run(retry())
    assert 0.5 < waited < 3.0
    assert live.get_lock("rest:dead") is None  # cleaned up after the turn


def test_a_live_turn_longer_than_the_lifetime_keeps_its_lock(redis_server):
    a, b = store(redis_server), store(redis_server)
    order = []

    async def turn(lock_store, name, seconds, delay=0.0):
        await asyncio.sleep(delay)
        async with lock_store.lock("rest:long"):
            order.append(f"{name}-start")
            await asyncio.sleep(seconds)
            order.append(f"{name}-end")

    async def run():
        await asyncio.gather(turn(a, "first", 3.0), turn(b, "second", 0.1, delay=0.2))

    asyncio.run(run())
    assert order == ["first-start", "first-end", "second-start", "second-end"]


def test_queued_turns_are_all_served_in_order(redis_server):
    stores = [store(redis_server, lifetime=0.8) for _ in range(3)]
    served = []

    async def turn(i):
        await asyncio.sleep(0.02 * i)
        async with stores[i % 3].lock("rest:queue"):
            served.append(i)
            await asyncio.sleep(0.3)

    async def run():
        await asyncio.gather(*(turn(i) for i in range(8)))

    asyncio.run(run())  # 8 x 0.3 s: the last waits ~2.4 s, far beyond the 0.8 s lifetime
    assert served == list(range(8))
