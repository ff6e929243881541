"""The generated spaCy zh pipeline (EntityRuler) and jieba dictionary."""
import json

import pytest

from nlu.entries import ambiguous_city_names, load_divisions, place_entries, surface_map


def ents(nlp, text):
    return {(e.label_, e.ent_id_) for e in nlp(text).ents}


def test_build_outputs_and_is_idempotent(built_assets, build_module):
    out = built_assets["out"]
    assert (out / "zh_pipeline" / "meta.json").is_file()
    assert (out / "jieba_dict" / "userdict.txt").is_file()
    assert list((out / "jieba_dict").iterdir()) == [out / "jieba_dict" / "userdict.txt"]
    meta = json.loads((out / "zh_pipeline" / "meta.json").read_text(encoding="utf-8"))
    assert meta["lang"] == "zh"
    before = (out / "jieba_dict" / "userdict.txt").read_text(encoding="utf-8")
    build_module.build(out)  # second run replaces, does not duplicate
    assert (out / "jieba_dict" / "userdict.txt").read_text(encoding="utf-8") == before
    assert built_assets["stats"]["seconds"] < 30


def test_rasa_spacynlp_can_load_the_folder(built_assets):
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    model = SpacyNLP.load_model(str(built_assets["pipeline"]))
    SpacyNLP.ensure_proper_language_model(model.model)
    assert model.model.lang == "zh"
    assert "entity_ruler" in model.model.pipe_names


@pytest.mark.parametrize("text,expected", [
    ("北京市的职工医保", {("city", "北京"), ("insurance_type", "employee")}),
    ("我在江西南昌", {("province", "江西"), ("city", "南昌")}),
    ("南昌市", {("city", "南昌")}),
    ("江西省", {("province", "江西")}),
    ("广西壮族自治区", {("province", "广西")}),
    ("内蒙古自治区呼和浩特市", {("province", "内蒙古"), ("city", "呼和浩特")}),
    ("老家的新农合", {("insurance_type", "resident")}),
    ("我是个体户", {("insurance_type", "flexible")}),
    ("以个人身份参保", {("insurance_type", "flexible")}),
    ("城乡居民医保", {("insurance_type", "resident")}),
    ("公司倒闭了", {("lapse_reason", "employer")}),
    ("公司没给我交", {("lapse_reason", "employer")}),
    ("我自己没交", {("lapse_reason", "personal")}),
    ("吉林市和吉林省", {("city", "吉林"), ("province", "吉林")}),
    ("大理州", {("city", "大理")}),
    ("福建三明的医保", {("city", "三明")}),
    ("三明治很好吃", set()),
    ("来宾要喝茶", set()),
    ("", set()),
    ("I live in 上海 😀", {("city", "上海")}),
])
def test_ruler_entities(any_nlp, text, expected):
    assert ents(any_nlp, text) == expected


def _prefecture_cities():
    amb = set(ambiguous_city_names())
    out = []
    for prov_full, prov in load_divisions().items():
        if prov_full in ("台湾省", "香港特别行政区", "澳门特别行政区"):
            continue
        for city_full, city in prov.items():
            if city_full.startswith("_") or "直辖" in city_full:
                continue
            out.append((prov.get("_alias"), city_full, city.get("_alias") or []))
    return out, amb


@pytest.mark.parametrize("template", ["我在{}交的医保", "{}的居民医保断了"])
def test_every_prefecture_city_full_name_is_recognized(any_nlp, template):
    cities, _ = _prefecture_cities()
    assert len(cities) > 330  # jionlp lists ~340 prefecture-level units on the mainland
    smap = surface_map()
    missing = []
    for _prov, city_full, _aliases in cities:
        label, value = smap[city_full]
        assert label == "city"
        text = template.format(city_full)
        doc = any_nlp(text)
        ok = any(e.label_ == "city" and e.ent_id_ == value and city_full in text[e.start_char:e.end_char + 1]
                 for e in doc.ents)
        if not ok:
            missing.append((city_full, [t.text for t in doc], [(e.text, e.ent_id_) for e in doc.ents]))
    assert not missing, missing[:10]


def test_sample_of_short_city_names(any_nlp):
    nlp = any_nlp
    cities, amb = _prefecture_cities()
    smap = surface_map()
    sample = [c for c in cities][::5]
    assert len(sample) >= 60
    checked = 0
    for _prov, city_full, aliases in sample:
        label, value = smap[city_full]
        if value in amb or not aliases:
            continue
        doc = nlp(f"我在{aliases[0]}断缴了")
        assert ("city", value) in {(e.label_, e.ent_id_) for e in doc.ents}, (city_full, aliases)
        assert "市" not in value or value == "吉林"
        checked += 1
    assert checked >= 50


def test_userdict_keeps_entity_words_whole(built_assets):
    import jieba

    words = (built_assets["jieba_dict"] / "userdict.txt").read_text(encoding="utf-8").split("\n")
    entries = {line.split(" ")[0] for line in words if line}
    assert {"南昌", "新农合", "灵活就业", "公司没交", "广西壮族自治区"} <= entries
    assert "三明" not in entries and "来宾" not in entries  # ambiguous bare names stay out
    seg = jieba.Tokenizer()
    seg.load_userdict(str(built_assets["jieba_dict"] / "userdict.txt"))
    assert "新农合" in seg.lcut("老家新农合断了")
    assert "公司没给我交" in seg.lcut("公司没给我交社保")


def test_place_entries_come_from_division_data():
    entries = place_entries()
    provinces = {e.value for e in entries if e.label == "province"}
    assert {"江西", "广东", "广西", "内蒙古", "新疆", "西藏", "黑龙江"} <= provinces
    assert "北京" not in provinces  # municipalities are cities
    cities = {e.value for e in entries if e.label == "city"}
    assert {"北京", "上海", "天津", "重庆", "南昌", "赣州", "深圳", "乌鲁木齐"} <= cities
    assert not any(v.endswith("市") for v in cities)
