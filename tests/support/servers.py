"""Starts the real action server and Rasa server as subprocesses for end-to-end tests.

Each stack gets free loopback ports, its own SQLite tracker store (or the endpoints file given)
and logs under a temporary folder. Used by tests/conftest.py and by channel/browser tests.
The HTTP API needs a token, as under `make run`: every RasaServer has its own (`server.token`);
`server.api(path)` builds an API URL that carries it, `server.conversation(channel, id)` the
stored conversation id of a channel's sender. One deployment secret (ASSISTANT_SECRET) per test
session, shared by every server started, so hashed ids and signed web ids agree between them.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
RASA = str(VENV_BIN / "rasa")
TEST_SECRET = os.environ.get("ASSISTANT_SECRET") or secrets.token_hex(16)
os.environ["ASSISTANT_SECRET"] = TEST_SECRET  # the test process computes the same ids as the servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_model() -> Path:
    """The model for the current sources (trains if stale, as `make model` does).

    ASSISTANT_MODEL=path pins a model instead (for development while sources change).
    """
    pinned = os.environ.get("ASSISTANT_MODEL")
    if pinned:
        return Path(pinned).resolve()
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_model.py")],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return ROOT / out.stdout.strip().splitlines()[-1]


def wait_http(url: str, timeout: float, proc: Optional[subprocess.Popen] = None, log: Optional[Path] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited ({proc.returncode}) before {url} answered:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s:\n{tail}")


def _env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_SECRET": TEST_SECRET,
        "SANIC_HOST": "127.0.0.1",  # the action server listens on loopback only
    })
    env.update(extra or {})
    return env


def _spawn(cmd: List[str], workdir: Path, log_path: Path, env: Dict[str, str]) -> subprocess.Popen:
    """Starts a server in its own process group, logging to log_path."""
    workdir.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(cmd, cwd=ROOT, env=_env(env), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


@dataclass
class ActionServer:
    workdir: Path
    env: Dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"actions-{self.port}.log"

    def start(self, timeout: float = 120) -> "ActionServer":
        self.proc = _spawn([RASA, "run", "actions", "--port", str(self.port)], self.workdir, self.log, self.env)
        wait_http(f"{self.url}/health", timeout, self.proc, self.log)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        _stop(self.proc, sig)


def _repo_action_endpoint() -> Dict[str, object]:
    import yaml

    conf = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    return dict(conf.get("action_endpoint") or {})


@dataclass
class RasaServer:
    workdir: Path
    model: Path
    action_url: Optional[str] = None
    credentials: Optional[Path] = None
    endpoints: Optional[Path] = None
    extra_args: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: Optional[subprocess.Popen] = None
    token: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"rasa-{self.port}.log"

    def api(self, path: str, **params: str) -> str:
        """URL of an HTTP API path (e.g. "/model/parse") with the server's token."""
        query = urlencode({**params, "token": self.token})
        return f"{self.url}{path}{'&' if '?' in path else '?'}{query}"

    def tracker_url(self, conversation: str) -> str:
        return self.api(f"/conversations/{quote(conversation, safe=':')}/tracker")

    @staticmethod
    def conversation(channel: str, sender: str) -> str:
        """The stored conversation id of a channel's sender (ops.ids, with this session's secret)."""
        from ops.ids import conversation_id

        return conversation_id(channel, sender)

    def write_endpoints(self) -> Path:
        """Endpoints for this server: its action server, and its own SQLite tracker store."""
        path = self.workdir / f"endpoints-{self.port}.yml"
        lines = []
        if self.action_url:
            # The repository's action endpoint settings (endpoints.yml), with this test's address.
            lines += ["action_endpoint:", f'  url: "{self.action_url}/webhook"'] + [
                f"  {key}: {json.dumps(value)}" for key, value in _repo_action_endpoint().items() if key != "url"]
        lines += ["tracker_store:", "  type: ops.masking_store.MaskingSQLTrackerStore", '  dialect: "sqlite"', f'  db: "{self.workdir / "tracker.db"}"']
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self, timeout: float = 240) -> "RasaServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        endpoints = self.endpoints or self.write_endpoints()
        credentials = self.credentials or (ROOT / "credentials.yml")
        cmd = [
            RASA, "run", "-m", str(self.model), "--enable-api", "--auth-token", self.token, "--port", str(self.port),
            "--interface", "127.0.0.1", "--endpoints", str(endpoints), "--credentials", str(credentials),
            *self.extra_args,
        ]
        self.proc = _spawn(cmd, self.workdir, self.log, self.env)
        wait_http(self.api("/status"), timeout, self.proc, self.log)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        _stop(self.proc, sig)


def _stop(proc: Optional[subprocess.Popen], sig: int) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def request(url: str, payload=None, raw: Optional[bytes] = None, method: Optional[str] = None, timeout: float = 60):
    """(status, parsed JSON body, or the raw text when it is not JSON) without raising on HTTP errors."""
    import json
    import urllib.error

    data = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else None)
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode() or "null")
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, body
