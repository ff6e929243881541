"""Builds requests exactly as the WeChat platform sends them, and reads its replies.

Signatures are computed here independently of the channel (hashlib.sha1 over the sorted
[token, timestamp, nonce(, encrypt)]); AES uses wechatpy's WeChatCrypto as WeChat's own SDKs do.
"""
from __future__ import annotations

import hashlib
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from wechatpy.crypto import PrpCrypto, WeChatCrypto

TOKEN = "yibao_wechat_test_token"
APPID = "wx5f3c0a1b2c3d4e5f"
APPSECRET = "0123456789abcdef0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
ACCOUNT = "gh_3a5e9c1d2b4f"


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(openid: str, msg_type: str, fields: Optional[Dict[str, str]] = None,
                msg_id: Optional[str] = None, create_time: Optional[int] = None,
                to_user: str = ACCOUNT) -> str:
    create_time = create_time or int(time.time())
    parts = [
        f"<ToUserName>{cdata(to_user)}</ToUserName>",
        f"<FromUserName>{cdata(openid)}</FromUserName>",
        f"<CreateTime>{create_time}</CreateTime>",
        f"<MsgType>{cdata(msg_type)}</MsgType>",
    ]
    for name, value in (fields or {}).items():
        parts.append(f"<{name}>{cdata(value)}</{name}>")
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id or new_msg_id()}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(openid: str, content: str, msg_id: Optional[str] = None, **kw) -> str:
    return message_xml(openid, "text", {"Content": content}, msg_id=msg_id, **kw)


def new_msg_id() -> str:
    return str(secrets.randbelow(10**18) + 10**18)


@dataclass
class Reply:
    status: int
    body: str
    fields: Dict[str, str]
    elapsed: float
    raw_request: str = ""
    raw_response: str = ""
    plain_request: str = ""

    @property
    def content(self) -> str:
        return self.fields.get("Content", "")


def parse(xml_text: str) -> Dict[str, str]:
    root = ET.fromstring(xml_text)
    return {child.tag: child.text or "" for child in root}


class WeChatSim:
    """Plays the WeChat platform against the channel at `webhook_url`."""

    def __init__(self, webhook_url: str, token: str = TOKEN, appid: str = APPID, aes_key: str = AES_KEY):
        self.url = webhook_url
        self.token = token
        self.appid = appid
        self.crypto = WeChatCrypto(token, aes_key, appid)
        self.prp = PrpCrypto(self.crypto.key)

    def query(self, mode: str, encrypt: Optional[str] = None, bad_signature: bool = False,
              bad_msg_signature: bool = False, openid: str = "", timestamp: Optional[int] = None) -> Dict[str, str]:
        timestamp, nonce = str(int(time.time()) if timestamp is None else timestamp), str(secrets.randbelow(10**9))
        signature = sha1_signature(self.token, timestamp, nonce)
        if bad_signature:
            signature = sha1_signature("not-the-token", timestamp, nonce)
        query = {"signature": signature, "timestamp": timestamp, "nonce": nonce}
        if openid:
            query["openid"] = openid
        if mode in ("aes", "compat"):
            msg_signature = sha1_signature(self.token, timestamp, nonce, encrypt or "")
            if bad_msg_signature:
                msg_signature = sha1_signature("not-the-token", timestamp, nonce, encrypt or "")
            query.update({"encrypt_type": "aes", "msg_signature": msg_signature})
        return query

    def envelope(self, plain_xml: str, mode: str) -> Tuple[str, Optional[str]]:
        """The body WeChat posts in `mode` (plain | aes (安全模式) | compat (兼容模式))."""
        if mode == "plain":
            return plain_xml, None
        encrypt = self.prp.encrypt(plain_xml, self.appid)
        encrypt = encrypt.decode() if isinstance(encrypt, bytes) else encrypt
        to_user = parse(plain_xml)["ToUserName"]
        if mode == "aes":
            return f"<xml><ToUserName>{cdata(to_user)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>", encrypt
        # 兼容模式: the plaintext fields and the ciphertext in the same body.
        return plain_xml[:-len("</xml>")] + f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>", encrypt

    def post_raw(self, body: bytes, query: Dict[str, str], timeout: float = 90) -> Tuple[int, str, float]:
        url = self.url + "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "text/xml"})
        start = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return resp.status, resp.read().decode("utf-8"), time.monotonic() - start
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace"), time.monotonic() - start

    def send(self, plain_xml: str, mode: str = "plain", bad_signature: bool = False,
             bad_msg_signature: bool = False, timestamp: Optional[int] = None) -> Reply:
        """Posts like WeChat; `timestamp` (signed) defaults to now."""
        body, encrypt = self.envelope(plain_xml, mode)
        query = self.query(mode, encrypt, bad_signature, bad_msg_signature, parse(plain_xml)["FromUserName"], timestamp)
        status, text, elapsed = self.post_raw(body.encode("utf-8"), query)
        fields: Dict[str, str] = {}
        if status == 200 and text.strip().startswith("<xml"):
            fields = parse(text)
            if mode in ("aes", "compat"):
                fields = self.decrypt_reply(fields)
        raw_request = f"POST {urllib.parse.urlsplit(self.url).path}?{urllib.parse.urlencode(query)}\n\n{body}"
        return Reply(status, text, fields, elapsed, raw_request=raw_request, raw_response=text, plain_request=plain_xml)

    def decrypt_reply(self, outer: Dict[str, str]) -> Dict[str, str]:
        expected = sha1_signature(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        assert outer["MsgSignature"] == expected, "reply MsgSignature does not verify"
        plain = self.crypto.decrypt_message(
            {"Encrypt": outer["Encrypt"]}, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        return {**parse(plain), "_encrypted": "1"}

    def text(self, openid: str, content: str, mode: str = "plain", msg_id: Optional[str] = None) -> Reply:
        return self.send(text_xml(openid, content, msg_id=msg_id), mode)

    def verify(self, echostr: str, bad_signature: bool = False, timestamp: Optional[int] = None) -> Tuple[int, str]:
        query = self.query("plain", bad_signature=bad_signature, timestamp=timestamp)
        query["echostr"] = echostr
        url = self.url + "?" + urllib.parse.urlencode(query)
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")
