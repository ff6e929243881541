"""`python -m assistant_runtime ARGS` runs `rasa ARGS` with the known third-party warnings
filtered from the start (scripts/run.sh uses it for `make run` and `make shell`).

Two imports put catch-all filters in front of ours: sanic's (`"once"` for DeprecationWarning)
and Rasa's own start-up (`"once"` for UserWarning). So sanic is imported first, and the filters
are put back in front after Rasa has set up its own.
"""
from __future__ import annotations

import logging
import sys

import jieba
import sanic  # noqa: F401 - its import puts filterwarnings("once", DeprecationWarning) in front

from assistant_runtime import warning_filters

warning_filters.install()
jieba.setLogLevel(logging.WARNING)  # "Building prefix dict ..." on every start

import rasa.utils.common  # noqa: E402

_rasa_filter_warnings = rasa.utils.common._filter_warnings  # noqa: SLF001


def _filter_warnings(*args, **kwargs) -> None:
    _rasa_filter_warnings(*args, **kwargs)
    warning_filters.install()


rasa.utils.common._filter_warnings = _filter_warnings  # noqa: SLF001

from rasa.__main__ import main  # noqa: E402

sys.argv = ["rasa", *sys.argv[1:]]
main()
