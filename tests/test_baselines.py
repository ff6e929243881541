"""Checks of the NLU data sets and the two baselines (no Rasa model needed; a few seconds)."""
from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import baselines  # noqa: E402
import build_real_corpus  # noqa: E402
import eval_nlu  # noqa: E402  (pure helpers; Rasa is only imported when a model is parsed)

QUESTION_INTENTS = [
    "ask_can_backpay", "ask_backpay_amount", "ask_late_fee", "ask_waiting_period",
    "ask_lapse_impact", "ask_paid_lost", "ask_materials", "ask_how_to_backpay",
    "ask_personal_account", "ask_contribution_years", "ask_retirement_years",
    "ask_resident_enrollment", "ask_refund", "ask_switch_scheme", "ask_incentive",
]
SMALL_TALK = ["greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "human_handoff",
              "reset_case", "stop"]
ALL_INTENTS = QUESTION_INTENTS + SMALL_TALK + ["inform", "out_of_scope"]
MIN_TRAIN = {**{i: 60 for i in QUESTION_INTENTS}, **{i: 20 for i in SMALL_TALK},
             "inform": 80, "out_of_scope": 80}

TRAIN = baselines.load_nlu(baselines.DEFAULT_TRAIN)
HOLDOUT = baselines.load_nlu(baselines.DEFAULT_HOLDOUT)
REAL = baselines.load_nlu(baselines.DEFAULT_REAL)


# ---------------------------------------------------------------- data sets
def test_training_data_has_every_intent_with_enough_examples():
    counts = Counter(i for _, i in TRAIN)
    assert set(counts) == set(ALL_INTENTS)
    short = {i: counts[i] for i in ALL_INTENTS if counts[i] < MIN_TRAIN[i]}
    assert not short, f"too few training examples: {short}"


def test_holdout_has_every_intent_with_at_least_15_examples():
    counts = Counter(i for _, i in HOLDOUT)
    assert set(counts) == set(ALL_INTENTS)
    assert min(counts.values()) >= 15, counts


@pytest.mark.parametrize("held_out", [HOLDOUT, REAL], ids=["nlu_holdout", "nlu_real"])
def test_held_out_sets_are_disjoint_from_training_after_normalization(held_out):
    train_norm = {baselines.normalize_sentence(t) or t: (t, i) for t, i in TRAIN}
    leaks = [(t, train_norm[baselines.normalize_sentence(t) or t]) for t, _ in held_out
             if (baselines.normalize_sentence(t) or t) in train_norm]
    assert not leaks, f"held-out sentences also in data/nlu: {leaks}"


# ---------------------------------------------------------------- real-question corpus
CORPUS = build_real_corpus.read_rows()


def test_real_corpus_has_500_sourced_questions_with_contract_intents():
    assert len(CORPUS) >= 500
    for row in CORPUS:
        assert row["intent"] in ALL_INTENTS, row
        assert row["source_url"].startswith(("http://", "https://")), row
        assert row["split"] in {"train", "test", "dup"}, row
    assert len({r["source_url"] for r in CORPUS}) >= 200


def test_real_set_is_big_enough_and_covers_every_question_intent():
    counts = Counter(i for _, i in REAL)
    assert len(REAL) >= 150
    assert counts["out_of_scope"] >= 40
    assert set(QUESTION_INTENTS) <= set(counts), set(QUESTION_INTENTS) - set(counts)


def test_real_set_and_real_training_file_are_generated_from_the_corpus():
    # scripts/build_real_corpus.py --check: the TSV's splits and both YAML files are current.
    assert build_real_corpus.main(["--check"]) == 0


def test_real_split_is_stratified_and_seeded():
    rows = [dict(r, split="") for r in CORPUS]
    build_real_corpus.assign_splits(rows, build_real_corpus.hand_written_training())
    assert [r["split"] for r in rows] == [r["split"] for r in CORPUS]
    by_intent = defaultdict(Counter)
    for r in rows:
        by_intent[r["intent"]][r["split"]] += 1
    for intent, c in by_intent.items():
        n = c["train"] + c["test"]
        if n >= 2:
            # within one row of the share, or two: a near-duplicate of a test row follows it
            assert abs(c["test"] - build_real_corpus.TEST_SHARE * n) <= 2, (intent, c)


def test_near_duplicate_real_questions_share_one_split():
    """The same question copied from two pages (one text holds the other) is never in training
    and in the real test set at once."""
    train = [baselines.normalize_sentence(t) for t, _ in baselines.load_nlu_file(build_real_corpus.TRAIN_FILE)]
    test = [baselines.normalize_sentence(t) for t, _ in baselines.load_nlu_file(build_real_corpus.TEST_FILE)]
    short = build_real_corpus.NEAR_DUPLICATE_CHARS
    leaks = [(a, b) for a in test for b in train
             if min(len(a), len(b)) >= short and (a in b or b in a)]
    assert leaks == []
    groups = build_real_corpus.near_duplicate_groups(["医保断交怎么办", "那么职工医保断交怎么办呢", "断了", "公积金"])
    assert groups[0] == groups[1] and len({groups[1], groups[2], groups[3]}) == 3


