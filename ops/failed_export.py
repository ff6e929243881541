"""Exports what the assistant failed to answer, most frequent first, to grow the training data.

A user message counts as failed when NLU classified it as `nlu_fallback` (FallbackClassifier) or
`out_of_scope`, or when the next action was `action_default_fallback`. Messages are grouped by
normalized text; each row has the count, how many conversations sent it, the reasons, NLU's best
real guess (for labelling) and when it was first/last seen. Texts are masked again on export.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

import sqlalchemy as sa

from ops.pii import mask_text

FAILED_INTENTS = ("nlu_fallback", "out_of_scope")
FALLBACK_ACTIONS = ("action_default_fallback",)
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _SPACES.sub(" ", (text or "").strip()).lower()


def _guess(parse_data: Dict[str, Any]) -> Optional[str]:
    for item in parse_data.get("intent_ranking") or []:
        name = item.get("name")
        if name and name not in FAILED_INTENTS:
            return name
    return None


def failed_messages(engine: "sa.engine.Engine", since: Optional[float] = None) -> List[Dict[str, Any]]:
    """Rows of failed user messages, most frequent first."""
    query = "SELECT id, sender_id, type_name, intent_name, action_name, timestamp, data FROM events " \
            "WHERE type_name IN ('user', 'action')"
    params: Dict[str, Any] = {}
    if since is not None:
        query += " AND timestamp >= :since"
        params["since"] = since
    query += " ORDER BY sender_id, id"
    groups: Dict[str, Dict[str, Any]] = {}
    pending: Dict[str, Any] = {}  # sender -> last user message row (for core fallback)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(query), params)
        for row in rows:
            sender, type_name = row.sender_id, row.type_name
            if type_name == "user":
                data = json.loads(row.data)
                pending[sender] = (row, data)
                if row.intent_name in FAILED_INTENTS:
                    _add(groups, row, data, row.intent_name)
            elif type_name == "action" and row.action_name != "action_listen":
                last = pending.pop(sender, None)
                if last is not None and row.action_name in FALLBACK_ACTIONS and last[0].intent_name not in FAILED_INTENTS:
                    _add(groups, last[0], last[1], "core_fallback")
    result = []
    for group in groups.values():
        result.append({
            "count": group["count"],
            "conversations": len(group["senders"]),
            "text": group["text"],
            "reasons": ",".join(sorted(group["reasons"])),
            "best_guess": group["guesses"].most_common(1)[0][0] if group["guesses"] else "",
            "first_seen": _iso(group["first"]),
            "last_seen": _iso(group["last"]),
        })
    result.sort(key=lambda r: (-r["count"], -r["conversations"], r["last_seen"] and -_ts(r["last_seen"]) or 0, r["text"]))
    return result


def _add(groups: Dict[str, Dict[str, Any]], row: Any, data: Dict[str, Any], reason: str) -> None:
    text = mask_text(data.get("text") or "")
    key = normalize(text)
    if not key:
        return
    group = groups.setdefault(key, {
        "count": 0, "senders": set(), "text": text.strip(), "reasons": set(), "guesses": Counter(),
        "first": row.timestamp, "last": row.timestamp,
    })
    group["count"] += 1
    group["senders"].add(row.sender_id)
    group["reasons"].add(reason)
    guess = _guess(data.get("parse_data") or {})
    if guess:
        group["guesses"][guess] += 1
    if row.timestamp is not None:
        group["first"] = min(group["first"] or row.timestamp, row.timestamp)
        group["last"] = max(group["last"] or row.timestamp, row.timestamp)


def _iso(ts: Optional[float]) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds") if ts else ""


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def render(rows: List[Dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        # Review file for labelling: grouped by NLU's best guess, commented so it cannot be trained
        # on by accident; move reviewed lines into data/nlu/*.yml under the right intent.
        by_guess: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_guess[row["best_guess"] or "unknown"].append(row)
        lines = ["# Failed messages for review (most frequent first). Nothing here is training data yet.",
                 "# Copy each line you label into data/nlu/ under the correct intent."]
        for guess, items in sorted(by_guess.items(), key=lambda kv: -sum(r["count"] for r in kv[1])):
            lines.append(f"# guess: {guess}")
            lines.extend(f"#   - {r['text']}    # x{r['count']} ({r['reasons']})" for r in items)
        return "\n".join(lines) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["count", "conversations", "text", "reasons", "best_guess", "first_seen", "last_seen"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: Optional[Iterable[str]] = None) -> int:
    from ops.masking_store import engine_from_endpoints

    parser = argparse.ArgumentParser(description="Export fallback and out_of_scope user messages, most frequent first.")
    parser.add_argument("--endpoints", default="endpoints.yml", help="endpoints file whose tracker_store is read (${ENV} expanded)")
    parser.add_argument("--db-url", help="SQLAlchemy URL instead of --endpoints, e.g. postgresql://rasa:pw@host/rasa")
    parser.add_argument("--format", choices=["csv", "json", "yaml"], default="csv")
    parser.add_argument("--since-days", type=float, help="only messages of the last N days")
    parser.add_argument("--limit", type=int, default=0, help="at most N rows (0 = all)")
    parser.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    engine = sa.create_engine(args.db_url) if args.db_url else engine_from_endpoints(args.endpoints)
    since = datetime.now(timezone.utc).timestamp() - args.since_days * 86400 if args.since_days else None
    rows = failed_messages(engine, since)
    if args.limit:
        rows = rows[: args.limit]
    text = render(rows, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"{len(rows)} failed messages written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
