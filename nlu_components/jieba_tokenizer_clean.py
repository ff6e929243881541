"""JiebaTokenizer without blank tokens (rasa #7910, unfixed in 3.6), reading traditional
characters as simplified.

jieba returns spaces as tokens on mixed Chinese/English text ("我在 Shanghai 工作"); those blank
tokens break CountVectorsFeaturizer/DIET alignment. This subclass drops them. Config and the
dictionary folder handling (``dictionary_path`` must be a folder) are the parent's.
"""
import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from nlu_components.parsing import to_simplified


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class JiebaTokenizerClean(JiebaTokenizer):
    """Jieba tokenizer that never emits whitespace-only tokens."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Hash of the dictionary files, so that `rasa train` does not reuse a cached
        tokenizer (and its persisted dictionary copy) after build/jieba_dict changed."""
        path = config.get("dictionary_path")
        if not path or not Path(path).is_dir():
            return None
        digest = hashlib.sha256()
        for file in sorted(Path(path).glob("*")):
            if file.is_file():
                digest.update(file.name.encode("utf-8"))
                digest.update(file.read_bytes())
        return digest.hexdigest()

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenizes like JiebaTokenizer, then drops blank tokens and trims token text."""
        import jieba

        # Traditional characters are segmented and featurized as simplified (斷繳 -> 断缴); the
        # mapping is one character to one, so token offsets still point into the message.
        text = to_simplified(message.get(attribute) or "")
        tokens: List[Token] = []
        for word, start, _end in jieba.tokenize(text):
            if not word.strip():
                continue
            stripped = word.lstrip()
            start += len(word) - len(stripped)
            tokens.append(Token(stripped.rstrip(), start))
        return self._apply_token_pattern(tokens)
