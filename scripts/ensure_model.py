"""Prints the path of a trained model for the current sources, training one only when needed.

The model is named after a hash of everything it is built from (config, domain, training data,
custom NLU components, the NLU lexicons and their build script), so an unchanged project reuses
the last model and any change trains a new one.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["config.yml", "domain.yml", "data", "nlu_components", "nlu", "scripts/build_nlu_assets.py"]
MODELS = ROOT / "models"
PREFIX = "assistant-"
KEEP = 2
LOG = ROOT / "logs" / "train.log"
LAST_SECONDS = MODELS / "last_training_seconds.txt"
HEARTBEAT_SECONDS = 20


def source_files():
    for entry in SOURCES:
        path = ROOT / entry
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in source_files():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prune(keep: Path) -> None:
    models = sorted(MODELS.glob(f"{PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][KEEP - 1:]:
        old.unlink()


def _progress(log_text: str) -> str:
    """The last epoch counter of the training log (tqdm: 'Epochs:  45%|...| 45/100')."""
    found = re.findall(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)", log_text)
    return f", epoch {found[-1][0]}/{found[-1][1]}" if found else ""


def train(name: str, model: Path) -> None:
    """`rasa train` with its output in logs/train.log and a heartbeat line every 20 s."""
    if LAST_SECONDS.exists():
        expected = f"about {float(LAST_SECONDS.read_text()) / 60:.0f} minutes last time"
    else:
        expected = "about 1-2 minutes on 2 cores"
    LOG.parent.mkdir(parents=True, exist_ok=True)
    print(f"Training the model {model.relative_to(ROOT)} ({expected}; log: {LOG.relative_to(ROOT)})...",
          file=sys.stderr, flush=True)
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rasa = Path(sys.executable).with_name("rasa")
    with open(LOG, "wb") as log:
        proc = subprocess.Popen([str(rasa), "train", "--force", "--fixed-model-name", name, "--out", str(MODELS)],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        while True:
            try:
                proc.wait(timeout=HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                progress = _progress(LOG.read_text(errors="replace")[-20000:])
                print(f"  ... {time.monotonic() - started:.0f} s{progress}", file=sys.stderr, flush=True)
    if proc.returncode != 0:
        tail = LOG.read_text(errors="replace").splitlines()[-25:]
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"error: training failed (exit {proc.returncode}); full log: {LOG.relative_to(ROOT)}")
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(f"  trained in {elapsed:.0f} s wall, {user + system:.0f} s CPU", file=sys.stderr)
    LAST_SECONDS.write_text(f"{elapsed:.1f}\n")
    # Read by scripts/eval_nlu.py, which reports the training time beside the accuracy.
    (MODELS / "last_training.json").write_text(json.dumps({
        "model": model.name, "wall_seconds": round(elapsed, 1), "user_seconds": round(user, 1),
        "sys_seconds": round(system, 1), "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }) + "\n")


def main() -> int:
    name = PREFIX + fingerprint()
    model = MODELS / f"{name}.tar.gz"
    if model.exists():
        print(f"Model up to date: {model.relative_to(ROOT)}", file=sys.stderr)
    else:
        train(name, model)
        prune(model)
    print(model.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
