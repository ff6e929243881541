"""The two Rasa components on real rasa Message objects, without training a model."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

import nlu_components
from nlu_components import CaseEntityNormalizer, JiebaTokenizerClean

TODAY = "2026-11-23"
DIMENSIONS = ["city", "province", "insurance_type", "lapse_reason"]


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("storage"))


@pytest.fixture(scope="module")
def context():
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def tokenizer(built_assets, storage, context):
    config = {**JiebaTokenizerClean.get_default_config(),
              "dictionary_path": str(built_assets["jieba_dict"])}
    return JiebaTokenizerClean.create(config, storage, Resource("tok"), context)


@pytest.fixture(scope="module")
def pipeline(built_assets, storage, context, tokenizer):
    spacy_nlp = SpacyNLP.create({**SpacyNLP.get_default_config(),
                                 "model": str(built_assets["pipeline"])},
                                storage, Resource("spacy"), context)
    extractor = SpacyEntityExtractor.create({"dimensions": DIMENSIONS}, storage,
                                            Resource("ext"), context)
    normalizer = CaseEntityNormalizer.create(
        {**CaseEntityNormalizer.get_default_config(), "today": TODAY}, storage,
        Resource("norm"), context)
    model = spacy_nlp.provide()

    def run(text):
        message = Message(data={"text": text})
        tokenizer.process([message])
        extractor.process([message], model)
        normalizer.process([message], model)
        return message

    run.model = model
    run.normalizer = normalizer
    return run


def values(message):
    out = {}
    for e in message.get("entities") or []:
        out.setdefault(e["entity"], []).append(e["value"])
    return out


# -- registration ---------------------------------------------------------------------------

def test_components_resolve_by_config_name():
    tok = DefaultV1Recipe._from_registry("nlu_components.JiebaTokenizerClean")
    norm = DefaultV1Recipe._from_registry("nlu_components.CaseEntityNormalizer")
    assert tok.clazz is JiebaTokenizerClean and tok.is_trainable
    assert DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER in tok.types
    assert norm.clazz is CaseEntityNormalizer and not norm.is_trainable
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in norm.types
    assert norm.model_from == "SpacyNLP"
    clf = DefaultV1Recipe._from_registry("nlu_components.CharNgramIntentClassifier")
    assert clf.is_trainable and DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in clf.types
    assert set(nlu_components.__all__) == {"JiebaTokenizerClean", "CaseEntityNormalizer",
                                           "CharNgramIntentClassifier"}


# -- tokenizer ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["我在 Shanghai 工作", "医保  断了 3 个月", " 南昌 ", "hello world"])
def test_tokenizer_drops_blank_tokens(tokenizer, text):
    message = Message(data={"text": text})
    tokenizer.process([message])
    tokens = message.get("text_tokens")
    assert tokens and all(t.text.strip() == t.text and t.text for t in tokens)
    for t in tokens:
        assert text[t.start:t.end] == t.text


def test_parent_tokenizer_has_the_blank_token_bug(built_assets, storage, context):
    # Guards the reason for the subclass: if Rasa fixes #7910 this test tells us.
    parent = JiebaTokenizer.create({**JiebaTokenizer.get_default_config(), "dictionary_path": None},
                                   storage, Resource("parent"), context)
    message = Message(data={"text": "我在 Shanghai 工作"})
    parent.process([message])
    assert any(not t.text.strip() for t in message.get("text_tokens"))


def test_tokenizer_fingerprint_follows_dictionary_content(tmp_path):
    (tmp_path / "userdict.txt").write_text("南昌 200000 ns\n", encoding="utf-8")
    first = JiebaTokenizerClean.fingerprint_addon({"dictionary_path": str(tmp_path)})
    assert first == JiebaTokenizerClean.fingerprint_addon({"dictionary_path": str(tmp_path)})
    (tmp_path / "userdict.txt").write_text("南昌 200000 ns\n九江 200000 ns\n", encoding="utf-8")
    assert JiebaTokenizerClean.fingerprint_addon({"dictionary_path": str(tmp_path)}) != first
    assert JiebaTokenizerClean.fingerprint_addon({"dictionary_path": None}) is None


def test_tokenizer_keeps_entity_words_whole(tokenizer):
    message = Message(data={"text": "老家新农合，公司没给我交"})
    tokenizer.process([message])
    words = [t.text for t in message.get("text_tokens")]
    assert "新农合" in words and "公司没给我交" in words


# -- normalizer -----------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("北京市职工医保断了三个月", {"city": ["北京"], "insurance_type": ["employee"], "lapse_months": [3]}),
    ("我在江西南昌，单位交的医保", {"province": ["江西"], "city": ["南昌"], "insurance_type": ["employee"]}),
    ("江西省的", {"province": ["江西"]}),
    ("老家新农合断了半年", {"insurance_type": ["resident"], "lapse_months": [6]}),
    ("我是个体户，断了一年半", {"insurance_type": ["flexible"], "lapse_months": [18]}),
    ("公司倒闭了，断了两年", {"lapse_reason": ["employer"], "lapse_months": [24]}),
    ("我自己没交，断了90天", {"lapse_reason": ["personal"], "lapse_months": [3]}),
    ("公司去年漏交了我三个月医保", {"lapse_reason": ["employer"], "lapse_months": [3]}),
    ("广西壮族自治区来宾市，三个多月", {"province": ["广西"], "city": ["来宾"], "lapse_months": [4]}),
    ("我在广西来宾交的", {"province": ["广西"], "city": ["来宾"]}),
    ("普洱市交的医保", {"city": ["普洱"]}),
    ("月薪4500，欠了3000元", {"monthly_wage": [4500.0], "arrears": [3000.0]}),
    ("我交了15年医保，退休够吗？男，58岁", {"years_paid": [15.0], "gender": ["male"], "age": [58]}),
    ("南昌职工医保交了18年，断了半年，退休有影响吗，女的",
     {"city": ["南昌"], "insurance_type": ["employee"], "years_paid": [18.0], "lapse_months": [6],
      "gender": ["female"]}),
    ("去年8月到今年1月没交", {"lapse_months": [6], "lapse_start": ["2025-08-01"]}),
    ("三明治店打工", {}),
    ("", {}),
    # the employer's lapse around words of their own (a scheme word stays a scheme; the person's
    # 没钱交 inside 公司没钱交 is the company's)
    ("单位医保当月没交，能用吗", {"insurance_type": ["employee"], "lapse_reason": ["employer"]}),
    ("公司没钱交医保了", {"lapse_reason": ["employer"]}),
    ("我没钱交医保了", {"lapse_reason": ["personal"]}),
    ("单位这个月没给交医保", {"lapse_reason": ["employer"]}),
    ("因公司原因没交", {"lapse_reason": ["employer"]}),
    # real questions (train rows of corpus/real_questions.tsv): the employer's lapse in words the
    # surfaces did not have
    ("单位社保漏了一个月如何补交", {"lapse_reason": ["employer"], "lapse_months": [1], "insurance_type": ["employee"]}),
    ("医保断缴住院难报销,谁来为单位失责买单?", {"lapse_reason": ["employer"]}),
    ("我所在单位由于自身原因导致我的医保断交了", {"lapse_reason": ["employer"]}),
    ("破产企业职工医疗保险可以中断吗?", {"lapse_reason": ["employer"], "insurance_type": ["employee"]}),
    ("现单位如在短期内无法办理医保,以后是否还能补交", {"lapse_reason": ["employer"]}),
    ("成都的，公司给我停了医保半年", {"city": ["成都"], "lapse_reason": ["employer"], "lapse_months": [6]}),
    # ... and words that are not the employer's lapse
    ("单位可以给灵活就业人员办理医保吗", {"insurance_type": ["flexible"]}),
    ("辞职后公司原来交的医保还能用吗", {}),
    # a transfer between schemes: the case holds the scheme the person has now
    ("职工医保怎么转居民医保", {"insurance_type": ["employee"]}),
    ("退休后居民医保可以再转为职工医保吗", {"insurance_type": ["resident"]}),
    ("我有职工医保，也交了居民医保", {"insurance_type": ["employee", "resident"]}),
    # the insured person named instead of the scheme; a scheme the person says is not theirs
    ("职工如何补交医疗保险", {"insurance_type": ["employee"]}),
    ("小孩医保什么时候交", {"insurance_type": ["resident"], "resident_group": ["student_child"]}),
    ("我是居民医保，不是职工", {"insurance_type": ["resident"]}),
    ("不是职工医保，是新农合", {"insurance_type": ["resident"]}),
])
def test_normalized_entities(pipeline, text, expected):
    assert values(pipeline(text)) == expected


def test_value_types_fill_slots_without_parsing(pipeline):
    message = pipeline("南昌，公司没给我交，断了四五个月，工资3千块，逾期20天")
    ents = {e["entity"]: e for e in message.get("entities")}
    assert type(ents["lapse_months"]["value"]) is int and ents["lapse_months"]["value"] == 5
    assert type(ents["monthly_wage"]["value"]) is float and ents["monthly_wage"]["value"] == 3000.0
    assert type(ents["overdue_days"]["value"]) is int and ents["overdue_days"]["value"] == 20
    text = message.get("text")
    for e in message.get("entities"):
        assert 0 <= e["start"] < e["end"] <= len(text)
        assert e["extractor"] in ("SpacyEntityExtractor", "CaseEntityNormalizer")
    assert text[ents["city"]["start"]:ents["city"]["end"]] == "南昌"


def test_duplicates_are_removed_and_processing_is_idempotent(pipeline):
    message = pipeline("南昌，南昌市，新农合，居民医保")
    assert values(message) == {"city": ["南昌"], "insurance_type": ["resident"]}
    before = list(message.get("entities"))
    pipeline.normalizer.process([message], pipeline.model)
    assert message.get("entities") == before


def test_other_extractors_entities_are_kept_and_unknown_surfaces_dropped(pipeline):
    message = Message(data={"text": "我在火星，断了三个月", "entities": [
        {"entity": "city", "value": "火星", "start": 2, "end": 4, "extractor": "SpacyEntityExtractor"},
        {"entity": "age", "value": "45", "start": 0, "end": 1, "extractor": "RegexEntityExtractor"},
    ]})
    pipeline.normalizer.process([message], pipeline.model)
    assert values(message) == {"age": ["45"], "lapse_months": [3]}


def test_works_without_spacy_model(storage, context):
    normalizer = CaseEntityNormalizer.create({"today": TODAY}, storage, Resource("n2"), context)
    message = Message(data={"text": "江西南昌，灵活就业，断了三个月"})
    normalizer.process([message], None)
    assert values(message) == {"province": ["江西"], "city": ["南昌"],
                               "insurance_type": ["flexible"], "lapse_months": [3]}


@pytest.mark.parametrize("text", ["a" * 2000, "😀" * 500, "Hello, I need help with 医保 😀", "\n\n", "断" * 3000])
def test_odd_input_never_raises(pipeline, text):
    message = pipeline(text)
    assert isinstance(message.get("entities"), list)


def test_entity_cases_file(pipeline):
    """tests/entity_cases.yml (the lead's evaluation cases) through the rule-based part."""
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parents[1] / "entity_cases.yml"
    if not path.exists():
        pytest.skip("tests/entity_cases.yml not present")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert str(data.get("today")) == TODAY
    wrong = []
    for case in data["cases"]:
        got = values(pipeline(case["text"]))
        for name, want in (case.get("entities") or {}).items():
            vals = got.get(name, [])
            if len(set(vals)) != 1 or (vals[0] != want and not (
                    isinstance(want, (int, float)) and isinstance(vals[0], (int, float))
                    and float(vals[0]) == float(want))):
                wrong.append((case["text"], name, want, vals))
    assert not wrong, wrong
