"""ops.ids: namespaced and hashed conversation ids, signed web session ids, text hygiene."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from ops import ids


def test_conversation_ids_are_namespaced_per_channel():
    assert ids.conversation_id("rest", "abc") == "rest:abc"
    assert ids.conversation_id("web", "abc") == "web:abc"
    assert ids.conversation_id("wechat", "oAbc") == "wechat:oAbc"
    # A client cannot name another channel's conversation: the prefix is always added.
    assert ids.conversation_id("rest", "web:abc") == "rest:web:abc"
    with pytest.raises(ValueError):
        ids.conversation_id("other", "abc")


@pytest.mark.parametrize("sender", ["13812345678", "36010219900101123X", "user-13812345678", "6217001234567890123"])
def test_sender_ids_that_look_like_phone_or_id_numbers_are_hashed(sender):
    stored = ids.conversation_id("rest", sender)
    assert stored.startswith("rest:h-") and sender not in stored
    assert ids.conversation_id("rest", sender) == stored  # stable per deployment


def test_hash_depends_on_the_deployment_secret(monkeypatch):
    before = ids.conversation_id("rest", "13812345678")
    monkeypatch.setenv("ASSISTANT_SECRET", "another-deployment")
    ids.reset_secret_cache()
    try:
        assert ids.conversation_id("rest", "13812345678") != before
    finally:
        monkeypatch.undo()
        ids.reset_secret_cache()
    assert ids.conversation_id("rest", "13812345678") == before


def test_secret_file_is_generated_private_and_reused(tmp_path):
    path = tmp_path / "secret"
    code = "from ops import ids; print(ids.hashed('13812345678'))"
    env = {**os.environ, "ASSISTANT_SECRET": "", "ASSISTANT_SECRET_FILE": str(path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert first == second and first.startswith("h-")


def test_signed_session_ids():
    token = ids.sign("0123456789abcdef0123456789abcdef")
    assert ids.verify(token) == "0123456789abcdef0123456789abcdef"
    value, mac = token.split(".")
    assert ids.verify(f"{value}.{'0' * len(mac)}") is None
    assert ids.verify("fedcba9876543210fedcba9876543210." + mac) is None
    for junk in [None, 5, "", "abc", "a.b.c", "x\ud800.y", "." * 300]:
        assert ids.verify(junk) is None


def test_clean_text_replaces_lone_surrogates_and_control_characters():
    assert ids.clean_text("x\ud800") == "x\ufffd"
    assert ids.clean_text("\udfff\ud800abc") == "\ufffd\ufffdabc"
    assert ids.clean_text("a\x00b\x1bc\x7f") == "a b c "
    assert ids.clean_text("第一行\n第二行\t😀") == "第一行\n第二行\t😀"  # real characters are kept
    assert ids.clean_obj({"k\ud800": ["v\x00", 3]}) == {"k\ufffd": ["v ", 3]}
    ids.clean_text("x\ud800").encode("utf-8")  # storable
