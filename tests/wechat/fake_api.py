"""A fake api.weixin.qq.com on localhost that records token fetches and customer-service sends."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List


class FakeWeChatApi:
    def __init__(self, appid: str, appsecret: str) -> None:
        self.appid = appid
        self.appsecret = appsecret
        self.lock = threading.Lock()
        self.token_fetches = 0
        self.valid_tokens: set = set()
        self.sends: List[Dict[str, Any]] = []  # every POST, accepted or not
        self.unverified_prefix = "oUnverified"
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _json(self, payload: Dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path != "/cgi-bin/token":
                    return self._json({"errcode": 404, "errmsg": "not found"})
                if (query.get("grant_type") != "client_credential" or query.get("appid") != api.appid
                        or query.get("secret") != api.appsecret):
                    return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                with api.lock:
                    api.token_fetches += 1
                    token = f"ACCESS_TOKEN_{api.token_fetches}"
                    api.valid_tokens.add(token)
                self._json({"access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length).decode("utf-8"))
                token = query.get("access_token")
                with api.lock:
                    if url.path != "/cgi-bin/message/custom/send":
                        result = {"errcode": 404, "errmsg": "not found"}
                    elif token not in api.valid_tokens:
                        result = {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
                    elif str(payload.get("touser", "")).startswith(api.unverified_prefix):
                        result = {"errcode": 48001, "errmsg": "api unauthorized"}
                    else:
                        result = {"errcode": 0, "errmsg": "ok"}
                    api.sends.append({"token": token, "payload": payload, "errcode": result["errcode"],
                                      "at": time.time()})
                self._json(result)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeWeChatApi":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_tokens(self) -> None:
        with self.lock:
            self.valid_tokens.clear()

    def sends_to(self, openid: str, accepted_only: bool = True) -> List[Dict[str, Any]]:
        with self.lock:
            return [s for s in self.sends if s["payload"].get("touser") == openid
                    and (s["errcode"] == 0 or not accepted_only)]

    @staticmethod
    def wait_for(condition: Callable[[], Any], timeout: float = 90, interval: float = 0.2) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError("condition not met in time")
