"""SQL tracker store that masks personal data before anything is written or published.

endpoints: `tracker_store: {type: ops.masking_store.MaskingSQLTrackerStore, dialect: ..., ...}`;
takes the same keys as Rasa's `type: SQL`. Every event, the bot's replies included (they may quote
what the person typed), is masked (user and bot text, parse_data text and entities, metadata, slot
values) with ops.pii before it is saved or streamed to an event broker, so the database and any
broker only ever see masked text. Lone surrogates and control characters are replaced
(ops.ids.clean_text) so that no text can make a write fail, and a data error inside a database
session is an ordinary exception: Rasa's own session scope turns every ValueError (a
UnicodeEncodeError is one) into "schema not found" and exits the process. The engine pings pooled
connections before use, so the store recovers by itself after PostgreSQL restarts. Creating it
also installs the log-masking filter in the Rasa server process.

A save masks and writes only the events that are not stored yet, so its cost does not grow with
the conversation. On SQLite (the embedded profile) connections stay open and commit to a
write-ahead log with synchronous=NORMAL (set in `_sqlite_write_ahead_log`, nowhere else).

Loading a tracker and counting the stored events use three SQL statements built once per store
(`_EventStatements`) with the same filter as Rasa's `SQLTrackerStore._event_query` (the events of
the latest conversation session, or all of them), selecting only the `data` column: Rasa builds a
new ORM query for each call and materialises a row object per event, six times the CPU of the
same SQL.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import logging
from typing import Any, Dict, Generator, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, ensure_schema_exists, validate_port
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.core.trackers import DialogueStateTracker

from ops.ids import clean_obj, clean_text
from ops.pii import install_log_filter, mask_obj

logger = logging.getLogger(__name__)


class StoredDataError(RuntimeError):
    """A value could not be written or read (raised instead of Rasa's process exit)."""


def mask_event_dicts(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    return [clean_obj(mask_obj(event)) for event in events]


def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection of the store: a commit appends to the write-ahead log instead of
    rewriting and syncing a rollback journal. A committed turn survives a killed process (the log
    is in the file system); only a power loss can drop the last commits, never corrupt the file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _EventStatements:
    """The store's reads, as Rasa's `_event_query` filters them, built once."""

    def __init__(self, table: sa.Table) -> None:
        from rasa.shared.core.events import SessionStarted

        sender = sa.bindparam("sender_id")
        session_start = (sa.select(sa.func.max(table.c.timestamp))
                         .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
                         .scalar_subquery())
        latest = (table.c.sender_id == sender, sa.or_(table.c.timestamp >= session_start, session_start.is_(None)))
        self.all_data = sa.select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id)
        self.latest_data = sa.select(table.c.data).where(*latest).order_by(table.c.id)
        self.latest_count = sa.select(sa.func.count()).select_from(table).where(*latest)


class MaskingSQLTrackerStore(SQLTrackerStore):
    """`type: SQL` with personal data masked on save and self-healing connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        install_log_filter()
        super().__init__(*args, **kwargs)
        url = self.engine.url
        engine_kwargs = create_engine_kwargs(url)
        engine_kwargs["pool_pre_ping"] = True
        sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        if sqlite_file:  # keep connections open (SQLAlchemy 1.4 opens and closes one per session)
            engine_kwargs.update(poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False})
        self.engine.dispose()
        self.engine = sa.create_engine(url, **engine_kwargs)
        if sqlite_file:
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._statements = _EventStatements(self.SQLEvent.__table__)

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Any, None, None]:
        """Rasa's session scope, except that a ValueError in the body does not exit the process."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as error:  # a missing PostgreSQL schema: Rasa's message and exit
                import rasa.shared.utils.cli

                rasa.shared.utils.cli.print_error_and_exit(
                    f"Requested PostgreSQL schema '{error}' was not found in the database.")
            try:
                yield session
            except ValueError as error:
                raise StoredDataError(f"{type(error).__name__} in the tracker store") from error
        finally:
            session.close()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `SQLTrackerStore.save`, with the events that are not stored yet masked first.

        As Rasa does, the events of the latest session already in the database are counted and
        only the tracker's events after them are written; only those are masked (the stored ones
        were masked when they were saved), so a turn costs the same however long the conversation.
        The same masked events go to the event broker, if one is configured.
        """
        sender_id = clean_text(tracker.sender_id)
        with self.session_scope() as session:
            stored = session.execute(self._statements.latest_count, {"sender_id": sender_id}).scalar()
            new = mask_event_dicts([event.as_dict() for event in itertools.islice(tracker.events, stored, None)])
            if new:  # one multi-row INSERT (the ORM would flush one statement per event)
                session.execute(self.SQLEvent.__table__.insert(), [{
                    "sender_id": sender_id, "type_name": data.get("event"), "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"), "data": json.dumps(data),
                } for data in new])
            session.commit()
        if self.event_broker is not None:
            for data in new:
                self.event_broker.publish({"sender_id": sender_id, **data})

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's `SQLTrackerStore._retrieve` through the prebuilt statements."""
        statement = self._statements.all_data if fetch_events_from_all_sessions else self._statements.latest_data
        with self.session_scope() as session:
            events = [json.loads(data) for data in session.execute(statement, {"sender_id": sender_id}).scalars()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await super().retrieve(clean_text(sender_id))

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await super().retrieve_full_tracker(clean_text(conversation_id))

    def ping(self) -> None:
        """Raises if the database cannot be reached (used by the health endpoint)."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))


def engine_from_endpoints(endpoints_file: Text, env_override: Optional[Dict[str, str]] = None) -> "sa.engine.Engine":
    """A SQLAlchemy engine for the tracker store of an endpoints file (${ENV} expanded)."""
    import os

    from rasa.utils.endpoints import read_endpoint_config

    if env_override:
        os.environ.update(env_override)
    config = read_endpoint_config(endpoints_file, "tracker_store")
    if config is None:
        raise ValueError(f"{endpoints_file} has no tracker_store section")
    kwargs = dict(config.kwargs)
    if not config.type or "sql" not in config.type.lower():
        raise ValueError(f"tracker store type {config.type!r} is not an SQL store")
    url = SQLTrackerStore.get_db_url(
        kwargs.get("dialect", "sqlite"), config.url, validate_port(kwargs.get("port")), kwargs.get("db", "rasa.db"),
        kwargs.get("username"), kwargs.get("password"), query=kwargs.get("query"),
    )
    return sa.create_engine(url)
