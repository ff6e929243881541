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


# --- an employer that no longer exists -------------------------------------------------------

GONE = EMPLOYER.replace(city="上海", lapse_months=5, employer_gone=True)


@pytest.mark.parametrize("topic", ["can_backpay", "how_to_backpay"])
def test_gone_employer_is_not_told_to_ask_the_employer(topic):
    text = answer(topic, GONE, today=TODAY).text
    assert "要求单位办理" not in text and "单位不办的" not in text
    assert "破产管理人" in text and "劳动保障监察部门" in text
    assert "灵活就业身份参加职工医保，或参加居民医保" in text
    assert "一般做法" in text  # guidance the data does not cite is labelled as such
    assert "《企业破产法》第一百一十三条" in sources_line(text)


def test_gone_employer_advice_is_only_for_an_employer_lapse():
    for case in (GONE.replace(employer_gone=None), GONE.replace(employer_gone=False),
                 GONE.replace(lapse_reason="personal"), GONE.replace(insurance_type="flexible", lapse_reason=None)):
        text = answer("how_to_backpay", case, today=TODAY).text
        assert "破产管理人" not in text, case
    kept = answer("how_to_backpay", GONE.replace(employer_gone=None), today=TODAY).text
    assert "您可以要求单位办理" in kept


def test_gone_employer_materials_do_not_say_the_employer_handles_it():
    text = answer("materials", GONE, today=TODAY).text
    assert "由单位办理补缴" not in text and "劳动关系证明" in text


# --- 「今年交了」 with no date ---------------------------------------------------------------------

MOTHER = Case(city="南昌", insurance_type="resident", lapsed_years=(2025,), age=60, lapse_months=12)


def test_paid_this_year_without_a_date_in_december_gives_both_readings_and_asks_the_date():
    ans = answer("waiting_period", MOTHER.replace(payment_year=2026), today=TODAY)
    first = ans.text.splitlines()[0]
    # just paid, 2027: 2025 and 2026 (not mentioned, and not the payment made) are unpaid, 3 + 1 months
    assert first.startswith("要看交的是哪个年度：如果是刚交的2027年度，等待期4个月，预计2027年5月1日起可以报销。")
    assert "如果是今年早些时候交的2026年度，等待期从缴费日期算。" in first
    assert "按今天（2026年12月1日）缴费计算" not in ans.text  # not silently the only reading
    assert "如果是刚交的（按今天2026年12月1日缴费计算），买的是2027年度" in ans.text
    assert "如果是今年早些时候交的2026年度：集中参保期过后才交的，一般从缴费之日起等3个月才能报销" in ans.text
    assert "是哪天交的？" in ans.text
    assert ans.figures["undated_readings"] == [2026, 2027]
    verdict = answer("can_backpay", MOTHER.replace(payment_year=2026), today=TODAY).text.splitlines()[0]
    assert "现在缴费买的是" not in verdict and "要看交的是哪个年度" in verdict


def test_an_explicit_date_still_gives_one_computed_answer():
    ans = answer("waiting_period", MOTHER.replace(payment_year=2026, payment_date=dt.date(2026, 3, 10)), today=TODAY)
    assert ans.text.splitlines()[0] == "等待期3个月，预计2026年6月10日起可以报销。"
    assert "2026年3月10日缴费，买的是2026年度" in ans.text
    assert "如果是" not in ans.text and "是哪天交的" not in ans.text


def test_without_paid_words_paying_today_is_the_reading_as_before():
    ans = answer("waiting_period", MOTHER, today=TODAY)
    assert ans.text.splitlines()[0] == "等待期4个月，预计2027年5月1日起可以报销。"
    assert "您说的2025年度，加上之后没有提到的2026年度（按也没交计算），共2个年度" in ans.text
    assert "如果2026年度交了：2027年度属于连续参保，不设等待期，预计2027年1月1日起可以报销。" in ans.text
    assert "按今天（2026年12月1日）缴费计算，买的是2027年度" in ans.text and "是哪天交的" not in ans.text


def test_paid_this_year_when_only_this_years_nianDu_is_on_sale_asks_the_date_only():
    ans = answer("waiting_period", MOTHER.replace(payment_year=2026), today=dt.date(2026, 5, 20))
    assert "要看交的是哪个年度" not in ans.text
    assert "按今天（2026年5月20日）缴费计算，买的是2026年度" in ans.text and "是哪天交的？" in ans.text


def test_gone_employer_amount_does_not_offer_wage_deduction():
    case = Case(city="深圳", insurance_type="employee", lapse_reason="employer", lapse_months=2, employer_gone=True)
    text = answer("backpay_amount", case, today=TODAY).text
    assert "补缴2个月共 1076.32 元" in text  # the figures stay
    assert "从工资中代扣" not in text and "破产管理人" in text
    assert "从工资中代扣" in answer("backpay_amount", case.replace(employer_gone=None), today=TODAY).text


def test_amount_for_a_city_with_past_figures_only_says_how_far_the_data_goes():
    ans = answer("backpay_amount", Case(city="杭州", insurance_type="employee", lapse_reason="personal",
                                        lapse_months=3), today=TODAY)
    assert ans.text.startswith("杭州的缴费基数和费率只收录到2025年12月31日，断缴月份所属年度的还没有收录")
    nothing = answer("backpay_amount", Case(city="某地", insurance_type="employee", lapse_months=3), today=TODAY)
    assert nothing.text.startswith("暂无当地的缴费基数和费率数据")


@pytest.mark.parametrize("years, wait, first_day, gap", [
    ((2024,), 5, "2027年6月1日", "2025年度、2026年度"),   # 2024年没交, said in December 2026
    ((2026,), 3, "2027年4月1日", None),                  # 今年没交: nothing in between
    ((2024, 2025, 2026), 5, "2027年6月1日", None),       # every year named
])
def test_a_named_past_year_counts_the_years_after_it_and_says_so(years, wait, first_day, gap):
    case = Case(city="成都", insurance_type="resident", lapsed_years=years)
    ans = answer("waiting_period", case, today=TODAY)
    assert ans.text.splitlines()[0] == f"等待期{wait}个月，预计{first_day}起可以报销。"
    if gap:
        assert f"加上之后没有提到的{gap}（按也没交计算）" in ans.text
        assert "如果2026年度交了：2027年度属于连续参保" in ans.text and ans.figures["wait_months_if_gap_paid"] == 0
    else:
        assert "没有提到" not in ans.text and "gap_years" not in ans.figures


@pytest.mark.parametrize("city, regional", [("南昌", "江西：新生儿90天内参保"), ("成都", None)])
def test_a_newborn_is_not_asked_for_a_lapse_and_has_no_waiting_period(city, regional):
    from policy_engine import required_fields

    case = Case(city=city, insurance_type="resident", newborn=True, resident_group="student_child")
    assert not required_fields("waiting_period", case)
    ans = answer("waiting_period", case, today=TODAY)
    assert ans.text.splitlines()[0] == "新生儿参保不设等待期：在当地规定的时限内为孩子办理居民医保参保缴费即可，不用等待。"
    assert "未缴费的年度" not in ans.text and "等待期共" not in ans.text
    assert "国办发〔2024〕38号" in ans.text
    if regional:
        assert regional in ans.text and "来自非官方转载" in ans.text  # J3 is S
    else:
        assert "江西" not in ans.text
