"""MaskingSQLTrackerStore (on SQLite), the failed-message export and conversation retention."""
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ops.failed_export import failed_messages, render
from ops.masking_store import MaskingSQLTrackerStore
from ops.pii import ID_CARD, PHONE
from ops.retention import delete_conversation, purge

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [inform, out_of_scope, ask_late_fee, nlu_fallback]
slots:
  city: {type: text, mappings: [{type: from_entity, entity: city}]}
  note: {type: text, mappings: [{type: custom}]}
""")


def user(text, intent, ranking=None, ts=None):
    ranking = ranking or [{"name": intent, "confidence": 0.9}]
    event = UserUttered(text, {"name": intent, "confidence": ranking[0]["confidence"]},
                        entities=[{"entity": "note", "value": text, "start": 0, "end": len(text)}],
                        parse_data={"text": text, "intent": {"name": intent, "confidence": ranking[0]["confidence"]},
                                    "intent_ranking": ranking, "entities": []},
                        timestamp=ts)
    return event


def conversation(sender, *events):
    start = ActionExecuted("action_listen", timestamp=getattr(events[0], "timestamp", None) if events else None)
    return DialogueStateTracker.from_events(sender, [start, *events], DOMAIN.slots)


@pytest.fixture
def store(tmp_path):
    return MaskingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))


def raw_rows(store):
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.text("SELECT * FROM events ORDER BY id"))]


def test_store_masks_personal_data_but_keeps_the_conversation(store):
    tracker = conversation(
        "s1",
        user("我身份证36010219900101123X，电话13812345678，断了3个月", "inform"),
        SlotSet("note", "13812345678"),
        BotUttered("没有找到「11010519900307005X」这个城市。可拨打 12393 咨询"),
    )
    asyncio.run(store.save(tracker))
    rows = raw_rows(store)
    dump = json.dumps(rows, ensure_ascii=False)
    assert "36010219900101123X" not in dump and "13812345678" not in dump and "11010519900307005X" not in dump
    assert [r["type_name"] for r in rows] == ["action", "user", "slot", "bot"]
    user_data = json.loads(rows[1]["data"])
    assert user_data["text"] == f"我身份证{ID_CARD}，电话{PHONE}，断了3个月"
    assert user_data["parse_data"]["text"] == user_data["text"]
    assert user_data["parse_data"]["intent"]["name"] == "inform"
    assert json.loads(rows[2]["data"])["value"] == PHONE
    # Bot replies are masked too (they may echo what the person typed); hotlines are kept.
    assert json.loads(rows[3]["data"])["text"] == f"没有找到「{ID_CARD}」这个城市。可拨打 12393 咨询"

    # Saving the next turn appends only the new events, masked, and retrieval round-trips.
    tracker.update(user("卡号6217001234567890123", "inform"))
    asyncio.run(store.save(tracker))
    restored = asyncio.run(store.retrieve("s1"))
    assert [e.type_name for e in restored.events] == ["action", "user", "slot", "bot", "user"]
    assert restored.latest_message.text == "卡号[银行卡号]"
    assert restored.get_slot("note") == PHONE
    assert len(raw_rows(store)) == 5


def test_export_ranks_failed_messages_most_frequent_first(store, tmp_path):
    now = time.time()
    for i in range(3):
        asyncio.run(store.save(conversation(
            f"a{i}", user("明天天气怎么样", "out_of_scope", ts=now - 100 + i),
            user("滞纳金多少", "ask_late_fee", ts=now - 50 + i))))
    asyncio.run(store.save(conversation(
        "b", user("我那个医保卡被吞了 13812345678", "nlu_fallback",
                  [{"name": "nlu_fallback", "confidence": 0.7}, {"name": "ask_personal_account", "confidence": 0.3}], ts=now),
        user("我那个医保卡被吞了  13812345678", "nlu_fallback",
             [{"name": "nlu_fallback", "confidence": 0.7}, {"name": "ask_personal_account", "confidence": 0.3}], ts=now + 1))))
    asyncio.run(store.save(conversation("c", user("公积金怎么取", "out_of_scope", ts=now))))
    rows = failed_messages(store.engine)
    assert [(r["text"], r["count"], r["conversations"]) for r in rows] == [
        ("明天天气怎么样", 3, 3),
        (f"我那个医保卡被吞了 {PHONE}", 2, 1),
        ("公积金怎么取", 1, 1),
    ]
    assert rows[1]["reasons"] == "nlu_fallback" and rows[1]["best_guess"] == "ask_personal_account"
    assert "滞纳金多少" not in render(rows, "csv")
    assert render(rows, "csv").splitlines()[1].startswith("3,3,明天天气怎么样,out_of_scope")

    # The command line wraps the same function.
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{store.engine.url.database}"\n')
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_failed.py"), "--endpoints", str(endpoints),
                          "--format", "json", "--limit", "2"], capture_output=True, text=True, check=True, cwd=ROOT)
    exported = json.loads(out.stdout)
    assert [r["text"] for r in exported] == ["明天天气怎么样", f"我那个医保卡被吞了 {PHONE}"]


def test_export_counts_core_fallbacks(store):
    asyncio.run(store.save(conversation(
        "d", user("那个东西弄好了吗", "inform"), ActionExecuted("action_default_fallback"))))
    rows = failed_messages(store.engine)
    assert [(r["text"], r["reasons"]) for r in rows] == [("那个东西弄好了吗", "core_fallback")]


def test_delete_one_conversation_and_purge_idle_ones(store):
    now = time.time()
    asyncio.run(store.save(conversation("old", user("断了3个月", "inform", ts=now - 200 * 86400))))
    asyncio.run(store.save(conversation("new", user("断了3个月", "inform", ts=now))))
    asyncio.run(store.save(conversation("gone", user("断了3个月", "inform", ts=now))))
    assert delete_conversation(store.engine, "gone") == 2
    assert asyncio.run(store.retrieve("gone")) is None
    assert purge(store.engine, days=180) == 1
    assert sorted({r["sender_id"] for r in raw_rows(store)}) == ["new"]


def test_lone_surrogates_and_nul_are_stored_replaced_not_fatal(store):
    """A lone surrogate cannot be encoded as UTF-8; Rasa's session scope turned the resulting
    ValueError into a process exit. The store replaces it (and NUL, which PostgreSQL refuses)."""
    tracker = conversation("x\ud800", user("\ud800abc\x00", "inform"), BotUttered("没有找到「\ud800」这个城市"))
    asyncio.run(store.save(tracker))
    rows = raw_rows(store)
    assert {r["sender_id"] for r in rows} == {"x\ufffd"}
    assert json.loads(rows[1]["data"])["text"] == "\ufffdabc "
    assert json.loads(rows[2]["data"])["text"] == "没有找到「\ufffd」这个城市"
    restored = asyncio.run(store.retrieve("x\ud800"))
    assert restored is not None and restored.latest_message.text == "\ufffdabc "


def test_a_data_error_in_a_session_is_an_exception_not_an_exit(store):
    from ops.masking_store import StoredDataError

    with pytest.raises(StoredDataError):
        with store.session_scope():
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")


def test_only_the_events_not_stored_yet_are_masked_and_written(store, monkeypatch):
    """A save masks the new events only (the stored ones were masked when saved): a turn costs
    the same however long the conversation is, and what is stored is unchanged."""
    import ops.masking_store as masking_store

    masked = []

    def counting(events):
        masked.append(len(events))
        return mask_event_dicts(events)

    mask_event_dicts = masking_store.mask_event_dicts
    monkeypatch.setattr(masking_store, "mask_event_dicts", counting)
    tracker = conversation("long", user("电话13812345678", "inform"), BotUttered("好的"))
    asyncio.run(store.save(tracker))
    for i in range(5):
        tracker = asyncio.run(store.retrieve("long"))
        tracker.update(user(f"第{i}次，身份证36010219900101123X", "inform"))
        tracker.update(BotUttered(f"收到「36010219900101123X」{i}"))
        asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # nothing new: nothing masked, nothing written
    assert masked == [3, 2, 2, 2, 2, 2, 0]
    rows = raw_rows(store)
    assert len(rows) == 13 and "36010219900101123X" not in json.dumps(rows, ensure_ascii=False)
    assert [r["intent_name"] for r in rows if r["type_name"] == "user"] == ["inform"] * 6
    restored = asyncio.run(store.retrieve("long"))
    assert restored.latest_message.text == f"第4次，身份证{ID_CARD}"
    assert [e.type_name for e in restored.events] == [r["type_name"] for r in rows]


def test_sqlite_store_uses_a_write_ahead_log_and_a_killed_writer_loses_no_commit(store, tmp_path):
    """The embedded store commits to SQLite's write-ahead log (no journal rewrite and file sync per
    turn); a process killed with SIGKILL right after a save loses nothing."""
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    db = tmp_path / "killed.db"
    code = f"""
