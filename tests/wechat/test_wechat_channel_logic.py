"""The channel's reply logic in-process, with a scripted bot in place of Rasa's agent.

Covers timings that are hard to force on a real server: long passive answers split across a
passive reply and customer-service messages, concurrent retries, retries while deferred.
"""
from __future__ import annotations

import asyncio
import time

import pytest

from channels.wechat import WeChatInput
from channels.wechat_core import EMPTY_ANSWER_ZH, IncomingMessage, parse_xml
from tests.wechat import wx
from tests.wechat.fake_api import FakeWeChatApi


@pytest.fixture
def fake_api():
    api = FakeWeChatApi(wx.APPID, wx.APPSECRET).start()
    yield api
    api.stop()


class ScriptedBot:
    def __init__(self, answer, delay=0.0, buttons=None):
        self.answer, self.delay, self.buttons = answer, delay, buttons
        self.received = []

    async def __call__(self, message):
        self.received.append((message.sender_id, message.text))
        await asyncio.sleep(self.delay)
        if self.answer:
            await message.output_channel.send_response(
                message.sender_id, {"text": self.answer, **({"buttons": self.buttons} if self.buttons else {})})


def channel(api, budget):
    return WeChatInput(wx.TOKEN, wx.APPID, wx.APPSECRET, wx.AES_KEY, budget, api.url, 60)


def incoming(user, text, msg_id="1001"):
    return IncomingMessage.from_fields(parse_xml(wx.text_xml(user, text, msg_id=msg_id).encode()))


def test_long_passive_answer_continues_through_customer_service(fake_api):
    long_answer = "\n\n".join(["补缴时需按当地缴费基数和费率补足欠缴月份，另计滞纳金。" * 8] * 10)
    bot = ScriptedBot(long_answer)

    async def run():
        ch = channel(fake_api, 5)
        first = await ch._answer(incoming("oLong", "补缴要多少钱"), bot)
        await asyncio.gather(*ch._background)
        await ch.api.close()
        return first

    first = asyncio.run(run())
    assert len(first.encode("utf-8")) <= 2048 and first.endswith("）") and "（1/" in first
    rest = [s["payload"]["text"]["content"] for s in fake_api.sends_to("oLong")]
    assert rest and all(len(r.encode("utf-8")) <= 2048 for r in rest)
    assert rest[-1].endswith(f"（{len(rest) + 1}/{len(rest) + 1}）")


def test_concurrent_retries_reach_the_bot_once(fake_api):
    bot = ScriptedBot("可以补缴。", delay=0.3)

    async def run():
        ch = channel(fake_api, 5)
        msg = incoming("oRetry", "断缴了能补吗")
        replies = await asyncio.gather(*(ch._answer(msg, bot) for _ in range(3)))
        await ch.api.close()
        return replies

    assert asyncio.run(run()) == ["可以补缴。"] * 3
    assert bot.received == [("wechat:oRetry", "断缴了能补吗")]  # namespaced conversation id
    assert fake_api.sends == []


def test_a_msgid_reused_by_another_openid_is_not_a_retry(fake_api):
    bot = ScriptedBot("可以补缴。", delay=0.2)

    async def run():
        ch = channel(fake_api, 5)
        replies = await asyncio.gather(ch._answer(incoming("oFirst", "断缴了能补吗", msg_id="77"), bot),
                                       ch._answer(incoming("oOther", "滞纳金怎么算", msg_id="77"), bot))
        await ch.api.close()
        return replies

    assert asyncio.run(run()) == ["可以补缴。"] * 2
    assert sorted(bot.received) == [("wechat:oFirst", "断缴了能补吗"), ("wechat:oOther", "滞纳金怎么算")]


def test_retry_while_deferred_is_quiet_and_answer_is_sent_once(fake_api):
    bot = ScriptedBot("可以补缴。", delay=2.0)

    async def run():
        ch = channel(fake_api, 0.05)
        msg = incoming("oDefer", "断缴了能补吗")
        started = time.monotonic()
        first = await ch._answer(msg, bot)
        assert time.monotonic() - started < 1.5  # answered at the budget, not after the bot
        retry_pending = await ch._answer(msg, bot)
        await asyncio.sleep(2.5)
        retry_after = await ch._answer(msg, bot)
        await ch.api.close()
        return first, retry_pending, retry_after

    assert asyncio.run(run()) == (None, None, None)
    assert len(bot.received) == 1
    assert [s["payload"]["text"]["content"] for s in fake_api.sends_to("oDefer")] == ["可以补缴。"]


def test_numbered_choice_sends_payload_and_silent_bot_gets_a_fallback(fake_api):
    bot = ScriptedBot("请选择：", buttons=[{"title": "北京", "payload": '/inform{"city":"北京"}'},
                                        {"title": "南昌", "payload": '/inform{"city":"南昌"}'}])

    async def run():
        ch = channel(fake_api, 5)
        shown = await ch._answer(incoming("oBtn", "你好", "1"), bot)
        bot.answer = ""
        silent = await ch._answer(incoming("oBtn", "2", "2"), bot)
        again = await ch._answer(incoming("oBtn", "2", "3"), bot)  # buttons are gone now
        await ch.api.close()
        return shown, silent, again

    shown, silent, again = asyncio.run(run())
    assert shown == "请选择：\n回复 1 北京\n回复 2 南昌"
    assert silent == EMPTY_ANSWER_ZH
    assert [text for _, text in bot.received] == ["你好", '/inform{"city":"南昌"}', "2"]
