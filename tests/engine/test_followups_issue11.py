"""Issue 11 follow-ups as a user meets them (today 2026-12-01): the level line says whether local
data is missing or only unverified, national rules cite national sources, a local article cited
for another city is named as an example, an employer that no longer exists gets advice that works
without it, and 「今年交了」 with no date is not silently read as a payment made today."""
import datetime as dt

import pytest

from policy_engine import Case, answer, params

TODAY = dt.date(2026, 12, 1)
EMPLOYER = Case(insurance_type="employee", lapse_reason="employer", lapse_months=3)


def level_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("（"))


# --- level line: 暂无 only when the data has nothing for the place --------------------------------

@pytest.mark.parametrize("city", ["深圳", "上海"])
def test_place_with_only_unverified_local_rows_says_unverified_not_missing(city):
    ans = answer("can_backpay", EMPLOYER.replace(city=city), today=TODAY)
    assert ans.level == "national"
    line = level_line(ans.text)
    assert line == f"（{city}的地方规定尚未核实，以下按全国通用规则）"
    assert "暂无" not in line


def test_place_without_any_local_data_still_says_there_is_none():
    ans = answer("can_backpay", EMPLOYER.replace(city="某地"), today=TODAY)
    assert level_line(ans.text) == "（暂无某地的地方数据，以下按全国通用规则）"


def test_place_with_verified_data_on_other_questions_says_so():
    # 青岛 has verified resident rows only: an employer lapse is answered with national rules.
    assert "V" in {f.status for f in params.facts().values() if f.region == "青岛"}
    ans = answer("can_backpay", EMPLOYER.replace(city="青岛"), today=TODAY)
    assert ans.level == "national"
    assert level_line(ans.text) == "（青岛的地方数据未涉及这个问题，以下按全国通用规则）"


def test_city_with_unverified_rows_under_a_province_answer():
    ans = answer("waiting_period", Case(city="南昌", insurance_type="resident", lapsed_years=(2025,)), today=TODAY)
    assert ans.level == "province"
    assert level_line(ans.text) == "（以下按江西省规定，南昌的市级规定尚未核实）"


def test_no_answer_says_no_local_data_where_the_data_has_rows():
    with_rows = {f.region for f in params.facts().values() if f.region != "全国"}
    for city in sorted(params.region_index()["cities"]):
        if city not in with_rows:
            continue
        ans = answer("can_backpay", EMPLOYER.replace(city=city), today=TODAY)
        assert f"暂无{city}的" not in ans.text, city


# --- sources: national rules cite national sources; another place's page only as an example -----

def sources_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("依据："))


NANCHANG_ARTICLE = "社保网《南昌灵活就业人员医保断交补缴流程》"


@pytest.mark.parametrize("city", ["上海", "深圳"])
def test_employer_case_elsewhere_cites_the_law_first_and_nanchang_only_as_an_example(city):
    line = sources_line(answer("can_backpay", EMPLOYER.replace(city=city), today=TODAY).text)
    assert line.startswith("依据：《社会保险法》第八十六条")
    assert f"{NANCHANG_ARTICLE}2025-05-09（南昌的例子）" in line


def test_nanchang_article_is_cited_plainly_for_nanchang_and_beijing_gets_its_own():
    nanchang = sources_line(answer("can_backpay", Case(city="南昌", insurance_type="employee",
                                                       lapse_reason="personal", lapse_months=5), today=TODAY).text)
    assert f"{NANCHANG_ARTICLE}2025-05-09" in nanchang and "的例子" not in nanchang
    beijing = sources_line(answer("can_backpay", EMPLOYER.replace(city="北京"), today=TODAY).text)
    assert NANCHANG_ARTICLE not in beijing and "社保网《北京医保断交补缴需要哪些材料》" in beijing


def test_no_answer_cites_a_local_page_for_another_place_without_saying_so():
    local_titles = {}
    for info in params.facts().values():
        for ref in info.references:
            if ref.region:
                local_titles[ref.title] = ref.region
    assert NANCHANG_ARTICLE + "2025-05-09" in local_titles
    cases = [EMPLOYER, EMPLOYER.replace(lapse_reason="personal", lapse_months=5),
             Case(insurance_type="flexible", lapse_months=2), Case(insurance_type="resident", lapsed_years=(2025,))]
    for city in ("上海", "深圳", "广州", "某地", "南昌", "北京"):
        for case in cases:
            for topic in ("can_backpay", "waiting_period", "how_to_backpay", "late_fee"):
                line = sources_line(answer(topic, case.replace(city=city), today=TODAY).text)
                for title, region in local_titles.items():
                    for cited in line[len("依据："):].split("；"):
                        if cited.startswith(title) and region != city:
                            assert cited == f"{title}（{region}的例子）", (city, topic, cited)
