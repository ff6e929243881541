"""The WeChat channel inside a running Rasa server, driven exactly as the WeChat platform does.

Two Rasa servers share one action server and one fake WeChat API (localhost):
- `fast`: passive replies (reply budget from the credentials file, generous for a loaded CI box);
- `slow`: WECHAT_REPLY_BUDGET=0.01 in its environment, so every bot answer misses the budget
  and goes out through the customer-service message API.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from channels.wechat_core import TEXT_ONLY_ZH, VOICE_UNRECOGNIZED_ZH, render_replies
from tests.conftest import post_json
from tests.support.servers import RasaServer
from tests.wechat import wx
from tests.wechat.fake_api import FakeWeChatApi

CJK = re.compile(r"[\u4e00-\u9fff]")
QUESTION = "南昌灵活就业断缴三个月，补缴要多少钱？"


@pytest.fixture(scope="module")
def fake_api():
    api = FakeWeChatApi(wx.APPID, wx.APPSECRET).start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_path, action_server, fake_api):
    workdir = tmp_path_factory.mktemp("wechat")
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        "rest:\n"
        "channels.wechat.WeChatInput:\n"
        f"  token: \"{wx.TOKEN}\"\n"
        f"  appid: \"{wx.APPID}\"\n"
        f"  appsecret: \"{wx.APPSECRET}\"\n"
        f"  encoding_aes_key: \"{wx.AES_KEY}\"\n"
        "  reply_budget_seconds: 60\n"
        f"  api_base_url: \"{fake_api.url}\"\n"
        "  dedup_ttl_seconds: 300\n"
    )
    blank = {k: "" for k in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_APPSECRET", "WECHAT_AES_KEY",
                             "WECHAT_API_BASE_URL", "WECHAT_DEDUP_TTL")}
    fast = RasaServer(workdir / "fast", model_path, action_url=action_server.url, credentials=credentials,
                      env={**blank, "WECHAT_REPLY_BUDGET": ""})
    slow = RasaServer(workdir / "slow", model_path, action_url=action_server.url, credentials=credentials,
                      env={**blank, "WECHAT_REPLY_BUDGET": "0.01"})
    errors = []

    def start(server):
        try:
            server.start(timeout=400)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in (fast, slow)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        fast.stop()
        slow.stop()
        raise errors[0]
    yield {"fast": fast, "slow": slow}
    fast.stop()
    slow.stop()


@pytest.fixture(scope="module")
def fast(servers):
    return servers["fast"]


@pytest.fixture(scope="module")
def sim(fast):
    return wx.WeChatSim(f"{fast.url}/webhooks/wechat/webhook")


@pytest.fixture(scope="module")
def slow_sim(servers):
    return wx.WeChatSim(f"{servers['slow'].url}/webhooks/wechat/webhook")


def openid(tag: str) -> str:
    return f"o{tag}_{time.time_ns()}"


def user_events(server, sender):
    url = server.tracker_url(server.conversation("wechat", sender))
    with urllib.request.urlopen(url, timeout=30) as resp:
        tracker = json.loads(resp.read().decode())
    return [e for e in tracker.get("events", []) if e.get("event") == "user"], tracker


def rest_answer(server, text):
    """What the same question gets on the REST channel (fresh sender), rendered for WeChat."""
    replies = post_json(f"{server.url}/webhooks/rest/webhook", {"sender": openid("rest"), "message": text})
    rendered, _ = render_replies(replies)
    return rendered


# ---------------------------------------------------------------------- verification


def test_server_verification_good_and_bad(sim):
    assert sim.verify("echo_8213749") == (200, "echo_8213749")
    status, _ = sim.verify("echo_8213749", bad_signature=True)
    assert status == 403
    with urllib.request.urlopen(sim.url[: -len("webhook")], timeout=10) as resp:
        assert resp.status == 200
    try:
        urllib.request.urlopen(sim.url + "?echostr=abc", timeout=10)
        raise AssertionError("unsigned verification accepted")
    except urllib.error.HTTPError as err:
        assert err.code == 403


# ---------------------------------------------------------------------- text round trips


@pytest.mark.parametrize("mode", ["plain", "aes", "compat"])
def test_text_round_trip_gives_the_chinese_answer(sim, fast, mode, tmp_path_factory):
    user = openid(f"RoundTrip{mode}")
    reply = sim.text(user, QUESTION, mode=mode)
    assert reply.status == 200, reply.body
    if mode == "plain":
        assert "<Encrypt>" not in reply.body
    else:
        assert "<Encrypt>" in reply.body and QUESTION not in reply.body and "_encrypted" in reply.fields
    assert reply.fields["ToUserName"] == user
    assert reply.fields["FromUserName"] == wx.ACCOUNT
    assert reply.fields["MsgType"] == "text"
    assert CJK.search(reply.content)
    assert reply.content == rest_answer(fast, QUESTION)
    events, _ = user_events(fast, user)
    assert [e["text"] for e in events] == [QUESTION]
    assert events[0]["input_channel"] == "wechat"
    if mode == "aes":
        capture = Path(os.environ.get("WECHAT_CAPTURE_DIR") or tmp_path_factory.mktemp("capture"))
        (capture / "safe_mode_exchange.txt").write_text(
            reply.raw_request + "\n\n--- decrypted request ---\n" + reply.plain_request
            + "\n\n--- response ---\n" + reply.raw_response + "\n\n--- decrypted ---\n"
            + json.dumps(reply.fields, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def test_bad_signatures_are_403_and_never_reach_the_tracker(sim, fast):
    user = openid("Forged")
    assert sim.send(wx.text_xml(user, QUESTION), "plain", bad_signature=True).status == 403
    assert sim.send(wx.text_xml(user, QUESTION), "aes", bad_signature=True).status == 403
    assert sim.send(wx.text_xml(user, QUESTION), "aes", bad_msg_signature=True).status == 403
    # a body encrypted for another account (other AES key) does not decrypt to a message
    other = wx.WeChatSim(sim.url, aes_key="Z" * 43)
    assert other.send(wx.text_xml(user, QUESTION), "aes").status in (400, 403)
    events, _ = user_events(fast, user)
    assert events == []


# ---------------------------------------------------------------------- multi-turn and buttons


def test_multi_turn_with_numbered_buttons(sim, fast):
    user = openid("MultiTurn")
    welcome = sim.send(wx.message_xml(user, "event", {"Event": "subscribe", "EventKey": ""}))
    assert welcome.status == 200
    assert "医保断缴补缴助手" in welcome.content
    assert "回复 1 断缴了还能补吗" in welcome.content and "回复 2 补缴要多少钱" in welcome.content

    ask_city = sim.text(user, "2")  # picks 补缴要多少钱
    assert "城市" in ask_city.content and re.search(r"回复 \d 南昌", ask_city.content), ask_city.content
    number = re.search(r"回复 (\d) 南昌", ask_city.content).group(1)

    ask_next = sim.text(user, number)
    assert ask_next.status == 200 and CJK.search(ask_next.content)
    assert "城市" not in ask_next.content

    events, tracker = user_events(fast, user)
    intents = [e["parse_data"]["intent"]["name"] for e in events]
    assert intents == ["greet", "ask_backpay_amount", "inform"]
    assert tracker["slots"]["city"] == "南昌"
    # a number with no buttons on offer is plain text for the bot
    if "回复 1" not in ask_next.content:
        sim.text(user, "1")
        events, _ = user_events(fast, user)
        assert events[-1]["text"] == "1"


# ---------------------------------------------------------------------- retries


def test_retries_are_processed_once(sim, fast):
    user = openid("Retry")
    msg = wx.text_xml(user, "断缴了还能补吗", msg_id=wx.new_msg_id())
    first = sim.send(msg)
    again = sim.send(msg)
    assert first.status == again.status == 200
    assert first.content and again.content == first.content
    events, _ = user_events(fast, user)
    assert len(events) == 1

    # retries arriving while the first is still being answered
    msg2 = wx.text_xml(user, "滞纳金怎么算", msg_id=wx.new_msg_id())
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: sim.send(msg2, "aes"), range(3)))
    assert all(r.status == 200 for r in replies)
    assert len({r.content for r in replies}) == 1 and replies[0].content
    events, _ = user_events(fast, user)
    assert [e["text"] for e in events] == ["断缴了还能补吗", "滞纳金怎么算"]


def test_same_msgid_from_another_openid_is_its_own_message(sim, fast):
    """Retry cache keyed by (FromUserName, MsgId): a reused MsgId is not another person's retry."""
    first, second = openid("MsgIdA"), openid("MsgIdB")
    msg_id = wx.new_msg_id()
    a = sim.send(wx.text_xml(first, QUESTION, msg_id=msg_id))
    b = sim.send(wx.text_xml(second, "补缴要带什么材料", msg_id=msg_id))
    assert a.status == b.status == 200
    assert b.content and b.content != a.content and "身份证" in b.content
    assert b.fields["ToUserName"] == second
    assert [e["text"] for e in user_events(fast, first)[0]] == [QUESTION]
    assert [e["text"] for e in user_events(fast, second)[0]] == ["补缴要带什么材料"]


