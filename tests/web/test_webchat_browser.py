"""The chat page in headless Chromium against the real Rasa and action servers.

Covers: greeting with quick replies, a real answer, quick-reply payloads, history after a reload
(same Rasa conversation), text never rendered as HTML, IME composition, the 1,000-character
limit, the 375 px layout, the embeddable launcher, and reconnection after a server restart.
Screenshots go to reports/screenshots/.
"""
from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest

from tests.support.servers import RasaServer
from tests.web.conftest import SCREENSHOTS, write_credentials


BOT = "[data-role=bot]"
USER = "[data-role=user]"
INPUT = "textarea[aria-label='输入您的问题']"
XSS = "<img src=x onerror=alert(1)>"


class Chat:
    def __init__(self, page, server_url: str):
        self.page = page
        self.url = f"{server_url}/webhooks/chat/"

    def open(self) -> "Chat":
        self.page.goto(self.url)
        return self

    def bots(self):
        return self.page.locator(BOT).all_inner_texts()

    def users(self):
        return self.page.locator(USER).all_inner_texts()

    def wait_bot_count(self, n: int, timeout: float = 60) -> None:
        self.page.wait_for_function(
            "n => document.querySelectorAll('[data-role=bot]').length >= n", arg=n, timeout=timeout * 1000
        )

    def settle(self, quiet: float = 2.0, timeout: float = 60) -> None:
        """Waits until the typing indicator is gone and the bot text stopped changing."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            state = (self.page.locator(".Typing").count(), tuple(self.bots()))
            if state != last:
                last, since = state, time.monotonic()
            elif state[0] == 0 and time.monotonic() - since >= quiet:
                return
            time.sleep(0.2)
        raise AssertionError("the bot kept typing")

    def ask(self, text: str) -> str:
        """Types text, presses Enter, returns the reply (all bot text added after it)."""
        before = len(self.bots())
        box = self.page.locator(INPUT)
        box.fill(text)
        box.press("Enter")
        self.wait_bot_count(before + 1)
        self.settle()
        return "\n".join(self.bots()[before:])

    def quick_replies(self):
        return self.page.locator(".QuickReply").all_inner_texts()

    def session_id(self) -> str:
        return json.loads(self.page.evaluate("localStorage.getItem('yibao-chat:session')"))

    def notice(self) -> str:
        loc = self.page.locator("[data-testid=notice]")
        return loc.inner_text() if loc.count() else ""


def compact(text: str) -> str:
    return re.sub(r"[\s•]", "", text)


def rest(server_url: str, sender: str, message: str):
    request = urllib.request.Request(
        f"{server_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        return json.loads(resp.read().decode())


def tracker_user_texts(server, session: str):
    """User texts of the conversation of a session id the server issued to the page."""
    from channels.webchat import conversation_for

    with urllib.request.urlopen(server.tracker_url(conversation_for(session)), timeout=30) as resp:
        tracker = json.loads(resp.read().decode())
    return [e.get("text") for e in tracker["events"] if e.get("event") == "user"]


def test_full_conversation_reload_and_screenshots(web_server, new_page):
    page = new_page(1280, 860)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    chat = Chat(page, web_server.url).open()

    # Accessible names, Chinese interface, focus in the input box.
    assert page.locator("main[aria-label]").get_attribute("aria-label").startswith("医保断缴补缴助手")
    assert page.title() == "医保断缴补缴助手"
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'TEXTAREA'")

    # Welcome: "/greet" is sent on first open, the greeting comes with three quick replies.
    chat.wait_bot_count(1)
    chat.settle()
    greeting = chat.bots()
    greeting_rest = rest(web_server.url, "web-greet-probe", "/greet")
    assert compact(greeting[0]) == compact("\n".join(m["text"] for m in greeting_rest if "text" in m))
    assert len(chat.quick_replies()) == 3
    assert chat.users() == []  # the /greet payload is not shown as a user message

    # A real answer, the same one the REST channel gives for the same conversation.
    answer = chat.ask("断缴了能补吗")
    rest("%s" % web_server.url, "web-rest-twin", "/greet")
    expected = "\n".join(m["text"] for m in rest(web_server.url, "web-rest-twin", "断缴了能补吗") if "text" in m)
    assert len(compact(answer)) > 5
    assert compact(answer) == compact(expected)

    # Quick replies are buttons (keyboard reachable) and send their payload, showing the title.
    replies = chat.quick_replies()
    if not replies:  # the answer had none: get the greeting's buttons back
        chat.ask("你好")
        replies = chat.quick_replies()
    assert replies
    title = replies[0]
    before = len(chat.bots())
    quick = page.locator(".QuickReply").first
    quick.focus()
    assert page.evaluate("document.activeElement.classList.contains('QuickReply')")
    page.keyboard.press("Enter")
    chat.wait_bot_count(before + 1)
    chat.settle()
    assert chat.users()[-1] == title

    # Text is rendered as text: markup shows literally and nothing runs.
    chat.ask(XSS)
    assert chat.users()[-1] == XSS
    assert page.locator(".MessageList img").count() == 0
    assert dialogs == []

    # The case completed over a few turns, then a computed answer with figures in yuan.
    chat.ask("灵活就业")
    chat.ask("自己没交")
    chat.ask("断了4个月")
    amount = chat.ask("那要多少钱？")
    assert "元" in amount and "依据" in amount

    session = chat.session_id()
    bots, users = chat.bots(), chat.users()
    page.screenshot(path=str(SCREENSHOTS / "webchat-desktop.png"))

    # Reload: same session, same history, and the conversation goes on in the same tracker.
    page.reload()
    page.locator(BOT).first.wait_for()
    assert chat.session_id() == session
    assert chat.bots() == bots and chat.users() == users
    time.sleep(1.5)
    assert len(chat.bots()) == len(bots)  # no second greeting after a reload
    chat.ask("我在南昌")
    said = tracker_user_texts(web_server, session)
    assert "断缴了能补吗" in said and XSS in said and "我在南昌" in said

    # The same conversation on a 375 px phone: no horizontal scrolling, input and buttons usable.
    phone = new_page(375, 740)
    phone.goto(chat.url)
    phone.evaluate(
        "([s, m, q]) => { localStorage.setItem('yibao-chat:session', s); localStorage.setItem('yibao-chat:messages', m);"
        " localStorage.setItem('yibao-chat:quickReplies', q); localStorage.setItem('yibao-chat:greeted', 'true'); }",
        [json.dumps(session), page.evaluate("localStorage.getItem('yibao-chat:messages')"),
         page.evaluate("localStorage.getItem('yibao-chat:quickReplies')")],
    )
    phone.reload()
    phone.locator(BOT).first.wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    box = phone.locator(INPUT).bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    for bubble in phone.locator(".Bubble").all():
        b = bubble.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= 375
    phone.screenshot(path=str(SCREENSHOTS / "webchat-mobile-375.png"))


def test_ime_composition_does_not_send(web_server, new_page):
    page = new_page()
    chat = Chat(page, web_server.url).open()
    chat.wait_bot_count(1)
    chat.settle()
    box = page.locator(INPUT)
    box.fill("南昌")
    enter = (
        "([composing]) => { const el = document.querySelector(\"textarea[aria-label='输入您的问题']\");"
        " el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 13, which: 13,"
        " isComposing: composing, bubbles: true, cancelable: true})); }"
    )
    box.dispatch_event("compositionstart", {"data": ""})
    page.evaluate(enter, [True])
    time.sleep(1.0)
    assert chat.users() == []
    assert box.input_value() == "南昌"

    # Once composition ends, the same Enter sends.
    box.dispatch_event("compositionend", {"data": "南昌"})
    time.sleep(0.1)
    page.evaluate(enter, [False])
    page.locator(USER).first.wait_for(timeout=10_000)
    assert chat.users() == ["南昌"]
    assert box.input_value() == ""


def test_overlong_message_refused_in_page(web_server, new_page):
    page = new_page()
    chat = Chat(page, web_server.url).open()
    chat.wait_bot_count(1)
    chat.settle()
    long_text = "补" * 1001
    box = page.locator(INPUT)
    box.fill(long_text)
    box.press("Enter")
    page.locator("[data-testid=notice]").wait_for()
    assert "过长" in chat.notice() and "1000" in chat.notice()
    assert page.locator("[data-testid=notice]").get_attribute("role") == "alert"
    time.sleep(1.0)
    assert chat.users() == []
    assert box.input_value() == long_text  # kept for editing, not sent
    said = tracker_user_texts(web_server, chat.session_id())
    assert all(len(t or "") <= 1000 for t in said)


def test_embedded_launcher_on_another_site(web_server, host_page, new_page):
    (host_page.root / "index.html").write_text(
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>某市医保局</title></head>"
        "<body><h1>某市医疗保障局</h1>"
        f"<script src='{web_server.url}/webhooks/chat/widget.js' data-server='{web_server.url}'></script>"
        "</body></html>",
        encoding="utf-8",
    )
    page = new_page(1280, 800)
    page.goto(f"{host_page.origin}/index.html")
    launcher = page.get_by_role("button", name="打开医保断缴补缴助手")
    launcher.click()
    frame_el = page.locator("iframe[title='医保断缴补缴助手']")
    frame_el.wait_for()
    frame = page.frame_locator("iframe[title='医保断缴补缴助手']")
    frame.locator(BOT).first.wait_for(timeout=60_000)
    assert "医保断缴补缴助手" in frame.locator(BOT).first.inner_text()
    assert frame.locator(".QuickReply").count() == 3
    page.get_by_role("button", name="关闭医保断缴补缴助手").click()
    assert not frame_el.is_visible()


def test_reconnects_after_server_restart(tmp_path, model_path, action_server, web_dist, host_page, new_page):
    credentials = write_credentials(tmp_path, host_page.origin)
    server = RasaServer(tmp_path, model_path, action_url=action_server.url, credentials=credentials,
                        env={"WEBCHAT_CORS_ORIGINS": ""}).start()
    try:
        page = new_page()
        chat = Chat(page, server.url).open()
        chat.wait_bot_count(1)
        chat.settle()
        server.stop()
        page.wait_for_function(
            "() => (document.querySelector('[data-testid=notice]') || {}).textContent?.includes('连接已断开')",
            timeout=30_000,
        )
        server = RasaServer(tmp_path, model_path, action_url=action_server.url, credentials=credentials,
                            port=server.port, env={"WEBCHAT_CORS_ORIGINS": ""}).start()
        page.wait_for_function(
            "() => (document.querySelector('[data-testid=notice]') || {}).textContent?.includes('已重新连接')",
            timeout=60_000,
        )
        reply = chat.ask("断缴了能补吗")
        assert len(compact(reply)) > 5
        assert len(chat.bots()) >= 2
    finally:
        server.stop()


def test_answer_layout_bullets_bold_yuan_and_no_html(web_server, new_page):
    """A stored bot answer is laid out: line breaks, 「•」 list items, bold yuan figures, no HTML."""
    page = new_page(375, 740)
    chat = Chat(page, web_server.url).open()
    chat.wait_bot_count(1)
    chat.settle()
    answer = ("南昌 灵活就业 补缴3个月：\n• 应补缴金额：1,234.56元\n• 滞纳金：0.00元\n"
              "依据：<b>国家医保局</b>\n\n提示：以当地医保经办机构核定为准。")
    page.evaluate(
        "t => localStorage.setItem('yibao-chat:messages', JSON.stringify([{_id: 'a', type: 'text',"
        " position: 'left', content: {text: t}, createdAt: Date.now(), hasTime: true}]))",
        answer,
    )
    page.reload()
    bubble = page.locator(BOT).first
    bubble.wait_for()
    assert bubble.locator("ul > li").all_inner_texts() == ["应补缴金额：1,234.56元", "滞纳金：0.00元"]
    assert bubble.locator("strong.money").all_inner_texts() == ["1,234.56元", "0.00元"]
    assert bubble.locator("p").count() == 3
    assert "依据：<b>国家医保局</b>" in bubble.inner_text()
    assert bubble.locator("b").count() == 0
