"""Process-wide runtime settings of the assistant's Rasa server, in one place.

`install()` runs when Rasa imports the project's `ops` package (tracker store, REST channel), so
every Rasa server of every profile (make run, make shell, tests, bench, production) gets it:

- `action_validation`: action-server responses are validated against Rasa's own schema by one
  compiled validator instead of `jsonschema.validate()`, which re-checks the schema against its
  meta-schema on every call (docs/performance.md).
- `event_types`: the event class of a type name is found once, not by walking every `Event`
  subclass for each event deserialised (tracker loads, action results; docs/performance.md).
- `graph_runs`: the model's graph (NLU pipeline, policies) runs its nodes in an order worked out
  once per set of targets, instead of a dask task graph built and scheduled on every run
  (docs/performance.md).
- `keepalive`: each Rasa endpoint (the action server above all) keeps one HTTP session and its
  connection open, instead of a new session and TCP connection for every action call
  (docs/performance.md).
- `warning_filters`: the known third-party deprecation warnings are ignored by category, module
  and message; any other warning still shows. `python -m assistant_runtime ARGS` (the `rasa`
  of `make run` and `make shell`) installs them before Rasa is imported, so start-up is quiet too.
"""
from __future__ import annotations

_installed = False


def install() -> None:
    """Idempotent."""
    global _installed
    if _installed:
        return
    from assistant_runtime import action_validation, event_types, graph_runs, keepalive, warning_filters

    warning_filters.install()
    action_validation.install()
    event_types.install()
    graph_runs.install()
    keepalive.install()
    _installed = True
