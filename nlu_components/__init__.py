"""Custom Rasa NLU components of the project (referenced from config.yml as nlu_components.X).

``parsing`` is pure Python (no Rasa import) and can be imported on its own; the components are
imported lazily so that ``from nlu_components.parsing import ...`` does not pull in Rasa.
"""
from typing import Any

__all__ = ["JiebaTokenizerClean", "CaseEntityNormalizer", "CharNgramIntentClassifier"]


def __getattr__(name: str) -> Any:
    # Rasa resolves "nlu_components.JiebaTokenizerClean" with importlib + getattr, which
    # triggers this hook; importing the module also registers the class with DefaultV1Recipe.
    if name == "JiebaTokenizerClean":
        from nlu_components.jieba_tokenizer_clean import JiebaTokenizerClean

        return JiebaTokenizerClean
    if name == "CaseEntityNormalizer":
        from nlu_components.case_entity_normalizer import CaseEntityNormalizer

        return CaseEntityNormalizer
    if name == "CharNgramIntentClassifier":
        from nlu_components.char_ngram_classifier import CharNgramIntentClassifier

        return CharNgramIntentClassifier
    raise AttributeError(f"module 'nlu_components' has no attribute {name!r}")
