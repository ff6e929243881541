"""Evaluate the trained Rasa NLU model on two evaluation sets, side by side with two baselines.

The sets: tests/nlu_holdout.yml (written for the project, independently of the training data) and
tests/nlu_real.yml (questions real people wrote on public pages, corpus/real_questions.tsv, never
trained on). Runs everything in one process:
  * the Rasa model (rasa.core.agent.Agent.load(model).parse_message(text), under asyncio),
  * the keyword-rule and char n-gram LogisticRegression baselines (scripts/baselines.py),
then prints per set a table (intent accuracy, macro F1, out_of_scope recall), per-intent F1 on the
real set, the entity exact-match rate per entity on tests/entity_cases.yml (Rasa model only),
parse latency p50/p95 and the model's training time, and writes reports/nlu_eval.json,
reports/confusion_matrix.png (holdout) and reports/confusion_matrix_real.png (real set).

    .venv/bin/python scripts/eval_nlu.py [--model models/x.tar.gz] [--min-accuracy 0.85]
        [--min-entity 0.9] [--min-real-accuracy 0.9] [--min-real-oos-recall 0.85]
        [--check-above-baselines]

Exit status: 0 ok, 1 a floor or the baseline check failed, 2 bad usage (no model found).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import json
import logging
import math
import os
import statistics
import sys
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines  # noqa: E402  (sibling module, pure python)
import build_real_corpus  # noqa: E402  (sibling module: the corpus rows and their splits)

ROOT = baselines.ROOT
DEFAULT_ENTITY_CASES = ROOT / "tests" / "entity_cases.yml"
# The same annotations on the real questions (corpus/real_questions.tsv), each with the row's split:
# `train` rows are the development half (failures there may be looked at and fixed), `test` rows
# are only reported.
DEFAULT_REAL_ENTITY_CASES = ROOT / "tests" / "entity_cases_real.yml"
DEFAULT_MODELS_DIR = ROOT / "models"
DEFAULT_OUT_DIR = ROOT / "reports"
FALLBACK_INTENT = "nlu_fallback"


# ---------------------------------------------------------------- helpers
def newest_model(models_dir: Path) -> Optional[Path]:
    models = sorted(Path(models_dir).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def load_entity_cases(path: Path) -> List[Dict[str, Any]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    cases = data["cases"] if isinstance(data, dict) else data
    return [{"text": str(c["text"]), "entities": dict(c.get("entities") or {}), "split": c.get("split")}
            for c in cases]


def values_equal(expected: Any, got: Any) -> bool:
    """Numbers compare numerically (15 == 15.0); everything else as strings."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    if isinstance(expected, (int, float)):
        try:
            return math.isclose(float(expected), float(got), rel_tol=0, abs_tol=1e-6)
        except (TypeError, ValueError):
            return False
    return str(expected) == str(got)


def score_entities(cases: Sequence[Dict[str, Any]], parsed: Sequence[List[Dict[str, Any]]]) -> Dict[str, Any]:
    """Per-entity exact-match rate: an expected entity is correct when the model returned that
    entity and the set of returned values is exactly {expected}. Entities returned but not
    listed in a case are counted as spurious (reported, not part of the rate)."""
    total, correct, spurious = Counter(), Counter(), Counter()
    failures, case_exact = [], 0
    for case, ents in zip(cases, parsed):
        got: Dict[str, List[Any]] = defaultdict(list)
        for e in ents:
            got[e.get("entity")].append(e.get("value"))
        case_ok = True
        for name, expected in case["entities"].items():
            total[name] += 1
            values = got.get(name, [])
            ok = bool(values) and all(values_equal(expected, v) for v in values)
            if ok:
                correct[name] += 1
            else:
                case_ok = False
                failures.append({"text": case["text"], "entity": name, "expected": expected, "got": values})
        extra = sorted(n for n in got if n not in case["entities"])
        for name in extra:
            spurious[name] += 1
        if extra:
            case_ok = False
        case_exact += case_ok
    per_entity = {
        name: {"expected": total[name], "correct": correct[name], "rate": correct[name] / total[name]}
        for name in sorted(total)
    }
    n_total = sum(total.values())
    return {
        "per_entity": per_entity,
        "overall_rate": (sum(correct.values()) / n_total) if n_total else 0.0,
        "case_exact_rate": case_exact / len(cases) if cases else 0.0,
        "spurious": dict(sorted(spurious.items())),
        "failures": failures,
    }


