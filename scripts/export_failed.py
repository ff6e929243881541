#!/usr/bin/env python
"""Export the messages the assistant failed to answer (nlu_fallback, out_of_scope, core fallback)
from the tracker store, most frequent first.

    .venv/bin/python scripts/export_failed.py                       # endpoints.yml, CSV to stdout
    .venv/bin/python scripts/export_failed.py --endpoints endpoints.prod.yml --format yaml -o reports/failed.yml
"""
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore")

from ops.failed_export import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
