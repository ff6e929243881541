"""channels/webchat.py: origin allow-list, page serving, session rooms, server-side length limit."""
from __future__ import annotations

import re
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


CJK = re.compile(r"[\u4e00-\u9fff]")


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


# --- hardening (issue 14): server-issued ids, no foreign conversations, rate limit, bad input -------

class Session:
    """A socket.io client with the session the server issued it."""

    def __init__(self, server_url: str, session_id=None):
        self.client = socketio.Client(reconnection=False)
        self.replies, self.cond, self.tokens = [], threading.Condition(), []
        confirmed = threading.Event()

        @self.client.on("session_confirm")
        def _confirm(data):
            self.tokens.append(data)
            confirmed.set()

        @self.client.on("bot_uttered")
        def _bot(data):
            with self.cond:
                self.replies.append(data)
                self.cond.notify_all()

        self.client.connect(server_url, transports=["polling"], wait_timeout=20)
        self.client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(20)
        self.token = self.tokens[-1]

    def say(self, message, session_id=None, quiet: float = 1.5, timeout: float = 60):
        with self.cond:
            start = len(self.replies)
        self.client.emit("user_uttered", {"message": message, "session_id": session_id or self.token})
        import time

        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.replies) == start and time.monotonic() < deadline:
                self.cond.wait(1)
            last = len(self.replies)
            while time.monotonic() < deadline:
                self.cond.wait(quiet)
                if len(self.replies) == last:
                    break
                last = len(self.replies)
            return self.replies[start:]

    def close(self):
        self.client.disconnect()


def user_texts(server, conversation):
    import json

    with urllib.request.urlopen(server.tracker_url(conversation), timeout=30) as resp:
        tracker = json.loads(resp.read().decode())
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def test_server_issues_the_session_id_and_a_reload_resumes_it(web_server):
    from channels.webchat import conversation_for

    first = Session(web_server.url, "abcdef0123456789abcdef0123456789")  # an id the server never issued
    try:
        assert first.token != "abcdef0123456789abcdef0123456789" and "." in first.token
        assert first.say("补缴要带什么材料")
    finally:
        first.close()
    conversation = conversation_for(first.token)
    assert conversation.startswith("web:")
    assert user_texts(web_server, conversation) == ["补缴要带什么材料"]
    assert user_texts(web_server, "abcdef0123456789abcdef0123456789") == []
    # Reload: the page sends the issued id back and continues the same conversation.
    again = Session(web_server.url, first.token)
    try:
        assert again.token == first.token
        again.say("谢谢")
    finally:
        again.close()
    assert user_texts(web_server, conversation) == ["补缴要带什么材料", "谢谢"]


def test_a_client_cannot_write_into_another_conversation(web_server):
    from channels.webchat import conversation_for

    victim = Session(web_server.url)
    attacker = Session(web_server.url)
    try:
        victim.say("我在南昌")
        value, signature = victim.token.split(".")
        # Another person's id (without the signature, with a forged one), a REST id, raw ids.
        for forged in [value, f"{value}.{'0' * len(signature)}", f"rest:{value}", "default"]:
            probe = Session(web_server.url, forged)
            try:
                assert probe.token != victim.token
            finally:
                probe.close()
        attacker.say("我在北京", session_id=victim.token)  # a session_id in the message is ignored
    finally:
        victim.close()
        attacker.close()
    assert user_texts(web_server, conversation_for(victim.token)) == ["我在南昌"]
    assert user_texts(web_server, conversation_for(attacker.token)) == ["我在北京"]


def test_lone_surrogates_through_socketio(web_server):
    bad = Session(web_server.url, "x\ud800")
    try:
        assert bad.token and "\ud800" not in bad.token
        replies = bad.say("\ud800abc")
        assert replies and any(CJK.search(r.get("text", "")) for r in replies)
        replies = bad.say('/inform{"city": "\ud800"}')
        assert replies and any(CJK.search(r.get("text", "")) for r in replies)
    finally:
        bad.close()
    assert web_server.proc.poll() is None
    check = Session(web_server.url)
    try:
        assert any("身份证" in r.get("text", "") for r in check.say("补缴要带什么材料"))
    finally:
        check.close()


def test_flood_over_socketio_gets_a_chinese_notice_not_a_crash(web_server):
    from channels.webchat import TOO_FAST_TEXT

    flood = Session(web_server.url)
    try:
        import time

        for i in range(40):  # 20 a second, as in the issue; the limit is 2 a second, bursts of 6
            flood.client.emit("user_uttered", {"message": f"你好{i}"})
            time.sleep(0.05)
        time.sleep(8)
        notices = [r for r in flood.replies if r.get("error") == "rate_limited"]
        assert notices and notices[0]["text"] == TOO_FAST_TEXT
        assert len(notices) >= 20  # only the burst plus a few refills reached the assistant
    finally:
        flood.close()
    assert web_server.proc.poll() is None
    calm = Session(web_server.url)  # another person is not affected
    try:
        assert any("身份证" in r.get("text", "") for r in calm.say("补缴要带什么材料"))
    finally:
        calm.close()


def test_id_numbers_typed_into_the_chat_are_never_stored(web_server):
    import json

    from channels.webchat import conversation_for

    person = Session(web_server.url)
    try:
        replies = person.say("11010519900307005X")
        assert replies and all("11010519900307005X" not in r.get("text", "") for r in replies)
    finally:
        person.close()
    with urllib.request.urlopen(web_server.tracker_url(conversation_for(person.token)), timeout=30) as resp:
        dump = json.dumps(json.loads(resp.read().decode()), ensure_ascii=False)
    assert "11010519900307005X" not in dump and "[身份证号]" in dump
