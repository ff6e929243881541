"""Known third-party warnings that say nothing to someone running the assistant.

Each entry is (category, module the warning is attributed to, start of its message), all three
required to match: a new warning, or a known one raised from another module, still shows.
`install()` puts them in front of the filter list; sanic's import adds
`filterwarnings("once", DeprecationWarning)` in front of everything, so the Rasa launcher
(`python -m assistant_runtime`) imports sanic first and installs these after it.
"""
from __future__ import annotations

import importlib
import re
import warnings
from typing import List, Tuple

KNOWN: List[Tuple[str, str, str]] = [
    # rasa 3.6 imports pkg_resources; setuptools deprecates it and its namespace declarations.
    ("DeprecationWarning", re.escape("rasa.shared.utils.validation"), "pkg_resources is deprecated as an API"),
    ("DeprecationWarning", re.escape("pkg_resources"), re.escape("Deprecated call to `pkg_resources.declare_namespace")),
    # sanic-cors compares versions with distutils; TensorFlow 2.12 imports a jax API jax deprecates.
    ("DeprecationWarning", re.escape("sanic_cors.extension"), "distutils Version classes are deprecated"),
    ("DeprecationWarning", re.escape("tensorflow.lite.python.util"), "jax.xla_computation is deprecated"),
    # pyparsing 3.3 renamed its camelCase API; matplotlib 3.5 and packaging 20.9 use the old names.
    ("pyparsing.PyparsingDeprecationWarning", r"(matplotlib|packaging)\..*", ".* deprecated - use "),
    # typer 0.7 and spaCy 3.4 use click APIs deprecated in click 8.2+.
    ("DeprecationWarning", r"(typer|typer\.completion|spacy\.cli\._util)",
     ".*(deprecated and will be removed in Click 9|will only be available in 'shell_completion')"),
    # jieba 0.42 has non-raw regex strings (shown once, when jieba is first compiled).
    ("DeprecationWarning", r".*jieba([/\\]\w+)*[/\\]__init__", "invalid escape sequence"),
    ("SyntaxWarning", r".*jieba([/\\]\w+)*[/\\]__init__", "invalid escape sequence"),
    # rasa 3.6's SQL tracker store builds its URL the SQLAlchemy 1.3 way.
    ("sqlalchemy.exc.SADeprecationWarning", re.escape("rasa.core.tracker_store"), re.escape("Calling URL() directly is deprecated")),
]


def _category(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module or "builtins"), name)


def install() -> None:
    """Puts the filters in front of this process's filter list (idempotent)."""
    for category, module, message in KNOWN:
        try:
            cls = _category(category)
        except (ImportError, AttributeError):  # library not installed: nothing to filter
            continue
        warnings.filterwarnings("ignore", message=message, category=cls, module=module + r"\Z")
