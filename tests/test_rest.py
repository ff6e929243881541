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
    replies = chat(new_sender(), "我在南昌灵活就业，医保断了四个月，还能补吗？")
    text = joined(replies)
    assert "南昌" in text or "江西" in text
    assert "12393" in text or "医保" in text


def test_model_parse_returns_contract_entities(rasa_server):
    parsed = post_json(f"{rasa_server.url}/model/parse", {"text": "我在南昌灵活就业，医保断了四个月，还能补吗？"})
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
