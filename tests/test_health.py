"""ops.health.readiness with real stores: a locked tracker database and a dead action server are
reported as down, by name (in-process; the production profile is tested in tests/scale)."""
from __future__ import annotations

import asyncio
import http.server
import sqlite3
import threading

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from ops.health import readiness
from ops.masking_store import MaskingSQLTrackerStore
from tests.support.servers import free_port


class Agent:
    def __init__(self, tracker_store, action_url=None):
        self.tracker_store = tracker_store
        self.lock_store = InMemoryLockStore()
        self.action_endpoint = EndpointConfig(action_url) if action_url else None

    def is_ready(self):
        return True


@pytest.fixture
def action_server():
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/webhook"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def store(tmp_path):
    return MaskingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))


def test_all_up_is_ready(store, action_server):
    ready, details = asyncio.run(readiness(Agent(store, action_server)))
    assert ready, details
    assert details["tracker_store"] == details["lock_store"] == details["action_server"] == "ok"
    # The probe's write was rolled back: nothing is left in the table.
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM events").scalar() == 0


def test_dead_action_server_is_named(store):
    ready, details = asyncio.run(readiness(Agent(store, f"http://127.0.0.1:{free_port()}/webhook")))
    assert not ready
    assert details["action_server"].startswith("error") and details["down"] == ["action_server"]
    assert details["tracker_store"] == "ok"


def test_locked_tracker_database_is_named(store, action_server):
    blocker = sqlite3.connect(store.engine.url.database, timeout=0.1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    try:
        ready, details = asyncio.run(readiness(Agent(store, action_server), timeout=1.0))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert not ready
    assert details["tracker_store"].startswith("error") and details["down"] == ["tracker_store"]
    assert asyncio.run(readiness(Agent(store, action_server)))[0]  # and ready again once released


def test_no_action_endpoint_is_not_an_outage(store):
    ready, details = asyncio.run(readiness(Agent(store)))
    assert ready and details["action_server"] == "not configured"
