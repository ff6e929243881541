"""RulePolicy matches its rules against as many past states as its longest rule has.

Rasa 3.6 (`RulePolicy._get_possible_keys`, run for each prediction, two or three per turn) walks
back through every state of the conversation and checks every remaining rule against each one.
A rule with fewer states than the steps walked back is applicable by definition
(`_is_rule_applicable`: "rule is shorter than current turn index"), so once the walk is as deep as
the longest remaining rule, no further state can remove a rule: the rest of the walk, which grows
with the conversation, changes nothing (about 3-4% of a REST turn in a five-turn conversation,
docs/performance.md). Here the walk stops there; the rules kept are exactly Rasa's.
"""
from __future__ import annotations

from typing import Any, Dict, List, Set, Text

rasa_get_possible_keys = None  # Rasa's own, kept for the comparison in the tests


def get_possible_keys(self: Any, lookup: Dict[Text, Text], states: List[Dict]) -> Set[Text]:
    possible_keys = set(lookup.keys())
    for i, state in enumerate(reversed(states)):
        if not possible_keys or i >= max(len(self._rule_key_to_state(key)) for key in possible_keys):
            break
        possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, i, state)}
    return possible_keys


def install() -> None:
    global rasa_get_possible_keys
    from rasa.core.policies.rule_policy import RulePolicy

    if rasa_get_possible_keys is None:
        rasa_get_possible_keys = RulePolicy._get_possible_keys
        RulePolicy._get_possible_keys = get_possible_keys