def test_old_or_future_signed_timestamps_are_refused(sim, fast):
    """A captured signature cannot be replayed: its timestamp must be within 5 minutes of now."""
    user = openid("Replay")
    for when in (1500000000, int(time.time()) - 301, int(time.time()) + 301):  # 2017, 5 min ago, ahead
        assert sim.send(wx.text_xml(user, QUESTION), "plain", timestamp=when).status == 403
        assert sim.send(wx.text_xml(user, QUESTION), "aes", timestamp=when).status == 403
    assert sim.verify("echo-old", timestamp=1500000000)[0] == 403
    assert user_events(fast, user)[0] == []
    # Within the window it is accepted.
    assert sim.send(wx.text_xml(user, "你好"), "plain", timestamp=int(time.time()) - 60).status == 200
    assert [e["text"] for e in user_events(fast, user)[0]] == ["你好"]


def test_id_number_typed_into_wechat_is_never_stored(sim, fast):
    """The text is masked at the channel edge, so neither the user event nor an echo in a bot
    reply (「没有找到「…」这个城市」) stores the number."""
    user = openid("Pii")
    reply = sim.send(wx.text_xml(user, "11010519900307005X"))
    assert reply.status == 200 and CJK.search(reply.content)
    assert "11010519900307005X" not in reply.content
    events, tracker = user_events(fast, user)
    dump = json.dumps(tracker, ensure_ascii=False)
    assert "11010519900307005X" not in dump and "[身份证号]" in dump


