"""Known third-party warnings that say nothing to someone running the assistant.

Each entry is (category, module the warning is attributed to, start of its message). Only exact
matches are ignored; a new warning, or a known one from another module, still shows.
"""
from __future__ import annotations

import builtins
import re
import sys
import warnings
from typing import List, Tuple

KNOWN: List[Tuple[str, str, str]] = [
    # rasa 3.6 imports pkg_resources; setuptools deprecates it, and it declares namespaces.
    ("DeprecationWarning", "rasa.shared.utils.validation", "pkg_resources is deprecated as an API"),
    ("DeprecationWarning", "pkg_resources", "Deprecated call to `pkg_resources.declare_namespace"),
    # sanic-cors compares versions with distutils.
    ("DeprecationWarning", "sanic_cors.extension", "distutils Version classes are deprecated"),
]


def install() -> None:
    """Adds the filters to this process (for warnings raised after Rasa has started)."""
    for category, module, message in KNOWN:
        warnings.filterwarnings("ignore", message=re.escape(message), category=getattr(builtins, category),
                                module=re.escape(module) + r"\Z")


def pythonwarnings() -> str:
    """The same filters as a PYTHONWARNINGS value (message prefix, exact module; no commas)."""
    return ",".join(f"ignore:{message}:{category}:{module}" for category, module, message in KNOWN)


if __name__ == "__main__":
    sys.stdout.write(pythonwarnings() + "\n")
