"""Deletes conversations from the SQL tracker store: one on request, or all idle ones past the
retention period.

    .venv/bin/python -m ops.retention delete SENDER_ID [--endpoints endpoints.prod.yml]
    .venv/bin/python -m ops.retention purge --days 180 [--endpoints ...] [--dry-run]
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Iterable, List, Optional

import sqlalchemy as sa


def delete_conversation(engine: "sa.engine.Engine", sender_id: str) -> int:
    """Deletes every event of one conversation; returns the number of events removed."""
    with engine.begin() as connection:
        result = connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender_id})
        return result.rowcount or 0


def idle_conversations(engine: "sa.engine.Engine", days: float, now: Optional[float] = None) -> List[str]:
    cutoff = (now or time.time()) - days * 86400
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :c"), {"c": cutoff})
        return [row[0] for row in rows]


def purge(engine: "sa.engine.Engine", days: float, now: Optional[float] = None) -> int:
    """Deletes whole conversations whose last event is older than `days`; returns how many."""
    senders = idle_conversations(engine, days, now)
    for sender in senders:
        delete_conversation(engine, sender)
    return len(senders)


def main(argv: Optional[Iterable[str]] = None) -> int:
    from ops.masking_store import engine_from_endpoints

    parser = argparse.ArgumentParser(description="Delete conversations from the tracker store.")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--db-url")
    sub = parser.add_subparsers(dest="command", required=True)
    delete = sub.add_parser("delete", help="delete one conversation")
    delete.add_argument("sender_id", help="stored conversation id (rest:abc), or the channel's own id with --channel")
    delete.add_argument("--channel", choices=["rest", "web", "wechat"],
                        help="sender_id is this channel's id of the person (e.g. a WeChat OpenID); "
                             "the stored id is computed (namespaced, hashed if it looks like a phone number)")
    purge_parser = sub.add_parser("purge", help="delete conversations idle for longer than --days")
    purge_parser.add_argument("--days", type=float, default=180)
    purge_parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    engine = sa.create_engine(args.db_url) if args.db_url else engine_from_endpoints(args.endpoints)
    if args.command == "delete":
        conversation = args.sender_id
        if args.channel:
            from ops.ids import conversation_id

            conversation = conversation_id(args.channel, args.sender_id)
        print(f"deleted {delete_conversation(engine, conversation)} events of conversation {conversation}")
    elif args.dry_run:
        print(f"{len(idle_conversations(engine, args.days))} conversations idle for more than {args.days:g} days")
    else:
        print(f"deleted {purge(engine, args.days)} conversations idle for more than {args.days:g} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