# ---------------------------------------------------------------------- other message types


@pytest.mark.parametrize("msg_type,fields", [
    ("image", {"PicUrl": "http://mmbiz.qpic.cn/x.jpg", "MediaId": "m1"}),
    ("location", {"Location_X": "28.68", "Location_Y": "115.85", "Scale": "15", "Label": "南昌"}),
    ("link", {"Title": "医保", "Description": "d", "Url": "https://example.com"}),
    ("video", {"MediaId": "m2", "ThumbMediaId": "t2"}),
])
def test_non_text_messages_get_a_polite_text_only_answer(sim, fast, msg_type, fields):
    user = openid(msg_type)
    reply = sim.send(wx.message_xml(user, msg_type, fields))
    assert reply.status == 200 and reply.content == TEXT_ONLY_ZH
    assert user_events(fast, user)[0] == []


def test_voice_with_recognition_is_handled_as_text(sim, fast):
    user = openid("Voice")
    reply = sim.send(wx.message_xml(user, "voice", {"MediaId": "v1", "Format": "amr", "Recognition": QUESTION}))
    assert reply.status == 200 and reply.content == rest_answer(fast, QUESTION)
    silent = sim.send(wx.message_xml(user, "voice", {"MediaId": "v2", "Format": "amr", "Recognition": ""}))
    assert silent.content == VOICE_UNRECOGNIZED_ZH
    assert [e["text"] for e in user_events(fast, user)[0]] == [QUESTION]


def test_unsubscribe_gets_no_reply(sim, fast):
    user = openid("Unsub")
    reply = sim.send(wx.message_xml(user, "event", {"Event": "unsubscribe"}), "aes")
    assert reply.status == 200 and reply.body in ("", "success") and reply.fields == {}
    assert user_events(fast, user)[0] == []