def test_normalization_catches_punctuation_and_width_variants():
    assert baselines.normalize_sentence("滞纳金呢？") == baselines.normalize_sentence("滞纳金呢")
    assert baselines.normalize_sentence("断了３个月") == baselines.normalize_sentence("断了 3 个月")
    assert baselines.normalize_sentence("Hello!") == baselines.normalize_sentence("hello")


def test_no_sentence_in_two_intents_or_twice():
    # Emoji- or symbol-only nonsense normalizes to "" and is compared as written instead.
    seen = defaultdict(list)
    for t, i in TRAIN + HOLDOUT + REAL:
        seen[baselines.normalize_sentence(t) or t].append(i)
    clashes = {k: v for k, v in seen.items() if len(set(v)) > 1}
    assert not clashes, clashes
    normalized = Counter(baselines.normalize_sentence(t) or t for t, _ in TRAIN)
    train_dups = [k for k, v in normalized.items() if v > 1]
    assert not train_dups, train_dups


def test_training_examples_carry_no_entity_annotations():
    pattern = re.compile(r"\]\(|\]\{")
    for f in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert str(data.get("version")) == "3.1", f
        for block in data["nlu"]:
            assert "intent" in block and isinstance(block["examples"], str), (f, block)
            assert not pattern.search(block["examples"]), (f, block["intent"])


# ---------------------------------------------------------------- entity cases
ENTITY_CASES = eval_nlu.load_entity_cases(ROOT / "tests" / "entity_cases.yml")
VALID = {
    "insurance_type": {"employee", "flexible", "resident"},
    "lapse_reason": {"employer", "personal"},
    "gender": {"male", "female"},
}


def test_entity_cases_are_many_and_well_formed():
    assert len(ENTITY_CASES) >= 100
    known = {"city", "province", "insurance_type", "lapse_reason", "lapse_months", "monthly_wage",
             "arrears", "overdue_days", "years_paid", "gender"}
    for case in ENTITY_CASES:
        ents = case["entities"]
        assert ents and set(ents) <= known, case
        for name, allowed in VALID.items():
            if name in ents:
                assert ents[name] in allowed, case
        if "lapse_months" in ents:
            assert isinstance(ents["lapse_months"], int) and ents["lapse_months"] > 0, case
        if "overdue_days" in ents:
            assert isinstance(ents["overdue_days"], int), case
        for money in ("monthly_wage", "arrears"):
            if money in ents:
                assert isinstance(ents[money], float), case
        for place in ("city", "province"):
            if place in ents:
                assert not ents[place].endswith(("市", "省", "自治区")), case
                assert ents[place] in case["text"], case


def test_entity_cases_cover_the_contract_rules():
    by_text = {c["text"]: c["entities"] for c in ENTITY_CASES}
    assert by_text["北京市职工医保断了三个月"]["city"] == "北京"
    assert by_text["我在江西南昌，单位交的医保"] == {"province": "江西", "city": "南昌", "insurance_type": "employee"}
    assert by_text["医保从去年8月到今年1月没交"]["lapse_months"] == 6  # 2025-08..2026-01 inclusive
    assert by_text["三个多月"]["lapse_months"] == 4
    assert by_text["大概四五个月吧"]["lapse_months"] == 5
    assert by_text["两个半月"]["lapse_months"] == 3
    assert by_text["断了３个月"]["lapse_months"] == 3
    assert by_text["断了90天"]["lapse_months"] == 3
    assert by_text["欠了3000块拖了90天，滞纳金多少"] == {"arrears": 3000.0, "overdue_days": 90}


# ---------------------------------------------------------------- eval helpers
def test_entity_scoring_exact_match_and_spurious():
    cases = [{"text": "a", "entities": {"city": "南昌", "lapse_months": 4}},
             {"text": "b", "entities": {"years_paid": 15}}]
    parsed = [[{"entity": "city", "value": "南昌"}, {"entity": "lapse_months", "value": 3}],
              [{"entity": "years_paid", "value": 15.0}, {"entity": "lapse_months", "value": 180}]]
    res = eval_nlu.score_entities(cases, parsed)
    assert res["per_entity"]["city"]["rate"] == 1.0
    assert res["per_entity"]["lapse_months"]["rate"] == 0.0
    assert res["per_entity"]["years_paid"]["rate"] == 1.0
    assert res["spurious"] == {"lapse_months": 1}
    assert res["overall_rate"] == pytest.approx(2 / 3)
    assert res["case_exact_rate"] == 0.0


def test_percentile_nearest_rank():
    values = list(range(1, 101))
    assert eval_nlu.percentile(values, 50) == 50
    assert eval_nlu.percentile(values, 95) == 95
    assert eval_nlu.percentile([7.0], 95) == 7.0


