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
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, Dict, Generator, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, ensure_schema_exists, validate_port
from rasa.shared.core.trackers import DialogueStateTracker

from ops.ids import clean_obj, clean_text
from ops.pii import install_log_filter, mask_obj

logger = logging.getLogger(__name__)


class StoredDataError(RuntimeError):
    """A value could not be written or read (raised instead of Rasa's process exit)."""


def mask_event_dicts(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    return [clean_obj(mask_obj(event)) for event in events]


def masked_tracker(tracker: DialogueStateTracker, slots) -> DialogueStateTracker:
    """A copy of tracker whose events carry no personal data and no unstorable characters."""
    events = [event.as_dict() for event in tracker.events]
    masked = mask_event_dicts(events)
    sender_id = clean_text(tracker.sender_id)
    if masked == events and sender_id == tracker.sender_id:
        return tracker
    return DialogueStateTracker.from_dict(sender_id, masked, slots, tracker._max_event_history)  # noqa: SLF001


class MaskingSQLTrackerStore(SQLTrackerStore):
    """`type: SQL` with personal data masked on save and self-healing connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        install_log_filter()
        super().__init__(*args, **kwargs)
        url = self.engine.url
        engine_kwargs = create_engine_kwargs(url)
        engine_kwargs["pool_pre_ping"] = True
        self.engine.dispose()
        self.engine = sa.create_engine(url, **engine_kwargs)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

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
        await super().save(masked_tracker(tracker, self.domain.slots))

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
