"""`make run` (scripts/run.sh): the HTTP API needs a token (generated into var/rasa_token, mode 600,
or RASA_TOKEN) and both servers listen on 127.0.0.1 only."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from typing import Iterator, Optional, Tuple

from tests.support.servers import ROOT, free_port, wait_http

TOKEN_FILE = ROOT / "var" / "rasa_token"


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as error:
        return error.code


def outside_address():
    """An address of this machine that is not loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def refused(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(3)
        return sock.connect_ex((host, port)) != 0


@contextlib.contextmanager
def run_script(model_path, tmp_path, token: Optional[str] = None) -> Iterator[Tuple[str, int, int]]:
    """`make run`'s script on free ports, with RASA_TOKEN set to `token` or unset; yields the Rasa
    server's base URL and both ports once it answers, and stops the script and both servers."""
    rasa_port, action_port = free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port)}
    env.pop("RASA_TOKEN", None)
    if token is not None:
        env["RASA_TOKEN"] = token
    log = open(tmp_path / "run.log", "wb")
    proc = subprocess.Popen(["bash", "scripts/run.sh", str(model_path)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{rasa_port}/", 300, proc, tmp_path / "run.log")
        yield f"http://127.0.0.1:{rasa_port}", rasa_port, action_port
    finally:
        try:  # the script may have exited already
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def wait_for_api(base: str, token: str) -> None:
    deadline = time.monotonic() + 120
    while status(f"{base}/status?token={token}") != 200 and time.monotonic() < deadline:
        time.sleep(1)


def test_run_script_protects_the_api_with_a_token_and_listens_on_loopback(model_path, tmp_path):
    with run_script(model_path, tmp_path) as (base, rasa_port, action_port):
        token = TOKEN_FILE.read_text().strip()
        assert len(token) >= 32 and stat.S_IMODE(TOKEN_FILE.stat().st_mode) == 0o600
        printed = (tmp_path / "run.log").read_text(errors="replace")
        assert "var/rasa_token" in printed and token not in printed  # says where, does not print it
        wait_for_api(base, token)
        assert status(f"{base}/status?token={token}") == 200
        assert status(f"{base}/status") == 401 and status(f"{base}/status?token=wrong") == 401
        request = urllib.request.Request(f"{base}/model", method="DELETE")
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError("DELETE /model without a token was accepted")
        except urllib.error.HTTPError as error:
            assert error.code == 401
        parse = urllib.request.Request(f"{base}/model/parse?token={token}", data=json.dumps({"text": "你好"}).encode())
        with urllib.request.urlopen(parse, timeout=60) as resp:
            assert json.loads(resp.read().decode())["intent"]["name"] == "greet"
        # A turn that runs a custom action reaches the action server on ACTION_PORT (not the
        # default port endpoints.yml names).
        turn = urllib.request.Request(f"{base}/webhooks/rest/webhook", headers={"Content-Type": "application/json"},
                                      data=json.dumps({"sender": "run-script", "message": "公积金怎么提取"}).encode())
        with urllib.request.urlopen(turn, timeout=60) as resp:
            reply = " ".join(m.get("text", "") for m in json.loads(resp.read().decode()))
        assert "公积金" in reply and "12329" in reply and "出了点问题" not in reply, reply
        address = outside_address()
        if address:
            assert refused(address, rasa_port) and refused(address, action_port)


def test_run_script_takes_a_token_that_starts_with_a_dash(model_path, tmp_path):
    """A generated token (secrets.token_urlsafe) starts with "-" one time in 64; passed as a separate
    argument, Rasa's argument parser read it as an option and the server did not start."""
    token = "-" + os.urandom(16).hex()
    with run_script(model_path, tmp_path, token) as (base, _, _):
        wait_for_api(base, token)
        assert status(f"{base}/status?token={token}") == 200
        assert status(f"{base}/status?token={token[1:]}") == 401