# ---------------------------------------------------------------------- hardened input


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
<xml><ToUserName>gh_x</ToUserName><FromUserName>{user}</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&f;</Content><MsgId>1</MsgId></xml>"""


def test_hardened_input(sim, fast):
    user = openid("Hostile")
    for body in (BILLION_LAUGHS.format(user=user),):
        for mode in ("plain", "aes"):
            envelope, encrypt = sim.envelope(body, mode) if mode == "aes" else (body, None)
            status, text, _ = sim.post_raw(envelope.encode(), sim.query(mode, encrypt))
            assert status == 400 and "Traceback" not in text
    # oversize: 413 when signed; a forged signature is refused first
    big = wx.text_xml(user, "补" * 30000).encode()
    assert len(big) > 64 * 1024
    status, _, _ = sim.post_raw(big, sim.query("plain"))
    assert status == 413
    status, _, _ = sim.post_raw(big, sim.query("plain", bad_signature=True))
    assert status == 403
    # missing fields and garbage
    no_sender = re.sub(r"<FromUserName>.*?</FromUserName>", "", wx.text_xml(user, "你好"))
    no_msgid = re.sub(r"<MsgId>.*?</MsgId>", "", wx.text_xml(user, "你好"))
    for body in (no_sender, no_msgid, "<xml></xml>", "<xml><a>", "hello"):
        status, text, _ = sim.post_raw(body.encode(), sim.query("plain"))
        assert status == 400 and "Traceback" not in text, (body, status, text)
    status, _, _ = sim.post_raw(b"<xml><ToUserName>a</ToUserName></xml>", sim.query("aes", ""))
    assert status == 400  # AES mode without <Encrypt>
    assert user_events(fast, user)[0] == []
    # the channel still answers afterwards
    assert sim.text(openid("After"), "断缴了还能补吗").content


# ---------------------------------------------------------------------- the 5-second rule


def test_slow_bot_answers_through_customer_service_api(slow_sim, servers, fake_api):
    slow = servers["slow"]
    user, second_user, third_user = openid("Slow"), openid("SlowB"), openid("SlowC")
    first_msg = wx.text_xml(user, QUESTION, msg_id=wx.new_msg_id())
    reply = slow_sim.send(first_msg)
    assert reply.status == 200 and reply.body == "success" and reply.elapsed < 3
    sent = fake_api.wait_for(lambda: fake_api.sends_to(user))
    time.sleep(1)  # a long answer would arrive as several messages
    sent = fake_api.sends_to(user)
    assert sent[0]["payload"]["msgtype"] == "text"
    expected = rest_answer(slow, QUESTION)
    if len(sent) == 1:
        assert sent[0]["payload"]["text"]["content"] == expected
    else:
        assert sent[0]["payload"]["text"]["content"].endswith(f"（1/{len(sent)}）")
    assert fake_api.token_fetches == 1
    total = len(sent)

    # token cached: another answer reuses it
    assert slow_sim.text(second_user, QUESTION, mode="aes").body == "success"
    fake_api.wait_for(lambda: fake_api.sends_to(second_user))
    assert fake_api.token_fetches == 1

    # expired token: errcode 40001 -> one refresh -> resent
    fake_api.expire_tokens()
    assert slow_sim.text(third_user, QUESTION).body == "success"
    fake_api.wait_for(lambda: fake_api.sends_to(third_user))
    attempts = fake_api.sends_to(third_user, accepted_only=False)
    assert [a["errcode"] for a in attempts[:2]] == [40001, 0]
    assert attempts[0]["payload"] == attempts[1]["payload"]
    assert attempts[1]["token"] == "ACCESS_TOKEN_2"
    assert fake_api.token_fetches == 2

    # a retry of an answered message is not processed or sent again
    assert slow_sim.send(first_msg).body == "success"
    time.sleep(2)
    assert len(fake_api.sends_to(user)) == total
    assert len(user_events(slow, user)[0]) == 1


def test_retry_gets_the_ready_answer_passively_when_customer_service_fails(slow_sim, servers, fake_api):
    slow = servers["slow"]
    user = openid("Unverified")  # the fake API answers 48001 (unverified account) for this user
    msg = wx.text_xml(user, QUESTION, msg_id=wx.new_msg_id())
    assert slow_sim.send(msg).body == "success"
    fake_api.wait_for(lambda: fake_api.sends_to(user, accepted_only=False))
    time.sleep(1)  # let the channel see the failure
    retry = slow_sim.send(msg, "aes")
    assert retry.status == 200 and retry.content == rest_answer(slow, QUESTION)
    assert len(user_events(slow, user)[0]) == 1
