"""Throw-away PostgreSQL and Redis servers from Debian's packages, for tests and the benchmark.

No system service and no root needed: PostgreSQL gets `initdb` in a temporary folder and listens
on a free loopback port (as root it runs as the `postgres` user the Debian package creates, since
postgres refuses to run as root); Redis runs on a free loopback port without persistence.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from tests.support.servers import free_port


def postgres_bin() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("postgres")
    return Path(which).parent if which else None


def redis_bin() -> Optional[str]:
    return shutil.which("redis-server")


def _run_as() -> Optional[str]:
    """The user PostgreSQL runs as when we are root (POSTGRES_TEST_USER overrides)."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("POSTGRES_TEST_USER"), "postgres", "nobody"):
        if not name:
            continue
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' user to run PostgreSQL as")


@dataclass
class PostgresServer:
    user: str = "rasa"
    password: str = "rasa"
    db: str = "rasa"
    port: int = field(default_factory=free_port)
    proc: Optional[subprocess.Popen] = None
    datadir: Optional[Path] = None

    def _cmd(self, args: List[str]) -> List[str]:
        owner = _run_as()
        return ["runuser", "-u", owner, "--", *args] if owner else args

    def init(self) -> "PostgresServer":
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries not found: run `make test` (installs them) or "
                               "scripts/install_system_packages.sh")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="scale-pg-"))
        os.chmod(self.root, 0o755)
        self.datadir = self.root / "data"
        self.datadir.mkdir(mode=0o700)
        owner = _run_as()
        if owner:
            entry = pwd.getpwnam(owner)
            for path in (self.root, self.datadir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        os.chmod(pwfile, 0o644)
        subprocess.run(
            self._cmd([str(bindir / "initdb"), "-D", str(self.datadir), "-U", self.user, "--pwfile", str(pwfile),
                       "--auth=md5", "-E", "UTF8", "--locale=C.UTF-8"]),
            check=True, capture_output=True, cwd="/",
        )
        return self

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def start(self, timeout: float = 30) -> "PostgresServer":
        if self.datadir is None:
            self.init()
        log = open(self.log, "ab")
        os.chmod(self.log, 0o666)
        self.proc = subprocess.Popen(
            self._cmd([str(self.bindir / "postgres"), "-D", str(self.datadir), "-p", str(self.port),
                       "-h", "127.0.0.1", "-k", str(self.datadir), "-c", "fsync=off", "-c", "max_connections=200"]),
            stdout=log, stderr=subprocess.STDOUT, cwd="/", start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password, dbname="postgres")
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.db,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{self.db}"')
        conn.close()

    def stop(self, sig: int = signal.SIGINT) -> None:
        """SIGINT = fast shutdown; SIGKILL simulates a crash."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def cleanup(self) -> None:
        self.stop()
        if getattr(self, "root", None):
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.db}"

    def query(self, sql: str, params=()) -> list:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password, dbname=self.db)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()

    def env(self) -> Dict[str, str]:
        return {"DB_HOST": "127.0.0.1", "DB_PORT": str(self.port), "DB_NAME": self.db,
                "DB_USER": self.user, "DB_PASSWORD": self.password}


@dataclass
class RedisServer:
    port: int = field(default_factory=free_port)
    proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 20) -> "RedisServer":
        binary = redis_bin()
        if binary is None:
            raise RuntimeError("redis-server not found: run `make test` (installs it) or "
                               "scripts/install_system_packages.sh")
        self.root = getattr(self, "root", None) or Path(tempfile.mkdtemp(prefix="scale-redis-"))
        log = open(self.root / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        import redis

        deadline = time.monotonic() + timeout
        while True:
            try:
                redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).ping()
                return self
            except redis.exceptions.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=20)

    def cleanup(self) -> None:
        self.stop()
        if getattr(self, "root", None):
            shutil.rmtree(self.root, ignore_errors=True)

    def env(self) -> Dict[str, str]:
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.port), "REDIS_DB": "0", "REDIS_PASSWORD": ""}


def production_env(pg: PostgresServer, redis_server: RedisServer, action_url: str) -> Dict[str, str]:
    """Environment for endpoints.prod.yml."""
    return {**pg.env(), **redis_server.env(), "ACTION_ENDPOINT_URL": f"{action_url}/webhook",
            "FORCE_JSON_LOGGING": "1"}
