"""Fixtures for the web chat: the built page, a Rasa server with the web channels, Chromium."""
from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
from functools import partial
from pathlib import Path

import pytest

from tests.support.servers import ROOT, RasaServer, free_port

WEB = ROOT / "web"
DIST_INDEX = WEB / "dist" / "index.html"
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]


def _sources_newer_than_build() -> bool:
    if not DIST_INDEX.exists():
        return True
    built = DIST_INDEX.stat().st_mtime
    sources = [WEB / "index.html", WEB / "vite.config.js", WEB / "package-lock.json",
               *WEB.glob("src/**/*"), *WEB.glob("public/**/*")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """web/dist, built with npm when missing or older than its sources."""
    if _sources_newer_than_build():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to build the chat page (web/dist)")
        if not (WEB / "node_modules").exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        subprocess.run([npm, "run", "build"], cwd=WEB, check=True)
    assert DIST_INDEX.exists()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return DIST_INDEX.parent


class HostPage:
    """A static site on another origin that embeds the widget with the documented snippet."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
        handler.log_message = lambda *a, **k: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "HostPage":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def host_page(tmp_path_factory):
    page = HostPage(tmp_path_factory.mktemp("host")).start()
    yield page
    page.stop()


def write_credentials(folder: Path, allowed_origin: str) -> Path:
    path = folder / "credentials.yml"
    path.write_text(
        "rest:\n"
        "channels.webchat.WebChatSocketIO:\n"
        "  user_message_evt: user_uttered\n"
        "  bot_message_evt: bot_uttered\n"
        "  session_persistence: true\n"
        f'  cors_allowed_origins: ["{allowed_origin}"]\n'
        "channels.webchat.WebChatPage:\n"
        f'  cors_allowed_origins: ["{allowed_origin}"]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="package")
def web_server(tmp_path_factory, model_path, action_server, web_dist, host_page):
    """Rasa server with REST, the allow-listed socket.io channel and the chat page."""
    workdir = tmp_path_factory.mktemp("rasa-web")
    credentials = write_credentials(workdir, host_page.origin)
    server = RasaServer(workdir, model_path, action_url=action_server.url, credentials=credentials,
                        env={"WEBCHAT_CORS_ORIGINS": ""}).start()
    yield server
    server.stop()


# Package scope: Playwright's sync API keeps an event loop running on the main thread, which
# must be gone before other packages' tests call asyncio.run().
@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (installs it) or "
                    "scripts/install_system_packages.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser):
    """new_page(width=1280, height=800) -> a page in a fresh context (own localStorage)."""
    contexts = []

    def make(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        return page

    yield make
    for context in contexts:
        context.close()
