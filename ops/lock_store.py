"""Redis lock store whose locks die with their server within seconds, not a minute.

endpoints.prod.yml:

    lock_store:
      type: ops.lock_store.HeartbeatRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_DB}
      password: ${REDIS_PASSWORD}
      key_prefix: "yibao"
      lock_lifetime: 5        # seconds a ticket lives without a heartbeat
      poll_seconds: 0.25      # how often a waiting turn looks at the lock

Rasa's ticket lock gives every turn a ticket that lives TICKET_LOCK_LIFETIME (60 s) from the
moment it is issued. When a server is killed (kill -9, OOM) in the middle of a turn, its ticket
stays in Redis until it expires, and the person's retry on another server waits behind it; a
long queue also outlives its own tickets. Here a ticket lives `lock_lifetime` seconds but is
renewed every `lock_lifetime / 4` seconds by the live server that holds or waits for it, so a
turn may take as long as it needs while a dead server's tickets are gone after `lock_lifetime`.

Every change of a lock is an atomic read-modify-write (WATCH/MULTI), so two servers issuing,
renewing and removing tickets of one conversation never overwrite each other's tickets; a waiting
turn whose ticket vanished anyway (e.g. the lock was deleted) takes a new one.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_LIFETIME = 5.0
DEFAULT_POLL = 0.25


class HeartbeatRedisLockStore(RedisLockStore):
    """RedisLockStore with short-lived, heartbeat-renewed tickets and atomic lock updates."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        settings = dict(endpoint_config.kwargs) if endpoint_config is not None else {}
        settings.update(kwargs)
        host = settings.pop("host", None) or (endpoint_config.url if endpoint_config is not None else None) or "localhost"
        self.lock_lifetime = float(settings.pop("lock_lifetime", DEFAULT_LIFETIME))
        self.poll_seconds = float(settings.pop("poll_seconds", DEFAULT_POLL))
        self.max_wait_seconds = float(settings.pop("max_wait_seconds", 3600))
        settings.pop("type", None)
        super().__init__(host=host, **settings)

    # ------------------------------------------------------------------ atomic updates

    def _update(self, conversation_id: Text, change: Callable[[TicketLock], Any], create: bool = False) -> Any:
        """Applies change(lock) atomically; returns its result (None when there is no lock)."""
        import redis

        key = self.key_prefix + conversation_id
        while True:
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw:
                        lock = TicketLock.from_dict(json.loads(raw))
                    elif create:
                        lock = self.create_lock(conversation_id)
                    else:
                        pipe.unwatch()
                        return None
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = DEFAULT_LIFETIME) -> int:
        return self._update(conversation_id, lambda lock: lock.issue_ticket(self.lock_lifetime), create=True)

    def _renew(self, conversation_id: Text, ticket: int) -> bool:
        """Extends ticket's life; False if the ticket is no longer in the lock."""

        def change(lock: TicketLock) -> bool:
            lock.remove_expired_tickets()
            for index, item in enumerate(lock.tickets):
                if item.number == ticket:
                    lock.tickets[index] = Ticket(ticket, time.time() + self.lock_lifetime)
                    return True
            return False

        return bool(self._update(conversation_id, change))

    def update_lock(self, conversation_id: Text) -> None:
        self._update(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._update(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving deletes the key when the last ticket is gone (atomically).
        self.finish_serving(conversation_id, ticket_number)

    # ------------------------------------------------------------------ locking

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = DEFAULT_LIFETIME,
        wait_time_in_seconds: float = DEFAULT_POLL,
    ) -> AsyncGenerator[TicketLock, None]:
        state = {"ticket": self.issue_ticket(conversation_id)}
        heartbeat = asyncio.ensure_future(self._heartbeat(conversation_id, state))
        try:
            yield await self._wait_for_turn(conversation_id, state)
        finally:
            heartbeat.cancel()
            self.cleanup(conversation_id, state["ticket"])

    async def _heartbeat(self, conversation_id: Text, state: dict) -> None:
        interval = max(0.2, self.lock_lifetime / 4)
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.get_running_loop().run_in_executor(None, self._renew, conversation_id, state["ticket"])
            except Exception as error:  # noqa: BLE001 - Redis hiccup: the next beat tries again
                logger.warning("lock heartbeat failed for a conversation: %s", type(error).__name__)

    async def _wait_for_turn(self, conversation_id: Text, state: dict) -> TicketLock:
        deadline = time.monotonic() + self.max_wait_seconds
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or lock._ticket_for_ticket_number(state["ticket"]) is None:  # noqa: SLF001
                # Our ticket is gone (expired in a Redis outage, or the lock was removed): queue again.
                state["ticket"] = self.issue_ticket(conversation_id)
                lock = self.get_lock(conversation_id)
            if lock is not None and not lock.is_locked(state["ticket"]):
                return lock
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(self.poll_seconds)
            self.update_lock(conversation_id)
