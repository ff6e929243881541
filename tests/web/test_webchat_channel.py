"""channels/webchat.py: origin allow-list, page serving, session rooms, server-side length limit."""
from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
import socketio

from channels.webchat import (
    MAX_MESSAGE_CHARS,
    OriginPolicy,
    WebChatPage,
    WebChatSocketIO,
    configured_origins,
    parse_origins,
)


def get(url: str, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- unit ---------------------------------------------------------------------------------------

def test_parse_origins_accepts_lists_and_strings():
    assert parse_origins(None) == []
    assert parse_origins(["https://a.cn/", " https://b.cn "]) == ["https://a.cn", "https://b.cn"]
    assert parse_origins("https://a.cn, https://b.cn  http://c.cn:8080") == [
        "https://a.cn", "https://b.cn", "http://c.cn:8080"]


def test_env_overrides_credentials(monkeypatch):
    monkeypatch.delenv("WEBCHAT_CORS_ORIGINS", raising=False)
    assert configured_origins({"cors_allowed_origins": ["https://a.cn"]}) == ["https://a.cn"]
    assert configured_origins({}) == []  # default: same origin only, never "*"
    monkeypatch.setenv("WEBCHAT_CORS_ORIGINS", "https://env.cn")
    assert configured_origins({"cors_allowed_origins": ["https://a.cn"]}) == ["https://env.cn"]
    channel = WebChatSocketIO.from_credentials({"session_persistence": True})
    assert channel.cors_allowed_origins == ["https://env.cn"] and channel.session_persistence


def test_origin_policy():
    environ = {"HTTP_HOST": "127.0.0.1:5005", "wsgi.url_scheme": "http"}
    policy = OriginPolicy(["https://www.example.gov.cn"])
    assert policy("http://127.0.0.1:5005", environ)  # the page served by the server itself
    assert policy("https://www.example.gov.cn", environ)
    assert not policy("https://evil.example", environ)
    assert not policy("http://127.0.0.1:5006", environ)
    assert policy(None, environ)  # no Origin header: not a browser cross-site request
    assert OriginPolicy(["*"])("https://anything.example", environ)


def test_page_csp_frame_ancestors(tmp_path):
    assert "frame-ancestors 'self'" in WebChatPage(tmp_path, []).content_security_policy()
    csp = WebChatPage(tmp_path, ["https://a.cn"]).content_security_policy()
    assert "frame-ancestors 'self' https://a.cn" in csp and "script-src 'self'" in csp


# --- against the running server --------------------------------------------------------------------

def test_page_and_widget_served(web_server):
    status, headers, body = get(f"{web_server.url}/webhooks/chat/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "医保断缴补缴助手" in body.decode()
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    status, headers, body = get(f"{web_server.url}/webhooks/chat/widget.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert b"data-server" in body
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{web_server.url}/webhooks/chat", timeout=10)
    assert redirect.value.code == 301 and redirect.value.headers["Location"].endswith("/webhooks/chat/")


@pytest.mark.parametrize("path", [
    "/webhooks/chat/%2e%2e/%2e%2e/credentials.yml",
    "/webhooks/chat/..%2f..%2fcredentials.yml",
    "/webhooks/chat/assets/",
    "/webhooks/chat/nothing.js",
])
def test_no_files_outside_dist(web_server, path):
    status, _, body = get(web_server.url + path)
    assert status == 404
    assert b"socketio" not in body


def test_socketio_origin_allow_list(web_server, host_page):
    handshake = f"{web_server.url}/socket.io/?EIO=4&transport=polling"
    status, headers, _ = get(handshake, {"Origin": host_page.origin})
    assert status == 200 and headers.get("Access-Control-Allow-Origin") == host_page.origin
    assert get(handshake, {"Origin": web_server.url})[0] == 200
    status, headers, _ = get(handshake, {"Origin": "https://evil.example"})
    assert status == 400 and "Access-Control-Allow-Origin" not in headers


def _client_session(server_url: str, session_id: str):
    """A socket.io client (long-polling) that joined session_id; returns (client, replies, event)."""
    client = socketio.Client(reconnection=False)
    replies, got = [], threading.Event()
    confirmed = threading.Event()

    @client.on("session_confirm")
    def _confirm(data):
        confirmed.set()

    @client.on("bot_uttered")
    def _bot(data):
        replies.append(data)
        got.set()

    client.connect(server_url, transports=["polling"], wait_timeout=20)
    client.emit("session_request", {"session_id": session_id})
    assert confirmed.wait(20)
    return client, replies, got


def test_session_room_receives_replies_and_long_messages_are_refused(web_server):
    client, replies, got = _client_session(web_server.url, "abcdef0123456789abcdef0123456789")
    try:
        client.emit("user_uttered", {"message": "/greet", "session_id": "abcdef0123456789abcdef0123456789"})
        assert got.wait(60), "no reply in the session's room"
        assert any(r.get("quick_replies") for r in replies)
        replies.clear()
        got.clear()
        client.emit("user_uttered", {"message": "补" * (MAX_MESSAGE_CHARS + 1),
                                     "session_id": "abcdef0123456789abcdef0123456789"})
        assert got.wait(30)
        assert "过长" in replies[0]["text"]
    finally:
        client.disconnect()
