"""Cross-validate intent-classifier settings on the real questions of the training data.

The settings of nlu_components.CharNgramIntentClassifier are chosen here, never on
tests/nlu_real.yml: the real training questions (data/nlu/real.yml) are split into K stratified
folds; each fold is predicted by a model trained on all the hand-written data plus the other
folds, with the component's own pipeline and its out_of_scope rule. Each variant is the
config.yml settings with some keys overridden; sentence vectors are computed once and cached.

    .venv/bin/python scripts/cv_intents.py --folds 3 --seeds 0 1 \
        --variant base --variant 'C=10' --variant 'real_weight=2'

Prints the accuracy per seed and the mean for each variant. With ``--test FILE`` each variant is
instead trained once on all the training data (``--data``, default data/nlu) and scored on FILE:
for comparing data versions on one test set (e.g. an older commit's data/nlu, checked out with
`git worktree`, against today's tests/nlu_real.yml), not for choosing settings.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import baselines  # noqa: E402
import yaml  # noqa: E402

REAL_TRAIN = ROOT / "data" / "nlu" / "real.yml"


def pipeline_config() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))


def component_config() -> Dict[str, Any]:
    from nlu_components.char_ngram_classifier import CharNgramIntentClassifier

    for step in pipeline_config()["pipeline"]:
        if step["name"].endswith("CharNgramIntentClassifier"):
            settings = {k: v for k, v in step.items() if k != "name"}
            return {**CharNgramIntentClassifier.get_default_config(), **settings}
    raise SystemExit("config.yml has no CharNgramIntentClassifier")


def parse_variant(spec: str, base: Dict[str, Any]) -> Dict[str, Any]:
    config = dict(base)
    if spec == "base":
        return config
    for part in spec.split(","):
        key, _, value = part.partition("=")
        config[key.strip()] = yaml.safe_load(value)
    return config


def load_jieba_dictionary(config: Dict[str, Any]) -> None:
    """The project's jieba dictionary, loaded as the pipeline's tokenizer loads it in training
    (the `words` block reads the process's jieba)."""
    from nlu_components.jieba_tokenizer_clean import JiebaTokenizerClean

    for step in config["pipeline"]:
        if step["name"].endswith("JiebaTokenizerClean") and step.get("dictionary_path"):
            JiebaTokenizerClean._load_custom_dictionary(str(ROOT / step["dictionary_path"]))


def cache_sentence_vectors(texts: List[str], names=("sentence_vectors", "e5_vectors")) -> None:
    """Replace the component's encoder calls (the USE and e5 blocks) by lookups in vectors
    computed once."""
    import numpy as np

    import nlu_components.char_ngram_classifier as ccn

    unique = sorted(set(texts))
    for name in names:
        original = getattr(ccn, name)
        table = dict(zip(unique, original(unique)))
        dim = len(next(iter(table.values()))) if table else 0

        def cached(batch: List[str], weight: float = 1.0, original=original, table=table, dim=dim):
            if not batch:
                return np.zeros((0, dim), dtype=np.float32)
            missing = [t for t in batch if t not in table]
            if missing:
                table.update(zip(missing, original(missing)))
            return np.stack([table[t] for t in batch]) * float(weight)

        setattr(ccn, name, cached)


def oos_rule(config: Dict[str, Any]):
    """The out_of_scope rule a variant applies on top of the model: ``oos_rule`` "both" (the
    component's, default), "other_scheme" (the rule before stop 29) or "none"."""
    from nlu_components.parsing import other_scheme_topic, out_of_scope_rule

    return {"both": out_of_scope_rule, "other_scheme": other_scheme_topic,
            "none": lambda text: None}[str(config.get("oos_rule", "both"))]


def run_variant(config: Dict[str, Any], hand: List[Tuple[str, str]], real: List[Tuple[str, str]],
                folds: int, seed: int) -> Tuple[float, List[Tuple[str, str, str]]]:
    from sklearn.model_selection import StratifiedKFold

    import nlu_components.char_ngram_classifier as ccn

    rule = oos_rule(config)

    texts = [t for t, _ in real]
    labels = [i for _, i in real]
    # Intents with fewer rows than folds are kept in training for every fold.
    counts = Counter(labels)
    splittable = [k for k, label in enumerate(labels) if counts[label] >= folds]
    always = [k for k, label in enumerate(labels) if counts[label] < folds]
    kfold = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    real_weight = float(config.get("real_weight", 1.0))
    errors = []
    right = total = 0
    for train_idx, test_idx in kfold.split(splittable, [labels[k] for k in splittable]):
        train_rows = [splittable[k] for k in train_idx] + always
        test_rows = [splittable[k] for k in test_idx]
        x = [ccn.classifier_text(t) for t, _ in hand] + [ccn.classifier_text(texts[k]) for k in train_rows]
        y = [i for _, i in hand] + [labels[k] for k in train_rows]
        weights = [1.0] * len(hand) + [real_weight] * len(train_rows)
        pipeline = ccn.make_pipeline(config)
        pipeline.fit(x, y, logreg__sample_weight=weights)
        predicted = pipeline.predict([ccn.classifier_text(texts[k]) for k in test_rows])
        for k, guess in zip(test_rows, predicted):
            if rule(texts[k]) is not None:
                guess = "out_of_scope"
            total += 1
            right += guess == labels[k]
            if guess != labels[k]:
                errors.append((texts[k], labels[k], str(guess)))
    return right / total, errors


def score_on(config: Dict[str, Any], train: List[Tuple[str, str]], test: List[Tuple[str, str]]) -> float:
    import nlu_components.char_ngram_classifier as ccn

    rule = oos_rule(config)
    pipeline = ccn.make_pipeline(config)
    pipeline.fit([ccn.classifier_text(t) for t, _ in train], [i for _, i in train])
    predicted = pipeline.predict([ccn.classifier_text(t) for t, _ in test])
    right = sum(("out_of_scope" if rule(t) is not None else str(p)) == i
                for (t, i), p in zip(test, predicted))
    return right / len(test)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--variant", action="append", default=[],
                        help="'base' or comma-separated key=value overrides of config.yml")
    parser.add_argument("--errors", help="write the first variant's errors (first seed) to this TSV")
    parser.add_argument("--data", default=str(ROOT / "data" / "nlu"), help="training data folder")
    parser.add_argument("--test", help="score on this NLU file instead of cross-validating")
    args = parser.parse_args(argv)
    variants = args.variant or ["base"]

    load_jieba_dictionary(pipeline_config())
    data = Path(args.data)
    real_texts = {t for t, _ in baselines.load_nlu(data / REAL_TRAIN.name)}
    everything = baselines.load_nlu(data)
    real = [(t, i) for t, i in everything if t in real_texts]
    hand = [(t, i) for t, i in everything if t not in real_texts]
    base = component_config()
    if any(float(parse_variant(v, base).get("sentence_weight") or 0) > 0
           or float(parse_variant(v, base).get("e5_weight") or 0) > 0 for v in variants):
        import nlu_components.char_ngram_classifier as ccn

        test_texts = [t for t, _ in baselines.load_nlu(args.test)] if args.test else []
        cache_sentence_vectors([ccn.classifier_text(t) for t, _ in everything]
                               + [ccn.classifier_text(t) for t in test_texts])
    if args.test:
        for spec in variants:
            accuracy = score_on(parse_variant(spec, base), everything, baselines.load_nlu(args.test))
            print(f"{spec:50s} {args.test}: accuracy {accuracy:.4f}", flush=True)
        return 0
    print(f"{len(real)} real training rows, {len(hand)} hand-written rows, {args.folds} folds", flush=True)
    results = {}
    for n, spec in enumerate(variants):
        config = parse_variant(spec, base)
        scores = []
        for s, seed in enumerate(args.seeds):
            accuracy, errors = run_variant(config, hand, real, args.folds, seed)
            scores.append(accuracy)
            if n == 0 and s == 0 and args.errors:
                with open(args.errors, "w", encoding="utf-8") as out:
                    out.write("text\tlabel\tpredicted\n")
                    for text, label, guess in errors:
                        out.write(f"{text}\t{label}\t{guess}\n")
        mean = sum(scores) / len(scores)
        results[spec] = {"seeds": [round(x, 4) for x in scores], "mean": round(mean, 4)}
        print(f"{spec:50s} " + " ".join(f"{x:.3f}" for x in scores) + f"  mean {mean:.4f}", flush=True)
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
