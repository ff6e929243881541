"""E2e test stories (tests/e2e/) through the trained model and the real action server."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = str(Path(sys.executable).with_name("rasa"))


def test_conversation_stories_pass(model_path, action_server, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{action_server.url}/webhook"\n')
    out = tmp_path / "results"
    result = subprocess.run(
        [RASA, "test", "core", "--stories", str(ROOT / "tests" / "e2e"), "-m", str(model_path),
         "--endpoints", str(endpoints), "--e2e", "--fail-on-prediction-errors", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + "\n" + details[-6000:]
