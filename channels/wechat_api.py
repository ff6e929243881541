"""Outgoing calls to the WeChat official-account API: access token and customer-service messages.

The access token is fetched from {base}/cgi-bin/token, cached until shortly before it expires and
refreshed once when a call answers errcode 40001 / 42001 / 40014 (invalid or expired token).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, List, Optional

import aiohttp

logger = logging.getLogger(__name__)

TOKEN_ERRCODES = {40001, 40014, 42001}
# Refresh this many seconds before WeChat's stated expiry (7200 s normally).
TOKEN_MARGIN_SECONDS = 300


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatApiClient:
    def __init__(self, appid: str, appsecret: str, base_url: str, timeout: float = 10.0) -> None:
        self.appid = appid
        self.appsecret = appsecret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None
        self._token: Optional[str] = None
        self._token_expires_at = 0.0
        self._lock: Optional[asyncio.Lock] = None

    @property
    def configured(self) -> bool:
        return bool(self.appid and self.appsecret)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _json(self, method: str, url: str, **kwargs: Any) -> Dict[str, Any]:
        async with self._get_session().request(method, url, **kwargs) as resp:
            raw = await resp.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WeChatApiError(-2, f"HTTP {resp.status}: not JSON") from None
        if not isinstance(data, dict):
            raise WeChatApiError(-2, "unexpected JSON")
        return data

    async def access_token(self, stale: Optional[str] = None) -> str:
        """A valid token; `stale` is a token WeChat just rejected (forces one refresh)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            fresh = self._token and time.monotonic() < self._token_expires_at
            if fresh and self._token != stale:
                return self._token  # type: ignore[return-value]
            data = await self._json(
                "GET", f"{self.base_url}/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.appsecret},
            )
            token = data.get("access_token")
            if not token:
                raise WeChatApiError(int(data.get("errcode") or -1), str(data.get("errmsg") or "no access_token"))
            expires_in = int(data.get("expires_in") or 7200)
            self._token = str(token)
            self._token_expires_at = time.monotonic() + max(60, expires_in - TOKEN_MARGIN_SECONDS)
            logger.debug("wechat access token refreshed, valid %s s", expires_in)
            return self._token

    async def _post_with_token(self, path: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        token = await self.access_token()
        data = await self._json("POST", f"{self.base_url}{path}", params={"access_token": token},
                                data=body, headers=headers)
        if int(data.get("errcode") or 0) in TOKEN_ERRCODES:
            token = await self.access_token(stale=token)
            data = await self._json("POST", f"{self.base_url}{path}", params={"access_token": token},
                                    data=body, headers=headers)
        errcode = int(data.get("errcode") or 0)
        if errcode:
            raise WeChatApiError(errcode, str(data.get("errmsg") or ""))
        return data

    async def send_texts(self, openid: str, texts: List[str]) -> bool:
        """Send customer-service text messages in order; False (logged) on the first failure.

        Typical failures: 48001 (unverified account: no customer-service API), 45015 (the user
        has not written in the last 48 hours), 45047 (too many messages).
        """
        if not self.configured:
            logger.warning("wechat: appid/appsecret not configured, cannot send customer-service message")
            return False
        for text in texts:
            try:
                await self._post_with_token(
                    "/cgi-bin/message/custom/send",
                    {"touser": openid, "msgtype": "text", "text": {"content": text}},
                )
            except WeChatApiError as exc:
                logger.warning("wechat customer-service message to %s failed: %s", openid, exc)
                return False
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                logger.warning("wechat customer-service message to %s failed: %r", openid, exc)
                return False
        return True
