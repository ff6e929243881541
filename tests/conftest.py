"""Shared fixtures: the real action server and Rasa server, started once per test session."""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

from tests.support.servers import ActionServer, RasaServer, current_model

# Answers depend on the 年度 in force; tests pin today's date so their figures do not move.
TEST_TODAY = "2026-11-23"
os.environ.setdefault("ASSISTANT_TODAY", TEST_TODAY)


@pytest.fixture(scope="session")
def model_path():
    return current_model()


@pytest.fixture(scope="session")
def action_server(tmp_path_factory):
    server = ActionServer(tmp_path_factory.mktemp("actions"), env={"ASSISTANT_TODAY": TEST_TODAY}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory, model_path, action_server):
    server = RasaServer(tmp_path_factory.mktemp("rasa"), model_path, action_url=action_server.url).start()
    yield server
    server.stop()


def post_json(url: str, payload, timeout: float = 60):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        return json.loads(resp.read().decode())


@pytest.fixture
def chat(rasa_server):
    """chat(sender, text) -> list of bot replies from the REST channel."""

    def send(sender: str, text: str):
        return post_json(f"{rasa_server.url}/webhooks/rest/webhook", {"sender": sender, "message": text})

    return send
