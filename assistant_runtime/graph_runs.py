"""The model's graph run in a plain loop, its order worked out once per set of targets.

Rasa 3.6 runs the model's graph (`DaskGraphRunner.run`: the NLU pipeline for each message, the
policies for each prediction, two or three per turn) by working out the minimal schema for the
targets, building a dask task graph from it, and handing that to dask's synchronous scheduler,
which orders the tasks again on each run. None of this changes between runs of the same targets;
it was about 6% of the Rasa server's time per REST turn (docs/performance.md). Here the nodes
needed for a set of targets are put in dependency order once, and each run calls them in that
order, passing each node its parents' outputs as dask did. The nodes, their inputs and outputs,
the input-name check and the `GraphRunError` for a `RuntimeError` are Rasa's own.
"""
from __future__ import annotations

import graphlib
from typing import Any, Dict, List, Optional, Text, Tuple

_Plan = List[Tuple[Text, Any, Tuple[Text, ...]]]


def plan_for(runner: Any, targets: Tuple[Text, ...]) -> _Plan:
    """(node name, graph node, names of what it needs) for the targets, in dependency order."""
    plans: Dict[Tuple[Text, ...], _Plan] = runner.__dict__.setdefault("_run_plans", {})
    plan = plans.get(targets)
    if plan is None:
        schema = runner._graph_schema.minimal_graph_schema(list(targets))
        needs = {name: tuple(node.needs.values()) for name, node in schema.nodes.items()}
        order = graphlib.TopologicalSorter(
            {name: [n for n in parents if n in needs] for name, parents in needs.items()}
        ).static_order()
        plan = plans[targets] = [(name, runner._instantiated_nodes[name], needs[name]) for name in order]
    return plan


def run(self: Any, inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    from rasa.engine.exceptions import GraphRunError

    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plan = plan_for(self, run_targets)
    values: Dict[Text, Any] = {name: None for name, _, _ in plan}
    self._add_inputs_to_graph(inputs, values)  # Rasa's check that no input clashes with a node
    try:
        for name, node, parents in plan:
            if inputs and name in inputs:
                continue
            values[name] = node(*(values[parent] for parent in parents))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(values[target] for target in run_targets)


rasa_run = None  # Rasa's own `DaskGraphRunner.run`, kept for the comparison in the tests


def install() -> None:
    global rasa_run
    from rasa.engine.runner.dask import DaskGraphRunner

    if rasa_run is None:
        rasa_run = DaskGraphRunner.run
        DaskGraphRunner.run = run
