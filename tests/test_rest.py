"""The assistant through the real Rasa server (REST channel) and action server."""
from __future__ import annotations

import json
import uuid

from tests.conftest import post_json


def new_sender() -> str:
    return "rest-" + uuid.uuid4().hex[:12]


def joined(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_example_question_gets_a_computed_answer(chat):
    replies = chat(new_sender(), "医保断缴了三个月还能补吗")
    text = joined(replies)
    # The question itself lacks the city and scheme: the assistant asks for them.
    assert "城市" in text or "哪种医保" in text


def test_full_case_in_one_message(chat):
    sender = new_sender()
    # City, scheme and months are in the question; only the reason is asked.
    text = joined(chat(sender, "我在南昌灵活就业，医保断了四个月，还能补吗？"))
    assert "单位的原因还是个人的原因" in text
    text = joined(chat(sender, "自己没交"))
    assert "4个月" in text and "超过3个月" in text
    assert "依据" in text and "12393" in text


def test_model_parse_returns_contract_entities(rasa_server):
    parsed = post_json(rasa_server.api("/model/parse"), {"text": "我在南昌灵活就业，医保断了四个月，还能补吗？"})
    assert parsed["intent"]["name"] == "ask_can_backpay"
    entities = {e["entity"]: e["value"] for e in parsed["entities"]}
    assert entities.get("city") == "南昌"
    assert entities.get("insurance_type") == "flexible"
    assert entities.get("lapse_months") == 4


def test_empty_message_is_a_clear_error_with_a_chinese_hint(rasa_server):
    import urllib.error

    for text in ["", "   "]:
        try:
            post_json(f"{rasa_server.url}/webhooks/rest/webhook", {"sender": new_sender(), "message": text})
        except urllib.error.HTTPError as err:
            assert err.code == 400
            body = json.loads(err.read().decode())
            assert "输入" in body[0]["text"]
        else:
            raise AssertionError("empty message accepted")


def test_bad_input_gets_a_polite_chinese_reply(chat):
    for text in ["😀😀😀", "what is the weather like", "断了500个月",
                 "啊" * 2000, "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2000))]:
        replies = chat(new_sender(), text)
        assert replies, f"no reply to {text[:20]!r}"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in joined(replies)), f"reply to {text[:20]!r} is not Chinese"


def tracker_slots(rasa_server, sender):
    import urllib.request

    with urllib.request.urlopen(rasa_server.tracker_url(rasa_server.conversation("rest", sender)), timeout=30) as resp:
        return json.loads(resp.read().decode())["slots"]


def test_issue_example_amount_wait_and_sources_in_one_answer(chat, rasa_server):
    sender = new_sender()
    text = joined(chat(sender, "北京灵活就业断缴4个月，补缴要多少钱？多久能报销？"))
    # 2026-07..2026-10 at Beijing's lowest 2026年度 base 7270: (148.40 + 712.46) x 4.
    assert "3443.44" in text
    assert "6个月" in text
    assert "依据" in text and "12393" in text
    slots = tracker_slots(rasa_server, sender)
    assert slots["city"] == "北京" and slots["insurance_type"] == "flexible" and slots["lapse_months"] == 4


def test_case_is_kept_for_follow_ups_and_corrections(chat, rasa_server):
    sender = new_sender()
    chat(sender, "我在北京，职工医保，自己没交，断了2个月")
    text = joined(chat(sender, "那要补多少钱？"))
    # 2 months at the lowest base: (148.40 + 712.46) x 2 = 1721.72.
    assert "1721.72" in text
    text = joined(chat(sender, "滞纳金呢？"))
    assert "万分之五" in text or "0.05%" in text
    text = joined(chat(sender, "不对，是南昌"))
    assert "南昌" in text or "江西" in text
    assert tracker_slots(rasa_server, sender)["city"] == "南昌"
    replies = chat(sender, "重新开始")
    assert tracker_slots(rasa_server, sender)["city"] is None
    # A misunderstood reset loses nothing: the undo button gives the case back.
    undo = [b for r in replies for b in r.get("buttons", []) if b["title"].startswith("撤销")][0]
    chat(sender, undo["payload"])
    slots = tracker_slots(rasa_server, sender)
    assert slots["city"] == "南昌" and slots["lapse_months"] == 2


def test_handoff_then_the_conversation_goes_on(chat):
    sender = new_sender()
    text = joined(chat(sender, "转人工"))
    assert "12393" in text and "12333" in text
    text = joined(chat(sender, "补缴要带什么材料"))
    assert "身份证" in text


def test_absurd_months_are_asked_again_with_the_reason(chat):
    sender = new_sender()
    chat(sender, "我在南昌，职工医保，自己没交，医保断缴了能补吗")
    text = joined(chat(sender, "断了500个月"))
    assert "500" in text
    assert "多长时间" in text or "多久" in text
