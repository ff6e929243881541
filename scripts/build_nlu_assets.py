#!/usr/bin/env python
"""Build the project's spaCy zh pipeline and jieba dictionary (idempotent, a few seconds).

Outputs (generated, not committed):
  build/zh_pipeline/          blank spaCy ``zh`` (jieba segmenter) + EntityRuler; load with
                              ``spacy.load("build/zh_pipeline")`` or Rasa's SpacyNLP ``model:``.
  build/jieba_dict/userdict.txt
                              every non-ambiguous entity surface, high frequency, so jieba keeps
                              entity words whole (rasa #6893). Folder for JiebaTokenizer.

Patterns are explicit token patterns (not phrase patterns): phrase patterns are re-tokenized
when the pipeline is loaded, with whatever jieba dictionary is loaded at that moment, so they
could silently stop matching once the tokenizer loads the user dictionary. For every surface
the token sequence with and without the user dictionary is added, plus one single-token regex
per place label that catches a place name glued to a neighbour word (南昌交 -> city).

Usage: .venv/bin/python scripts/build_nlu_assets.py [--out build]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterable, List

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlu.entries import CITY, PROVINCE, Entry, all_entries, ambiguous_city_names  # noqa: E402

USERDICT_FREQ = 200000
USERDICT_TAGS = {CITY: "ns", PROVINCE: "ns", "insurance_type": "nz", "lapse_reason": "l"}
PIPELINE_NAME = "yibao_zh_ruler"
PIPELINE_VERSION = "1.0.0"


def write_userdict(entries: Iterable[Entry], path: Path) -> List[str]:
    words = sorted({e.surface for e in entries if not e.ambiguous and " " not in e.surface},
                   key=lambda w: (len(w), w))
    labels = {e.surface: e.label for e in entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for w in words:
            f.write(f"{w} {USERDICT_FREQ} {USERDICT_TAGS.get(labels[w], 'n')}\n")
    return words


def _segmenters(userdict: Path):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    plain = jieba.Tokenizer()
    plain.initialize()
    with_dict = jieba.Tokenizer()
    with_dict.initialize()
    with_dict.load_userdict(str(userdict))
    return plain, with_dict


def build_patterns(entries: List[Entry], userdict: Path) -> List[Dict]:
    plain, with_dict = _segmenters(userdict)
    patterns: List[Dict] = []
    seen = set()
    for e in entries:
        for seg in (plain, with_dict):
            tokens = [t for t in seg.cut(e.surface, cut_all=False) if t.strip()]
            key = (e.label, e.value, tuple(tokens))
            if key in seen:
                continue
            seen.add(key)
            patterns.append({
                "label": e.label,
                "pattern": [{"TEXT": t} for t in tokens],
                "id": e.value,
            })
    # Without the user dictionary jieba may glue an administrative suffix to the next word
    # (普洱市交 -> 普洱 / 市交): a city name followed by a token starting with 市/州/盟 is a city.
    for value in sorted({e.value for e in entries if e.label == CITY}):
        for seg in (plain, with_dict):
            tokens = [t for t in seg.cut(value, cut_all=False) if t.strip()]
            key = (CITY, value, tuple(tokens), "suffix")
            if key in seen:
                continue
            seen.add(key)
            patterns.append({
                "label": CITY,
                "pattern": [{"TEXT": t} for t in tokens] + [{"TEXT": {"REGEX": "^(?:市|州|盟|地区)."}}],
                "id": value,
            })
    return patterns


def build_fallback_patterns(entries: List[Entry], ambiguous: Iterable[str]) -> List[Dict]:
    """Single-token regexes for place names glued to a neighbour word by jieba ("南昌交").

    They live in a second ruler that never overwrites the exact patterns' entities. Ambiguous
    bare names (来宾, 安康 ...) are left out. Longest alternatives first.
    """
    ambiguous = set(ambiguous)
    patterns = []
    for label in (CITY, PROVINCE):
        names = sorted({e.surface for e in entries
                        if e.label == label and not e.ambiguous and e.surface not in ambiguous},
                       key=lambda s: (-len(s), s))
        rx = "(?:" + "|".join(re.escape(n) for n in names) + ")"
        patterns.append({"label": label, "pattern": [{"TEXT": {"REGEX": rx}}]})
    return patterns


def build_pipeline(patterns: List[Dict], fallback: List[Dict], target: Path) -> None:
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True, "overwrite_ents": True})
    ruler.add_patterns(patterns)
    ruler2 = nlp.add_pipe("entity_ruler", name="entity_ruler_fallback",
                          config={"validate": True, "overwrite_ents": False})
    ruler2.add_patterns(fallback)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = (
        "Blank zh (jieba) + EntityRuler for city/province/insurance_type/lapse_reason; "
        "generated by scripts/build_nlu_assets.py"
    )
    nlp.meta["spacy_version"] = f">={spacy.__version__},<{_next_minor(spacy.__version__)}"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".zh_pipeline.", dir=target.parent))
    try:
        nlp.to_disk(tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _next_minor(version: str) -> str:
    major, minor = version.split(".")[:2]
    return f"{major}.{int(minor) + 1}.0"


def build(out: Path) -> Dict[str, int]:
    started = time.time()
    entries = all_entries()
    jieba_dir = out / "jieba_dict"
    if jieba_dir.exists():
        shutil.rmtree(jieba_dir)
    userdict = jieba_dir / "userdict.txt"
    words = write_userdict(entries, userdict)
    patterns = build_patterns(entries, userdict)
    fallback = build_fallback_patterns(entries, ambiguous_city_names())
    build_pipeline(patterns, fallback, out / "zh_pipeline")
    stats = {
        "entries": len(entries),
        "userdict_words": len(words),
        "patterns": len(patterns) + len(fallback),
        "seconds": round(time.time() - started, 1),
    }
    with open(out / "nlu_assets.json", "w", encoding="utf-8") as f:
        json.dump(stats, f, ensure_ascii=False, indent=2)
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build"), help="output folder (default build/)")
    args = parser.parse_args(argv)
    stats = build(Path(args.out))
    print(f"built {args.out}/zh_pipeline and {args.out}/jieba_dict: {stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