import asyncio, os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.scale.test_store_and_export import DOMAIN, conversation, user
from ops.masking_store import MaskingSQLTrackerStore
store = MaskingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db={str(db)!r})
asyncio.run(store.save(conversation("k", user("断了3个月", "inform"), user("电话13812345678", "inform"))))
os.kill(os.getpid(), signal.SIGKILL)
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == -9, result.stderr[-2000:]
    reopened = MaskingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    restored = asyncio.run(reopened.retrieve("k"))
    assert [e.type_name for e in restored.events] == ["action", "user", "user"]
    assert restored.latest_message.text == f"电话{PHONE}"


def test_reads_return_what_rasas_own_queries_return(store):
    """The prebuilt statements filter as Rasa's `_event_query`: the latest session, or all of them;
    the stored-event count that `save` starts from agrees with it."""
    from rasa.shared.core.events import SessionStarted

    first = conversation("s9", user("我在南昌", "inform", ts=100.0), BotUttered("好的", timestamp=101.0))
    asyncio.run(store.save(first))
    later = DialogueStateTracker.from_events("s9", [*first.events, ActionExecuted("action_session_start", timestamp=200.0),
                                                    SessionStarted(timestamp=200.0), user("滞纳金谁出", "ask_late_fee", ts=201.0)],
                                             DOMAIN.slots)
    asyncio.run(store.save(later))
    asyncio.run(store.save(conversation("other", user("北京", "inform", ts=150.0))))

    def rasa_reads(all_sessions):
        with store.session_scope() as session:
            query = store._event_query(session, "s9", fetch_events_from_all_sessions=all_sessions)
            return [json.loads(row.data) for row in query.all()], query.count()

    for all_sessions, reader in ((False, store.retrieve), (True, store.retrieve_full_tracker)):
        expected, count = rasa_reads(all_sessions)
        got = [e.as_dict() for e in asyncio.run(reader("s9")).events]
        assert [e["event"] for e in got] == [e["event"] for e in expected]
        assert [e.get("text") for e in got] == [e.get("text") for e in expected]
    assert len(asyncio.run(store.retrieve("s9")).events) == rasa_reads(False)[1] == 3
    assert len(asyncio.run(store.retrieve_full_tracker("s9")).events) == 6
    with store.session_scope() as session:
        assert session.execute(store._statements.latest_count, {"sender_id": "s9"}).scalar() == 3
    assert asyncio.run(store.retrieve("nobody")) is None
