"""SQL tracker store that masks personal data before anything is written or published.

endpoints: `tracker_store: {type: ops.masking_store.MaskingSQLTrackerStore, dialect: ..., ...}`;
takes the same keys as Rasa's `type: SQL`. Every event except the bot's own replies is masked
(user text, parse_data text and entities, metadata, slot values) with ops.pii before it is saved
or streamed to an event broker, so the database and any broker only ever see masked text. The
engine pings pooled connections before use, so the store recovers by itself after PostgreSQL
restarts. Creating it also installs the log-masking filter in the Rasa server process.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, validate_port
from rasa.shared.core.trackers import DialogueStateTracker

from ops.pii import install_log_filter, mask_obj

logger = logging.getLogger(__name__)

# Events whose content is the assistant's own text (may quote hotlines); everything else is masked.
_UNMASKED_EVENTS = {"bot"}


def mask_event_dicts(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    return [event if event.get("event") in _UNMASKED_EVENTS else mask_obj(event) for event in events]


def masked_tracker(tracker: DialogueStateTracker, slots) -> DialogueStateTracker:
    """A copy of tracker whose events carry no personal data."""
    events = [event.as_dict() for event in tracker.events]
    masked = mask_event_dicts(events)
    if masked == events:
        return tracker
    return DialogueStateTracker.from_dict(tracker.sender_id, masked, slots, tracker._max_event_history)  # noqa: SLF001


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

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(masked_tracker(tracker, self.domain.slots))

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