def test_confusion_pairs_are_sorted_by_count():
    pairs = eval_nlu.confusion_pairs(["a", "a", "b", "c"], ["b", "b", "b", "a"], ["x", "y", "z", "w"])
    assert pairs[0] == {"true": "a", "predicted": "b", "count": 2, "examples": ["x", "y"]}
    assert len(pairs) == 2


# ---------------------------------------------------------------- baselines
def test_keyword_matcher_rules():
    m = baselines.KeywordMatcher()
    assert m.predict_one("滞纳金怎么算") == "ask_late_fee"
    assert m.predict_one("我在南昌") == "inform"
    assert m.predict_one("我在南昌灵活就业，医保断了四个月，还能补吗") == "ask_can_backpay"
    assert m.predict_one("") == "out_of_scope"
    assert m.predict_one("今天天气怎么样") == "out_of_scope"


@pytest.fixture(scope="module")
def baseline_results():
    return baselines.run_baselines()


def test_baselines_beat_chance(baseline_results):
    n_intents = len(set(i for _, i in HOLDOUT))
    majority = Counter(i for _, i in HOLDOUT).most_common(1)[0][1] / len(HOLDOUT)
    chance = max(1 / n_intents, majority)
    for name, res in baseline_results.items():
        assert len(res["predictions"]) == len(HOLDOUT)
        assert res["accuracy"] > 5 * chance, (name, res["accuracy"], chance)
        assert res["macro_f1"] > 0.5, (name, res["macro_f1"])


def test_logreg_baseline_is_deterministic(baseline_results):
    texts = [t for t, _ in HOLDOUT]
    x, y = [t for t, _ in TRAIN], [i for _, i in TRAIN]
    again = baselines.CharNgramLogReg().fit(x, y).predict(texts)
    assert again == baseline_results["char_ngram_logreg"]["predictions"]


def test_gates():
    base = {"keyword_rules": 0.85, "char_ngram_logreg": 0.95}
    assert eval_nlu.gate_failures(0.96, 0.95, base, 0.9, 0.9, True) == []
    assert len(eval_nlu.gate_failures(0.95, 0.95, base, 0.9, 0.9, True)) == 1  # tie is not "above"
    assert len(eval_nlu.gate_failures(0.80, 0.50, base, 0.9, 0.9, False)) == 2
    assert eval_nlu.gate_failures(0.10, 0.10, base, None, None, False) == []
    per_entity = {"city": {"rate": 0.9}, "lapse_months": {"rate": 1.0}, "gender": {"rate": 0.5}}
    failed = eval_nlu.gate_failures(0.96, 0.96, base, 0.9, 0.95, False, per_entity)
    assert failed == ["city exact-match rate 0.900 < 0.95"]


def test_real_set_gates_and_oos_recall():
    assert baselines.oos_recall(["out_of_scope", "out_of_scope", "greet"],
                                ["out_of_scope", "nlu_fallback", "out_of_scope"]) == 0.5
    assert baselines.oos_recall(["greet"], ["greet"]) is None
    assert eval_nlu.real_gate_failures(0.91, 0.86, 0.9, 0.85) == []
    assert eval_nlu.real_gate_failures(0.89, 0.84, 0.9, 0.85) == [
        "real-set intent accuracy 0.890 < 0.9", "real-set out_of_scope recall 0.840 < 0.85"]
    assert eval_nlu.real_gate_failures(0.1, None, None, None) == []


def test_training_record_is_read_only_for_its_model(tmp_path):
    model = tmp_path / "assistant-abc.tar.gz"
    assert eval_nlu.training_record(model) is None
    (tmp_path / "last_training.json").write_text(
        '{"model": "assistant-abc.tar.gz", "wall_seconds": 150.0, "user_seconds": 200.0, "sys_seconds": 9.0}')
    assert eval_nlu.training_record(model)["wall_seconds"] == 150.0
    assert eval_nlu.training_record(tmp_path / "other.tar.gz") is None


def test_eval_script_exits_2_without_a_model(tmp_path, capsys):
    assert eval_nlu.main(["--models-dir", str(tmp_path)]) == 2
    assert "no Rasa model" in capsys.readouterr().err


def test_cv_variants_override_the_config_settings():
    """scripts/cv_intents.py: a variant is config.yml's classifier settings with some keys set."""
    import cv_intents

    base = cv_intents.component_config()
    assert base["C"] == 30 and base["first_question"] is True
    variant = cv_intents.parse_variant("C=10,block_weights={first_question: 1.5}", base)
    assert variant["C"] == 10 and variant["block_weights"] == {"first_question": 1.5}
    assert variant["sentence_weight"] == base["sentence_weight"]
    assert cv_intents.parse_variant("base", base) == base
    assert cv_intents.oos_rule({"oos_rule": "none"})("公积金断了") is None
    assert cv_intents.oos_rule({})("医保断了生育险还能报销吗")["name"].startswith("生育")
