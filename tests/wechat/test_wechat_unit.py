"""Unit tests of the pure parts of the WeChat bridge (no Rasa server needed)."""
from __future__ import annotations

import asyncio

import pytest

from channels.wechat import WeChatInput, _settings
from channels.wechat_api import WeChatApiClient
from channels.wechat_core import (
    MAX_BODY_BYTES,
    IncomingMessage,
    TTLCache,
    WeChatRequestError,
    cdata_safe,
    parse_xml,
    render_replies,
    resolve_choice,
    signature_ok,
    split_reply,
    split_text,
)
from tests.wechat import wx

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>a</ToUserName><Content>&lol3;</Content></xml>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><Content>&e;</Content></xml>"""


def test_signature_matches_wechat_sha1_and_rejects_others():
    sig = wx.sha1_signature("tok", "1700000000", "42")
    assert signature_ok("tok", sig, "1700000000", "42")
    assert not signature_ok("tok", sig, "1700000001", "42")
    assert not signature_ok("other", sig, "1700000000", "42")
    assert not signature_ok("tok", None, "1700000000", "42")
    assert not signature_ok("tok", "", "1700000000", "42")
    enc_sig = wx.sha1_signature("tok", "1", "2", "CIPHER")
    assert signature_ok("tok", enc_sig, "1", "2", "CIPHER")
    assert not signature_ok("tok", enc_sig, "1", "2", "CIPHER2")


def test_parse_xml_reads_wechat_text_message():
    fields = parse_xml(wx.text_xml("oUser1", "断缴三个月能补吗？", msg_id="123").encode())
    assert fields["FromUserName"] == "oUser1"
    assert fields["Content"] == "断缴三个月能补吗？"
    msg = IncomingMessage.from_fields(fields)
    assert msg.msg_type == "text" and msg.msg_id == "123" and msg.dedup_key == "msg:oUser1:123"


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, b"<xml><a>", b"not xml", b"", b"<root><a>1</a></root>"])
def test_parse_xml_refuses_entities_and_garbage(body):
    with pytest.raises(WeChatRequestError) as info:
        parse_xml(body)
    assert info.value.status == 400


def test_parse_xml_refuses_oversize():
    with pytest.raises(WeChatRequestError) as info:
        parse_xml(b"<xml>" + b"a" * MAX_BODY_BYTES + b"</xml>")
    assert info.value.status == 413


@pytest.mark.parametrize("drop", ["ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId", "Content"])
def test_missing_fields_are_400(drop):
    fields = parse_xml(wx.text_xml("oUser1", "你好").encode())
    del fields[drop]
    with pytest.raises(WeChatRequestError) as info:
        IncomingMessage.from_fields(fields)
    assert info.value.status == 400 and drop in info.value.reason


def test_event_dedup_key_uses_sender_and_create_time():
    fields = parse_xml(wx.message_xml("oU", "event", {"Event": "subscribe"}, create_time=1700000000).encode())
    msg = IncomingMessage.from_fields(fields)
    assert msg.msg_id is None and msg.event == "subscribe"
    assert msg.dedup_key == "event:oU:1700000000:subscribe"


def test_buttons_become_numbered_list_across_messages():
    text, buttons = render_replies([
        {"text": "请问您在哪个城市参保？", "buttons": [
            {"title": "北京", "payload": '/inform{"city":"北京"}'},
            {"title": "南昌", "payload": '/inform{"city":"南昌"}'}]},
        {"text": "也可以直接输入。", "buttons": [{"title": "转人工", "payload": "/human_handoff"}]},
    ])
    assert text == ("请问您在哪个城市参保？\n回复 1 北京\n回复 2 南昌\n\n也可以直接输入。\n回复 3 转人工")
    assert [b["title"] for b in buttons] == ["北京", "南昌", "转人工"]
    assert resolve_choice("2", buttons) == '/inform{"city":"南昌"}'
    assert resolve_choice(" ３ ", buttons) == "/human_handoff"
    assert resolve_choice("回复1", buttons) == '/inform{"city":"北京"}'
    assert resolve_choice("北京", buttons) == '/inform{"city":"北京"}'
    assert resolve_choice("4", buttons) is None
    assert resolve_choice("0", buttons) is None
    assert resolve_choice("断缴3个月", buttons) is None
    assert resolve_choice("1", []) is None


def test_split_respects_byte_limit_and_prefers_sentence_ends():
    sentence = "灵活就业人员断缴后补缴，需要按当地缴费基数补足欠缴月份的费用。"
    text = "\n\n".join(sentence * 5 for _ in range(12))
    parts = split_text(text, 2048)
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert all(p.endswith("。") for p in parts)
    numbered = split_reply(text)
    assert all(len(p.encode("utf-8")) <= 2048 for p in numbered)
    assert numbered[0].endswith(f"（1/{len(numbered)}）")
    assert split_reply("短回答") == ["短回答"]
    assert split_text("") == []
    # no separators at all: hard cut, never inside a character
    hard = split_text("补" * 3000, 2048)
    assert "".join(hard) == "补" * 3000 and all(len(p.encode()) <= 2048 for p in hard)


def test_split_reply_caps_the_number_of_messages():
    parts = split_reply("很长的回答。" * 5000)
    assert len(parts) == 5 and "分开提问" in parts[-1]
    assert all(len(p.encode("utf-8")) <= 2048 for p in parts)


def test_cdata_safe():
    assert cdata_safe("a]]>b") == "a]]]]><![CDATA[>b"


def test_ttl_cache_expires_and_is_bounded():
    now = [0.0]
    cache = TTLCache(10, max_items=3, clock=lambda: now[0])
    cache.put("a", 1)
    now[0] = 5
    assert cache.get("a") == 1
    now[0] = 10.5
    assert cache.get("a") is None
    for key in "bcde":
        cache.put(key, key)
    assert len(cache) == 3 and cache.get("b") is None and cache.get("e") == "e"
    assert cache.pop("e") == "e" and cache.get("e") is None


def test_settings_env_overrides_credentials(monkeypatch):
    monkeypatch.setenv("WECHAT_REPLY_BUDGET", "0.25")
    monkeypatch.setenv("WECHAT_API_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    settings = _settings({"token": "t", "reply_budget_seconds": 4.5})
    assert settings["reply_budget_seconds"] == "0.25" and settings["token"] == "t"
    channel = WeChatInput.from_credentials({"token": "t", "appid": wx.APPID, "encoding_aes_key": wx.AES_KEY})
    assert channel.reply_budget_seconds == 0.25 and channel.api.base_url == "http://127.0.0.1:9"
    assert channel.crypto is not None
    assert WeChatInput.name() == "wechat"


def test_missing_token_disables_and_bad_aes_key_fails_at_startup(monkeypatch):
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    monkeypatch.delenv("WECHAT_AES_KEY", raising=False)
    disabled = WeChatInput.from_credentials(None)  # server still starts; webhook answers 503
    assert disabled.token == "" and disabled.crypto is None
    with pytest.raises(ValueError):
        WeChatInput.from_credentials({"token": "t", "appid": "wx1", "encoding_aes_key": "short"})


def test_customer_service_client_without_credentials_does_not_send():
    client = WeChatApiClient("", "", "http://127.0.0.1:9")
    assert asyncio.run(client.send_texts("oU", ["你好"])) is False


def test_reply_encryption_round_trips_and_is_not_repeatable():
    import random

    from wechatpy.crypto import WeChatCrypto

    channel = WeChatInput(wx.TOKEN, wx.APPID, "", wx.AES_KEY)
    outs = []
    for _ in range(2):
        random.seed(0)  # what seeded ML libraries do to the `random` module
        outs.append(wx.parse(channel.crypto.encrypt_message("<xml><Content>补缴</Content></xml>", "n1", "1")))
    assert outs[0]["Encrypt"][:24] != outs[1]["Encrypt"][:24]
    plain = WeChatCrypto(wx.TOKEN, wx.AES_KEY, wx.APPID).decrypt_message(
        {"Encrypt": outs[0]["Encrypt"]}, outs[0]["MsgSignature"], "1", "n1")
    assert plain == "<xml><Content>补缴</Content></xml>"