def confusion_pairs(y_true: Sequence[str], y_pred: Sequence[str], texts: Sequence[str]) -> List[Dict[str, Any]]:
    pairs: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for t, p, x in zip(y_true, y_pred, texts):
        if t != p:
            pairs[(t, p)].append(x)
    return [
        {"true": t, "predicted": p, "count": len(xs), "examples": xs[:5]}
        for (t, p), xs in sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def plot_confusion(y_true: Sequence[str], y_pred: Sequence[str], path: Path, title: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(y_true) | set(y_pred))
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    size = max(8, 0.45 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    vmax = cm.max() if cm.size else 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > vmax / 2 else "black")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# The contract entities the dialogue depends on: each must meet --min-entity on its own.
GATED_ENTITIES = ("city", "insurance_type", "lapse_reason", "lapse_months")


def gate_failures(accuracy: float, entity_rate: float, baseline_accuracy: Dict[str, float],
                  min_accuracy: Optional[float], min_entity: Optional[float],
                  check_above_baselines: bool,
                  per_entity: Optional[Dict[str, Dict[str, Any]]] = None) -> List[str]:
    """Reasons to exit non-zero (empty list: all gates pass)."""
    failed = []
    if min_accuracy is not None and accuracy < min_accuracy:
        failed.append(f"intent accuracy {accuracy:.3f} < {min_accuracy}")
    if min_entity is not None and entity_rate < min_entity:
        failed.append(f"entity exact-match rate {entity_rate:.3f} < {min_entity}")
    if min_entity is not None:
        for name in GATED_ENTITIES:
            rate = (per_entity or {}).get(name, {}).get("rate")
            if rate is not None and rate < min_entity:
                failed.append(f"{name} exact-match rate {rate:.3f} < {min_entity}")
    if check_above_baselines:
        for name, acc in baseline_accuracy.items():
            if not accuracy > acc:
                failed.append(f"Rasa accuracy {accuracy:.3f} not above {name} {acc:.3f}")
    return failed


def real_gate_failures(accuracy: float, oos: Optional[float], min_accuracy: Optional[float],
                       min_oos_recall: Optional[float]) -> List[str]:
    """Floors on the real-question set (empty list: all pass)."""
    failed = []
    if min_accuracy is not None and accuracy < min_accuracy:
        failed.append(f"real-set intent accuracy {accuracy:.3f} < {min_accuracy}")
    if min_oos_recall is not None and (oos is None or oos < min_oos_recall):
        failed.append(f"real-set out_of_scope recall {0.0 if oos is None else oos:.3f} < {min_oos_recall}")
    return failed


def training_record(model: Path) -> Optional[Dict[str, Any]]:
    """What scripts/ensure_model.py recorded when it trained this model (wall and CPU seconds),
    or None when the model was trained another way."""
    path = model.parent / "last_training.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if record.get("model") == model.name else None


def score_set(y_true: Sequence[str], texts: Sequence[str], y_rasa: Sequence[str],
              y_raw: Sequence[str], base: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Scores of the Rasa model (with and without the fallback) and the baselines on one set."""
    results: Dict[str, Dict[str, Any]] = {}
    rasa_res = baselines.score(y_true, y_rasa)
    rasa_res["confusion_pairs"] = confusion_pairs(y_true, y_rasa, texts)
    rasa_res["fallback_count"] = sum(1 for p in y_rasa if p == FALLBACK_INTENT)
    results["rasa"] = rasa_res
    raw_res = baselines.score(y_true, y_raw)
    raw_res["confusion_pairs"] = confusion_pairs(y_true, y_raw, texts)
    results["rasa_without_fallback"] = raw_res
    for name, res in base.items():
        res = dict(res)
        preds = res.pop("predictions")
        res["confusion_pairs"] = confusion_pairs(y_true, preds, texts)
        results[name] = res
    return results


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(label: str, path: str, n: int, n_intents: int, results: Dict[str, Dict[str, Any]]) -> None:
    print(f"{label}: {path} ({n} examples, {n_intents} intents)")
    print(f"{'model':<24}{'accuracy':>10}{'macro F1':>10}{'oos recall':>12}")
    for name, res in results.items():
        print(f"{name:<24}{res['accuracy']:>10.3f}{res['macro_f1']:>10.3f}{_fmt(res.get('oos_recall')):>12}")
    print(f"(rasa: {results['rasa']['fallback_count']} messages went to {FALLBACK_INTENT})")


# ---------------------------------------------------------------- Rasa model
def _quiet_rasa_logs() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    try:  # rasa logs every parse through structlog at debug level unless configured
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)
    except ImportError:  # pragma: no cover - older/newer rasa layouts
        pass
    for name in ("rasa", "tensorflow", "absl", "jieba", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("matplotlib").setLevel(logging.ERROR)


async def _parse_all(model_path: Path, texts: Sequence[str], entity_texts: Sequence[str],
                     real_texts: Sequence[str] = ()):
    # The model references project components (nlu_components.*) by module path, and they
    # read build/ relative to the project root, as under `rasa run` started from the root.
    for path in (str(ROOT), os.getcwd()):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.chdir(ROOT)
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    await agent.parse_message("你好")  # warm-up: lazy graph/TF init does not count as latency
    intents, raw_top, raw_conf, latencies = [], [], [], []
    for text in texts:
        t0 = time.perf_counter()
        result = await agent.parse_message(text)
        latencies.append((time.perf_counter() - t0) * 1000.0)
        name = (result.get("intent") or {}).get("name") or "<none>"
        intents.append(name)
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        raw_top.append(ranking[0]["name"] if ranking else name)
        raw_conf.append(float(ranking[0].get("confidence") or 0.0) if ranking else 0.0)
    nonsense_top = []
    for text in nonsense_texts():
        result = await agent.parse_message(text)
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        nonsense_top.append((ranking[0]["name"], float(ranking[0].get("confidence") or 0.0)) if ranking else ("<none>", 0.0))
    entities = []
    for text in entity_texts:
        result = await agent.parse_message(text)
        entities.append(result.get("entities") or [])
    real_intents, real_raw = [], []
    for text in real_texts:
        result = await agent.parse_message(text)
        real_intents.append((result.get("intent") or {}).get("name") or "<none>")
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        real_raw.append(ranking[0]["name"] if ranking else real_intents[-1])
    return intents, (raw_top, raw_conf, nonsense_top), latencies, entities, (real_intents, real_raw)


def nonsense_texts(n: int = 40) -> List[str]:
    """Deterministic nonsense: keyboard mash, random CJK, emoji, digits, mixed noise."""
    import random

    rng = random.Random(7)
    out = []
    for i in range(n):
        kind = i % 4
        length = rng.randint(3, 30)
        if kind == 0:
            out.append("".join(rng.choice("qwertyuiopasdfghjklzxcvbnm ") for _ in range(length)))
        elif kind == 1:
            out.append("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(length)))
        elif kind == 2:
            out.append("".join(chr(rng.randint(0x1F600, 0x1F64F)) for _ in range(max(1, length // 3))))
        else:
            out.append("".join(rng.choice("0123456789!@#$%^&*()") for _ in range(length)))
    return out


THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
REJECTED = ("out_of_scope", FALLBACK_INTENT)


def threshold_sweep(y_true: Sequence[str], raw_top: Sequence[str], raw_conf: Sequence[float],
                    nonsense_top: Sequence[Tuple[str, float]]) -> List[Dict[str, Any]]:
    """What each FallbackClassifier threshold would do: holdout accuracy (an out_of_scope message
    sent to the fallback counts as correctly rejected), in-scope messages lost to the fallback,
    and the share of nonsense rejected (out_of_scope or fallback)."""
    rows = []
    for t in THRESHOLDS:
        correct = lost = 0
        for truth, top, conf in zip(y_true, raw_top, raw_conf):
            pred = top if conf >= t else FALLBACK_INTENT
            if truth == "out_of_scope":
                correct += pred in REJECTED
            else:
                correct += pred == truth
                lost += pred == FALLBACK_INTENT
        rejected = sum(1 for top, conf in nonsense_top if top == "out_of_scope" or conf < t)
        rows.append({"threshold": t, "accuracy": correct / len(y_true) if y_true else 0.0,
                     "in_scope_lost_to_fallback": lost,
                     "nonsense_rejected": rejected / len(nonsense_top) if nonsense_top else 0.0})
    return rows


def print_entity_scores(title: str, score: Dict[str, Any]) -> None:
    print(f"{title}: overall exact match {score['overall_rate']:.3f}, whole-case exact {score['case_exact_rate']:.3f}")
    for name, row in score["per_entity"].items():
        print(f"  {name:<16}{row['correct']:>4}/{row['expected']:<4}{row['rate']:>8.3f}")
    if score["spurious"]:
        print("  spurious:", ", ".join(f"{k}={v}" for k, v in score["spurious"].items()))


# ---------------------------------------------------------------- main
def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate the Rasa NLU model and two baselines on the holdout.")
    ap.add_argument("--model", help="trained Rasa model (.tar.gz); default: newest in models/")
    ap.add_argument("--models-dir", default=str(DEFAULT_MODELS_DIR))
    ap.add_argument("--holdout", default=str(baselines.DEFAULT_HOLDOUT))
    ap.add_argument("--real", default=str(baselines.DEFAULT_REAL), help="real-question evaluation set")
    ap.add_argument("--train", default=str(baselines.DEFAULT_TRAIN), help="training data for the baselines")
    ap.add_argument("--entity-cases", default=str(DEFAULT_ENTITY_CASES))
    ap.add_argument("--real-entity-cases", default=str(DEFAULT_REAL_ENTITY_CASES),
                    help="entity annotations of the real questions (reported per split)")
    ap.add_argument("--min-real-entity", type=float, default=None,
                    help="fail when the entity exact-match rate on the real questions' test half is below this")
    ap.add_argument("--out-dir", default=str(DEFAULT_OUT_DIR))
    ap.add_argument("--min-accuracy", type=float, default=None,
                    help="fail when the Rasa model's intent accuracy is below this")
    ap.add_argument("--min-entity", type=float, default=None,
                    help="fail when the Rasa model's overall entity exact-match rate is below this")
    ap.add_argument("--min-real-accuracy", type=float, default=None,
                    help="fail when the Rasa model's intent accuracy on the real set is below this")
    ap.add_argument("--min-real-oos-recall", type=float, default=None,
                    help="fail when the Rasa model's out_of_scope recall on the real set is below this")
    ap.add_argument("--check-above-baselines", action="store_true",
                    help="fail unless the Rasa model's accuracy is above both baselines")
    args = ap.parse_args(argv)

    model = Path(args.model).resolve() if args.model else newest_model(Path(args.models_dir).resolve())
    args.holdout, args.real, args.train, args.entity_cases, args.out_dir = (
        str(Path(p).resolve()) for p in (args.holdout, args.real, args.train, args.entity_cases, args.out_dir))
    if model is None or not model.exists():
        print(f"no Rasa model found ({args.model or args.models_dir}); train one first", file=sys.stderr)
        return 2

    holdout = baselines.load_nlu(args.holdout)
    texts, y_true = [t for t, _ in holdout], [i for _, i in holdout]
    real = baselines.load_nlu(args.real)
    real_texts, real_true = [t for t, _ in real], [i for _, i in real]
    cases = load_entity_cases(Path(args.entity_cases))
    real_cases = load_entity_cases(Path(args.real_entity_cases))
    split_of = {row["text"]: row["split"] for row in build_real_corpus.read_rows()}
    for case in real_cases:
        case["split"] = split_of.get(case["text"])

    base, real_base = baselines.run_baselines_on(args.train, [args.holdout, args.real])

    _quiet_rasa_logs()
    y_rasa, (y_raw, raw_conf, nonsense_top), latencies, parsed_entities, (real_rasa, real_raw) = asyncio.run(
        _parse_all(model, texts, [c["text"] for c in cases + real_cases], real_texts))
    parsed_entities, parsed_real_entities = parsed_entities[:len(cases)], parsed_entities[len(cases):]
    sweep = threshold_sweep(y_true, y_raw, raw_conf, nonsense_top)

    results = score_set(y_true, texts, y_rasa, y_raw, base)
    rasa_res = results["rasa"]
    real_results = score_set(real_true, real_texts, real_rasa, real_raw, real_base)
    real_rasa_res = real_results["rasa"]
    trained = training_record(model)

    ent = score_entities(cases, parsed_entities)
    ent_real = {split: score_entities([c for c in real_cases if c["split"] == split],
                                      [p for c, p in zip(real_cases, parsed_real_entities) if c["split"] == split])
                for split in ("train", "test")}
    latency = {
        "n": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
    }

    # ---- print
    print(f"model:   {model}")
    if trained:
        print(f"trained by scripts/ensure_model.py (rasa train, NLU + core) in {trained['wall_seconds']:.0f} s wall, "
              f"{trained['user_seconds'] + trained['sys_seconds']:.0f} s CPU (user {trained['user_seconds']:.0f} "
              f"+ sys {trained['sys_seconds']:.0f}) on {trained.get('cpus', '?')} CPUs")
    else:
        print("training time: not recorded for this model (trained outside scripts/ensure_model.py)")
    print()
    print_table("holdout", args.holdout, len(texts), len(set(y_true)), results)
    print()
    print_table("real questions", args.real, len(real_texts), len(set(real_true)), real_results)
    print("\nper-intent F1 on the real questions (support):")
    names = list(real_results)
    print(f"  {'intent':<26}{'n':>4}" + "".join(f"{n[:14]:>16}" for n in names))
    for intent, row in real_rasa_res["per_intent"].items():
        cells = "".join(f"{real_results[n]['per_intent'][intent]['f1']:>16.3f}" for n in names)
        print(f"  {intent:<26}{row['support']:>4}{cells}")
    print()
    print_entity_scores(f"entities ({len(cases)} cases, Rasa model only)", ent)
    for split, label in (("train", "development half"), ("test", "test half")):
        n = sum(1 for c in real_cases if c["split"] == split)
        print_entity_scores(f"entities on real questions, {label} ({n} cases from rows in the {split} split)",
                            ent_real[split])
    print()
    print(f"parse latency over the holdout: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms")
    print("\nFallbackClassifier threshold sweep (out_of_scope sent to the fallback counts as rejected):")
    print(f"{'threshold':>10}{'accuracy':>10}{'in-scope lost':>15}{'nonsense rejected':>19}")
    for row in sweep:
        print(f"{row['threshold']:>10.2f}{row['accuracy']:>10.3f}{row['in_scope_lost_to_fallback']:>15}"
              f"{row['nonsense_rejected']:>19.2f}")
    for label, res in (("holdout", rasa_res), ("real questions", real_rasa_res)):
        worst = res["confusion_pairs"][:8]
        if worst:
            print(f"\nmost frequent Rasa confusions on the {label} (true -> predicted):")
            for c in worst:
                print(f"  {c['count']:>2}  {c['true']} -> {c['predicted']}   e.g. {c['examples'][0]}")

    # ---- write reports
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "generated": _dt.datetime.now().isoformat(timespec="seconds"),
        "model": str(model),
        "training": trained,
        "holdout": str(args.holdout),
        "real": str(args.real),
        "entity_cases": str(args.entity_cases),
        "intents": results,
        "real_intents": real_results,
        "entities": ent,
        "real_entity_cases": str(args.real_entity_cases),
        "real_entities": ent_real,
        "latency": latency,
        "fallback_threshold_sweep": sweep,
    }
    (out_dir / "nlu_eval.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    plot_confusion(y_true, y_rasa, out_dir / "confusion_matrix.png", f"Rasa intents on holdout ({model.name})")
    plot_confusion(real_true, real_rasa, out_dir / "confusion_matrix_real.png",
                   f"Rasa intents on real questions ({model.name})")
    print(f"\nwrote {out_dir / 'nlu_eval.json'}, {out_dir / 'confusion_matrix.png'} and "
          f"{out_dir / 'confusion_matrix_real.png'}")

    # ---- gates
    failed = gate_failures(rasa_res["accuracy"], ent["overall_rate"],
                           {name: results[name]["accuracy"] for name in base},
                           args.min_accuracy, args.min_entity, args.check_above_baselines,
                           ent["per_entity"])
    failed += real_gate_failures(real_rasa_res["accuracy"], real_rasa_res["oos_recall"],
                                 args.min_real_accuracy, args.min_real_oos_recall)
    test_half = ent_real["test"]["overall_rate"]
    if args.min_real_entity is not None and test_half < args.min_real_entity:
        failed.append(f"entity exact-match rate on the real questions (test half) {test_half:.3f} "
                      f"< {args.min_real_entity}")
    for f in failed:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
