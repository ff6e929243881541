"""Fixtures for the NLU component tests: the spaCy pipeline and jieba dictionary are built
once per session into a temporary folder with scripts/build_nlu_assets.py (about 6 s)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_build_module():
    spec = importlib.util.spec_from_file_location(
        "build_nlu_assets", ROOT / "scripts" / "build_nlu_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build_module():
    return _load_build_module()


@pytest.fixture(scope="session")
def built_assets(tmp_path_factory):
    out = tmp_path_factory.mktemp("nlu_build")
    stats = _load_build_module().build(out)
    return {"out": out, "pipeline": out / "zh_pipeline", "jieba_dict": out / "jieba_dict",
            "stats": stats}


@pytest.fixture(scope="session")
def nlp(built_assets):
    import spacy

    return spacy.load(built_assets["pipeline"])


@pytest.fixture(scope="session", params=["plain_jieba", "jieba_with_userdict"])
def any_nlp(request, built_assets):
    """The pipeline with jieba in both states it can be in at run time: before and after
    JiebaTokenizer(Clean) loaded the user dictionary into jieba (the ruler must work in both)."""
    import jieba
    import spacy

    nlp = spacy.load(built_assets["pipeline"])
    seg = jieba.Tokenizer()
    if request.param == "jieba_with_userdict":
        seg.load_userdict(str(built_assets["jieba_dict"] / "userdict.txt"))
    nlp.tokenizer.jieba_seg = seg
    return nlp
