"""scripts/install_system_packages.sh (run by `make test` first): detection and the three outcomes.

Fake dpkg-query, id, sudo and apt-get on PATH stand in for the machine, so nothing is installed
or removed here.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.servers import ROOT

SCRIPT = ROOT / "scripts" / "install_system_packages.sh"


def fake_machine(tmp_path: Path, installed: set, uid: int, sudo_ok: bool) -> dict:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"

    def tool(name: str, body: str) -> None:
        path = bin_dir / name
        path.write_text("#!/usr/bin/env bash\n" + body + "\n")
        path.chmod(0o755)

    tool("dpkg", "exit 0")
    cases = "\n".join(f'  {p}) printf "install ok installed"; exit 0;;' for p in sorted(installed))
    tool("dpkg-query", f'pkg="${{@: -1}}"\ncase "$pkg" in\n{cases}\n  *) exit 1;;\nesac')
    tool("id", f"echo {uid}")
    tool("sudo", ('[ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; ' f'echo "sudo $*" >> {calls}; exec "$@"')
         if sudo_ok else "exit 1")
    tool("apt-get", f'echo "apt-get $*" >> {calls}')
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin")
    return {"env": env, "calls": calls}


def run(machine: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], env=machine["env"], capture_output=True, text=True, timeout=60)


ALL = {"chromium", "chromium-driver", "fonts-wqy-microhei", "postgresql", "redis-server"}


def test_nothing_to_do_when_all_installed(tmp_path):
    machine = fake_machine(tmp_path, ALL, uid=1000, sudo_ok=False)
    result = run(machine)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert not machine["calls"].exists()


def test_without_root_or_sudo_stops_with_the_one_command(tmp_path):
    machine = fake_machine(tmp_path, ALL - {"chromium", "redis-server"}, uid=1000, sudo_ok=False)
    result = run(machine)
    assert result.returncode == 1
    assert "missing: chromium redis-server" in result.stderr
    assert "apt-get install -y --no-install-recommends chromium redis-server" in result.stderr
    assert not machine["calls"].exists()


def test_as_root_installs_only_the_missing_packages(tmp_path):
    machine = fake_machine(tmp_path, ALL - {"postgresql"}, uid=0, sudo_ok=False)
    result = run(machine)
    assert result.returncode == 0, result.stderr
    calls = machine["calls"].read_text().splitlines()
    assert calls[0].startswith("apt-get update")
    assert calls[1].startswith("apt-get install") and calls[1].endswith(" postgresql")
    assert "Installing system packages for the tests: postgresql" in result.stdout


def test_with_passwordless_sudo_installs_through_sudo(tmp_path):
    machine = fake_machine(tmp_path, ALL - {"chromium-driver"}, uid=1000, sudo_ok=True)
    result = run(machine)
    assert result.returncode == 0, result.stderr
    calls = machine["calls"].read_text().splitlines()
    assert any(c.startswith("sudo apt-get install") and c.endswith("chromium-driver") for c in calls)


def test_training_heartbeat_reads_the_epoch_counter():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ensure_model", ROOT / "scripts" / "ensure_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    log = ("Epochs:   9%|▉         | 9/100 [00:30<05:03,  3.33s/it, t_loss=5.1]\r"
           "Epochs:  45%|████▌     | 45/100 [02:30<03:03,  3.33s/it, t_loss=2.2]")
    assert module._progress(log) == ", epoch 45/100"
    assert module._progress("Starting to train component") == ""
