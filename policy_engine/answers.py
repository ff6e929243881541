"""Turn a Case into the Chinese answer for one topic (verdict, figures with formula, conditions,
sources, warning). Pure functions over the calculators' result objects."""
from __future__ import annotations

import datetime as _dt
from typing import Callable, Optional

from . import params
from .calc.amount import employee_amount, resident_amount
from .calc.eligibility import eligibility
from .calc.incentive import incentive
from .calc.late_fee import late_fee
from .calc.money import pct, plain, yuan
from .calc.retirement import retirement
from .calc.waiting import enrol_year_for, lapse_years_from_months, resident_wait, window_for
from .case import Case
from .compose import Answer, Composer
from .dates import lapsed_months, ym, ymd
from .topics import TOPICS, required_fields
from .validation import check_case

TYPE_NAMES = {"employee": "职工医保", "flexible": "灵活就业（职工医保）", "resident": "居民医保"}

FOLLOW_UPS: dict[str, tuple[tuple[str, str], ...]] = {
    "can_backpay": (("补缴要多少钱", "/ask_backpay_amount"), ("多久能报销", "/ask_waiting_period"),
                    ("需要什么材料", "/ask_materials")),
    "backpay_amount": (("有滞纳金吗", "/ask_late_fee"), ("怎么补缴", "/ask_how_to_backpay")),
    "late_fee": (("补缴要多少钱", "/ask_backpay_amount"),),
    "waiting_period": (("怎么补缴", "/ask_how_to_backpay"), ("报销额度受影响吗", "/ask_incentive")),
    "lapse_impact": (("还能补吗", "/ask_can_backpay"), ("以前白交了吗", "/ask_paid_lost")),
    "paid_lost": (("还能补吗", "/ask_can_backpay"), ("缴费年限怎么算", "/ask_contribution_years")),
    "materials": (("怎么补缴", "/ask_how_to_backpay"),),
    "how_to_backpay": (("需要什么材料", "/ask_materials"), ("补缴要多少钱", "/ask_backpay_amount")),
    "personal_account": (("断缴有什么影响", "/ask_lapse_impact"),),
    "contribution_years": (("退休要交满多少年", "/ask_retirement_years"),),
    "retirement_years": (("缴费年限怎么算", "/ask_contribution_years"),),
    "resident_enrollment": (("多久能报销", "/ask_waiting_period"),),
    "refund": (("转人工", "/human_handoff"),),
    "switch_scheme": (("多久能报销", "/ask_waiting_period"), ("补缴要多少钱", "/ask_backpay_amount")),
    "incentive": (("断缴有什么影响", "/ask_lapse_impact"),),
}


def _static(c: Composer, case: Case, topic: str, with_verdict: bool = True) -> None:
    """Add the matching sections of data/texts.yaml for this topic."""
    effective = dict(case.known())
    effective["city"] = c.chain.city
    effective["province"] = c.chain.province
    for section in params.load_texts().get(topic, ()):
        when = section.get("when") or {}
        shown = True
        for key, allowed in when.items():
            value = effective.get(key)
            if value is None:
                shown = shown and bool(section.get("unknown"))
            elif value not in allowed:
                shown = False
        if not shown:
            continue
        if with_verdict and section.get("verdict") and not c.verdict:
            c.verdict = section["verdict"]
        for text in section.get("lines") or ():
            c.bullet(text)
        c.use_facts(section.get("facts") or ())


# --- computed topics -------------------------------------------------------------------------------

def _can_backpay(c: Composer, case: Case, today: _dt.date):
    e = eligibility(c.chain, today, case.insurance_type, case.lapse_reason, case.lapse_months,
                    case.switching_scheme, case.continuous_years)
    c.use(e.used)
    m = case.lapse_months
    lim = e.short_limit
    c.figures.update({"rule": e.rule, "can_backpay": e.can_backpay, "benefits_from": e.benefits_from,
                      "gap_covered": e.gap_covered, "continuity_kept": e.continuity_kept})
    if e.wait_months is not None:
        c.figures["wait_months_min"], c.figures["wait_months_max"] = e.wait_months
    if e.rule == "switch_short":
        c.verdict = f"可以补缴：转换参保、中断{m}个月（{lim}个月以内），补缴后缴费当月即可报销，不设等待期。"
        c.bullet(f"条件：此前连续参保满{case.continuous_years}年（需2年及以上），中断不超过{lim}个月。")
        c.bullet("按转入地规定补缴中断期间的费用，中断期间视为连续参保。")
    elif e.rule == "switch_long":
        c.verdict = f"可以在新险种参保，但不满足“连续参保满2年且中断{lim}个月以内”，可能有最长{e.wait_months[1]}个月的等待期。"
        c.bullet("连续参保年限一般从新参保时重新计算。")
    elif e.rule == "switch_unknown":
        c.verdict = "转换参保一般可以补缴；是否有等待期，取决于此前是否连续参保满2年、中断是否在3个月以内。"
        c.bullet("两项都满足：缴费当月享受待遇；否则可能有最长6个月等待期。")
    elif e.rule == "resident":
        c.verdict = "居民医保按年度缴费，过去的年度一般不能补缴；现在参保会有等待期。"
        _resident_wait_lines(c, case, today)
    elif e.rule == "flexible_regional_short":
        c.verdict = f"可以补缴：断缴{m}个月（{lim}个月以内）足额补缴后视为连续参保，断缴期间的医疗费也能报销。"
    elif e.rule == "flexible_regional_long":
        c.verdict = f"断缴{m}个月超过{lim}个月，按首次参保办理：不算连续，要等{e.wait_months[0]}个月才能报销。"
        c.bullet(f"{lim}个月以内足额补缴才视为连续参保。")
    elif e.rule == "flexible_regional_unknown":
        c.verdict = f"灵活就业断缴{lim}个月以内可以足额补缴、视为连续；超过{lim}个月按首次参保，等待{e.wait_months[1]}个月。"
    elif e.rule == "flexible_short":
        c.verdict = f"一般可以补缴：灵活就业断缴{m}个月（{lim}个月以内），多数地方允许补缴近期费用。"
        c.bullet("补缴后一般次月恢复待遇；也有地方不允许灵活就业补缴，需先确认。")
    elif e.rule == "flexible_long":
        c.verdict = f"断缴{m}个月超过{lim}个月：灵活就业因个人原因断缴，多数地方不能补缴，只能按新参保办理。"
        c.bullet("新参保一般有等待期，连续参保年限重新计算；已交的钱和累计年限不会作废。")
    elif e.rule == "flexible_unknown":
        c.verdict = f"灵活就业断缴{lim}个月以内一般可以补缴；超过{lim}个月多数地方不能补缴，需按新参保办理。"
    elif e.rule == "employee_employer":
        c.verdict = "可以，而且应由单位补缴：单位补缴后，断缴期间的医疗费可以追溯报销，您个人不承担滞纳金。"
        c.bullet("单位欠缴要按日加收万分之五的滞纳金，由单位承担。")
        c.bullet("单位不办的，可以带劳动合同、工资记录向当地医保局或劳动监察部门反映。")
    elif e.rule == "employee_short":
        c.verdict = f"可以补缴：断缴{m}个月属于{lim}个月以内，补缴后次月恢复待遇，连续参保年限不中断。"
        c.bullet(f"“{lim}个月以内”含正好{lim}个月；断缴期间发生的医疗费一般不能报销，尽快补缴。")
    elif e.rule == "employee_long":
        lo, hi = e.wait_months
        c.verdict = f"多数地方可以补缴，但断缴{m}个月超过{lim}个月：补缴后可能要等{lo}-{hi}个月才恢复报销，连续参保年限重新计算。"
        c.bullet("等待期内的医疗费不能报销；已交的钱和累计缴费年限不受影响。")
        c.bullet("各地对能补几个月、等待多久规定不同，补缴前先向当地确认。")
    else:
        c.verdict = f"一般可以补缴，结果取决于参保类型、断缴原因和时长。"
        c.bullet(f"职工医保断缴{lim}个月以内：补缴后次月恢复待遇，年限连续。")
        c.bullet(f"超过{lim}个月：多数地方可补，但有1-6个月等待期，连续年限重新计算。")
        c.bullet("单位原因断缴：由单位补缴并承担滞纳金。灵活就业个人原因断缴较久的，常需按新参保。")
    if c.chain.province == "江西" and case.switching_scheme:
        c.bullet("江西：职工医保中断3个月以内、90天内参加居民医保的，不受集中缴费期和等待期限制。")
        c.use_facts(["J3"])
    return e


def _waiting_verdict(e) -> Optional[str]:
    if e.benefits_from == "payment_month":
        return "补缴后缴费当月即可报销，不设等待期。"
    if e.benefits_from == "next_month":
        return "补缴后一般次月恢复报销，没有等待期。"
    if e.benefits_from == "gap_reimbursed":
        return "足额补缴后不用等待，断缴期间的医疗费也能报销。"
    if e.benefits_from == "after_wait" and e.wait_months:
        lo, hi = e.wait_months
        if lo == hi:
            return f"需要等待{hi}个月才能报销。"
        if lo == 0:
            return f"可能有最长{hi}个月的等待期。"
        return f"补缴后可能要等{lo}-{hi}个月才能恢复报销。"
    if e.benefits_from == "after_wait":
        return "需按新参保办理，一般有等待期（各地不同），连续参保年限重新计算。"
    return None


def _amount_employee(c: Composer, case: Case, today: _dt.date) -> None:
    itype = case.insurance_type or "employee"
    months = case.lapse_months or 1
    r = employee_amount(c.chain, itype, months, today, case.monthly_wage)
    c.use(r.used)
    flexible = itype == "flexible"
    if flexible:
        c.use_facts(["B4"] if c.chain.city == "北京" else ["N12"])
    if r.groups:
        for g in r.groups:
            span = ym(g.first) if g.first == g.last else f"{ym(g.first)}-{ym(g.last)}"
            base_note = {"lowest": "未提供工资，按最低缴费基数", "floor": "工资低于下限，按下限",
                         "ceiling": "工资高于上限，按上限", "wage": "按您的工资"}[g.base_rule]
            c.bullet(f"{span}（{g.months}个月）：{base_note} {yuan(g.base)} 元")
            fixed = f" + {plain(g.individual_fixed)} 元" if g.individual_fixed else ""
            c.line(f"  个人 {yuan(g.base)} 元 × {pct(g.individual_rate)}{fixed} = {yuan(g.individual)} 元/月")
            c.line(f"  单位 {yuan(g.base)} 元 × {pct(g.employer_rate)} = {yuan(g.employer)} 元/月")
        c.figures.update({"individual_monthly": float(r.groups[-1].individual),
                          "employer_monthly": float(r.groups[-1].employer),
                          "base": float(r.groups[-1].base), "months": len(lapsed_months(today, months)),
                          "individual_total": float(r.individual_total),
                          "employer_total": float(r.employer_total), "total": float(r.total)})
    if case.lapse_months is None and r.groups:
        c.verdict = f"补缴1个月约需 {yuan(r.total)} 元（个人 {yuan(r.individual_total)} 元 + 单位 {yuan(r.employer_total)} 元），按断缴月数累加。"
    elif r.exact and flexible:
        c.verdict = f"估算补缴{months}个月共约 {yuan(r.total)} 元，灵活就业由本人全部缴纳。"
    elif r.exact:
        c.verdict = f"补缴{months}个月共 {yuan(r.total)} 元：个人 {yuan(r.individual_total)} 元，单位 {yuan(r.employer_total)} 元。"
    if r.groups and case.lapse_months is not None:
        c.bullet(f"合计：个人 {yuan(r.individual_total)} 元 + 单位 {yuan(r.employer_total)} 元 = {yuan(r.total)} 元")
    if r.groups and flexible:
        c.bullet("灵活就业的医保费率未查到官方文本，以上按职工费率（个人+单位）估算，实际以当地核定为准。")
    if r.groups and not flexible and case.lapse_reason == "employer":
        c.bullet("单位原因断缴：由单位补缴（个人部分可从工资中代扣），滞纳金由单位承担。")
    if r.unknown_months:
        n = len(r.unknown_months)
        if r.groups:
            c.bullet(f"另有{n}个月（{ym(r.unknown_months[0])}起）的缴费基数未收录，未计入合计。")
            known = sum(g.months for g in r.groups)
            c.verdict = (f"已收录年度的{known}个月共 {yuan(r.total)} 元；另有{n}个月的缴费基数未收录，"
                         "无法算出这部分金额。")
            c.figures["exact"] = False
        else:
            c.verdict = "暂无当地的缴费基数和费率数据，无法算出准确金额，下面给出计算方法。"
            c.bullet("补缴金额 = 断缴月数 × 月缴费基数 × 费率")
            if r.base_ratio_range:
                lo, hi = r.base_ratio_range
                c.bullet(f"缴费基数：当地上年度职工月平均工资的{pct(lo)}-{pct(hi)}")
            if r.individual_rate is not None and r.employer_rate_range:
                elo, ehi = r.employer_rate_range
                c.bullet(f"费率：个人{pct(r.individual_rate)}，单位{pct(elo)}-{pct(ehi)}（各地确定）")
                if case.monthly_wage is not None:
                    w = case.monthly_wage
                    c.bullet(f"按月工资 {yuan(w)} 元粗算（未核对当地基数上下限）：个人约 {yuan(w)} × "
                             f"{pct(r.individual_rate)} = {yuan(float(w) * float(r.individual_rate))} 元/月，"
                             f"单位约 {yuan(float(w) * float(elo))}-{yuan(float(w) * float(ehi))} 元/月")
            if c.chain.province == "江西":
                c.use_facts(["J7"])
                c.bullet("江西的职工医保缴费基数和费率未查到官方数据。")
            c.bullet("请向当地医保局询问：本年度缴费基数上下限、单位和个人费率、最多能补几个月。")
            c.figures["exact"] = False
    else:
        c.figures["exact"] = True


def _amount_resident(c: Composer, case: Case, today: _dt.date) -> None:
    years = sorted({m.year for m in lapsed_months(today, case.lapse_months)}) if case.lapse_months else []
    enrol_year = today.year + 1 if today.month >= 9 else today.year
    years = tuple(sorted(set(years) | {enrol_year}))[-3:]
    r = resident_amount(c.chain, years)
    c.use(r.used)
    known = [y for y in r.years if y.premiums]
    for y in r.years:
        if y.premiums:
            c.bullet(f"{y.year}年度：" + "，".join(f"{label}{yuan(v)}元/年" for label, v in y.premiums))
        else:
            c.bullet(f"{y.year}年度：缴费标准尚未公布或未收录")
        for label, v in y.premiums:
            c.figures[f"premium_{y.year}_{label}"] = float(v)
    latest = known[-1] if known else None
    if latest is not None:
        label, value = latest.premiums[0]
        c.verdict = f"居民医保按年度缴费，不按月补缴：{latest.year}年度{label}{yuan(value)}元/年。"
    else:
        c.verdict = "居民医保按年度缴费，不按月补缴；当地本年度缴费标准未收录。"
    c.bullet("过去的年度一般不能补缴；多缴往年费用（按当年个人缴费标准）可缩短变动等待期。")


def _backpay_amount(c: Composer, case: Case, today: _dt.date) -> None:
    if case.insurance_type == "resident":
        _amount_resident(c, case, today)
    else:
        _amount_employee(c, case, today)
        if case.insurance_type is None:
            c.bullet("以上按职工医保计算；居民医保是按年度缴固定金额。")
        elif case.lapse_months is not None:
            # People asking the price also need to know when paying restores their benefits.
            e = eligibility(c.chain, today, case.insurance_type, case.lapse_reason, case.lapse_months,
                            case.switching_scheme, case.continuous_years)
            when = _waiting_verdict(e)
            if when:
                c.use(e.used)
                c.bullet("待遇恢复：" + when)


def _late_fee(c: Composer, case: Case, today: _dt.date) -> None:
    c.use_facts(["N10"])
    if case.arrears is not None and case.overdue_days is not None:
        r = late_fee(c.chain, case.arrears, case.overdue_days, today)
        c.use(r.used)
        c.verdict = f"滞纳金为 {yuan(r.fee)} 元，由用人单位承担。"
        c.bullet(f"{yuan(r.arrears)} 元 × {pct(r.daily_rate)} × {r.days} 天 = {yuan(r.fee)} 元")
        c.bullet(f"从欠缴之日起按日计算；逾期仍不缴纳的，另处欠缴数额1-3倍罚款：{yuan(r.fine_min)}-{yuan(r.fine_max)} 元。")
        c.figures.update({"late_fee": float(r.fee), "fine_min": float(r.fine_min), "fine_max": float(r.fine_max),
                          "daily_rate": float(r.daily_rate), "days": r.days, "arrears": float(r.arrears)})
    else:
        rate = c.chain.get("late_fee_daily_rate", today)
        c.use([rate])
        c.verdict = "单位欠缴医保费要交滞纳金：欠缴金额 × 万分之五 × 逾期天数，由用人单位承担。"
        example = late_fee(c.chain, 3000, 90, today)
        c.bullet(f"例如欠缴3000元、逾期90天：{yuan(example.arrears)} 元 × {pct(example.daily_rate)} × "
                 f"{example.days} 天 = {yuan(example.fee)} 元。")
        c.bullet("逾期仍不缴纳的，处欠缴数额1-3倍罚款。")
    c.bullet("个人（如灵活就业）：法律只规定了单位的滞纳金；平顶山等地对欠费3个月以内的个人也收，其他地方未核实。")


def _resident_wait_lines(c: Composer, case: Case, today: _dt.date) -> None:
    lapse_years = lapse_years_from_months(case.lapse_months) if case.lapse_months else 0
    if case.payment_date is not None:
        year, in_window, window, wfound = enrol_year_for(c.chain, case.payment_date)
        c.use([wfound])
    else:
        year = today.year + 1
        window, wfound = window_for(c.chain, year)
        in_window = True
        c.use([wfound])
    r = resident_wait(c.chain, lapse_years, year, in_window, case.payment_date, window=window)
    c.use(r.used)
    c.figures.update({"wait_months": r.total, "benefits_from": r.benefits_from.isoformat(),
                      "lapse_years": r.lapse_years, "enrol_year": r.enrol_year, "in_window": r.in_window})
    when = f"{ymd(case.payment_date)}缴费" if case.payment_date else f"在{year}年度集中参保期缴费"
    c.bullet(f"{when}（{'在' if r.in_window else '不在'}集中参保期内），断缴{r.lapse_years}年：")
    if not r.window.known:
        c.line("  当地集中参保期未收录，按“年度开始（1月1日）前缴费视为期内”估算")
    if r.next_day_rule:
        c.line("  在集中缴费期内缴费，不设固定等待期")
    else:
        c.line(f"  固定等待期 {r.fixed} 个月")
    if r.variable_before_repair or r.lapse_years > 1:
        formula = "断缴年数-1" if r.counting == "years_minus_one" else "断缴年数"
        c.line(f"  变动等待期（{formula}）× 1 = {r.variable_before_repair} 个月")
    if r.floor:
        c.line(f"  连续断缴4年及以上，等待期不少于 {r.floor} 个月")
    start = "缴费次日" if r.next_day_rule and r.start_from != _dt.date(year, 1, 1) else ymd(r.start_from)
    c.bullet(f"等待期共 {r.total} 个月，从{start}起算，预计 {ymd(r.benefits_from)} 起可以报销。")
    if r.variable_before_repair:
        premium = c.chain.get("resident_premium_min", _dt.date(year, 1, 1))
        price = f"（{year}年度每年{yuan(premium.value)}元）" if premium else ""
        c.use([premium])
        c.bullet(f"缴费修复：每多缴1年{price}可减少1个月变动等待期" +
                 ("，但修复后不少于6个月。" if r.floor else "。"))
    c.verdict = f"等待期 {r.total} 个月，预计 {ymd(r.benefits_from)} 起可以报销。"


def _waiting_period(c: Composer, case: Case, today: _dt.date) -> None:
    if case.insurance_type == "resident" and not case.switching_scheme:
        _resident_wait_lines(c, case, today)
        if case.lapse_months is None:
            c.bullet("以上按未断缴估算；如有断缴年数，每多断1年再加1个月。")
        if c.chain.province == "江西":
            c.bullet("江西：新生儿90天内参保、退役3个月内、职工医保中断3个月以内90天内转居民医保等，不设等待期。")
            c.use_facts(["J3"])
        return
    e = _can_backpay(c, case, today)
    verdict = _waiting_verdict(e)
    c.verdict = verdict or "恢复报销的时间取决于参保类型和断缴时长：职工医保3个月以内一般次月恢复，超过3个月可能等1-6个月。"
    if case.insurance_type is None and not case.switching_scheme:
        c.bullet("居民医保：错过集中参保期或断缴的，有3个月固定等待期，每多断1年加1个月。")
        c.use_facts(["N1", "N2"])


def _retirement_years(c: Composer, case: Case, today: _dt.date) -> None:
    if case.gender is None or case.years_paid is None:
        c.verdict = "退休时职工医保要达到当地规定的缴费年限，不足的可以补缴到规定年限。"
        r_m = retirement(c.chain, "male", 0, today)
        r_f = retirement(c.chain, "female", 0, today)
        c.use(r_m.used + r_f.used)
        if r_m.options and r_f.options:
            males = "或".join(str(o.required) for o in r_m.options)
            females = "或".join(str(o.required) for o in r_f.options)
            c.bullet(f"当地规定：男{males}年、女{females}年（含视同缴费年限）。")
        else:
            c.bullet("全国没有统一年限，由各地规定（如北京资料为男25年、女20年，未核实）。")
        c.bullet("达到年限的，退休后不再缴费、享受医保待遇；不足的可一次性补缴或继续缴费至规定年限。")
        return
    r = retirement(c.chain, case.gender, case.years_paid, today)
    c.use(r.used)
    who = "男性" if case.gender == "male" else "女性"
    if not r.options:
        c.verdict = f"暂无当地退休医保缴费年限数据，无法计算您还差几年。"
        c.bullet("全国没有统一年限，各地多在男25-30年、女20-25年之间（含视同缴费年限），请向当地确认。")
        c.bullet(f"您已缴 {plain(r.years_paid)} 年；不足的一般可以一次性补缴至规定年限。")
        return
    first = r.options[0]
    c.figures.update({"required_years": first.required, "shortfall_years": float(first.shortfall)})
    if r.conflicting:
        parts = "；".join(f"按{o.required}年算还差{plain(o.shortfall)}年" for o in r.options)
        c.verdict = f"当地要求的年限说法不一：{parts}。"
    elif first.shortfall == 0:
        c.verdict = f"{who}需缴满{first.required}年，您已缴{plain(r.years_paid)}年，已经够了。"
    else:
        c.verdict = f"{who}需缴满{first.required}年，您已缴{plain(r.years_paid)}年，还差{plain(first.shortfall)}年。"
    for o in r.options:
        if o.lump_sum is not None and o.shortfall > 0:
            c.bullet(f"一次性补缴估算：{plain(o.shortfall)} 年 × 12 × {yuan(r.base)} 元 × {pct(r.rate)} = {yuan(o.lump_sum)} 元")
            c.figures.setdefault("lump_sum_estimate", float(o.lump_sum))
    if any(o.lump_sum is not None and o.shortfall > 0 for o in r.options):
        c.bullet("假设：按当前最低缴费基数、个人+单位费率计算，未含大额互助；实际基数和办法以当地核定为准。")
    elif any(o.shortfall > 0 for o in r.options):
        c.bullet("当地缴费基数和费率未收录，无法估算一次性补缴金额。")
    c.bullet("年限含视同缴费年限；达到年限后退休不再缴费。")


def _incentive(c: Composer, case: Case, today: _dt.date) -> None:
    years = case.continuous_years
    r = incentive(c.chain, years or 0, today, case.claim_free_years or 0)
    c.use(r.used)
    at_least = "至少" if r.step_is_minimum else ""
    if years is None:
        c.verdict = f"居民医保连续参保满{r.start_years}年后，每多连续参保1年，大病保险封顶线{at_least}提高{plain(r.continuous_step)}元。"
    else:
        c.verdict = f"您的大病保险封顶线可提高{at_least} {yuan(r.increase)} 元。"
        c.bullet(f"连续参保：({years} - {r.start_years}) 年 × {plain(r.continuous_step)} 元 = {yuan(r.continuous_step * r.rewarded_years)} 元")
        c.bullet(f"零报销：{r.claim_free_years} 年 × {plain(r.zero_claim_step)} 元 = {yuan(r.zero_claim_step * r.claim_free_years)} 元")
        c.figures.update({"increase": float(r.increase), "raw_increase": float(r.raw_increase),
                          "capped": r.capped})
    c.bullet(f"当年未报销的，次年封顶线{at_least}提高{plain(r.zero_claim_step)}元；两项合计不超过原封顶线的{pct(r.limit_rate)}，奖励用过后清零。")
    if r.original_cap is not None and years is not None:
        c.bullet(f"上限：{yuan(r.original_cap)} 元 × {pct(r.limit_rate)} = {yuan(r.limit)} 元" +
                 ("，已达上限。" if r.capped else "，未超过。"))
        c.bullet(f"封顶线：{yuan(r.original_cap)} + {yuan(r.increase)} = {yuan(r.new_cap)} 元")
        c.figures.update({"original_cap": float(r.original_cap), "new_cap": float(r.new_cap)})
    elif years is not None:
        c.bullet("当地原封顶线未收录，只能给出提高金额（不超过原封顶线的20%）。")
    c.bullet("一旦断缴，连续参保年数从头计算，已有的奖励也会清零。")
    c.use_facts(["N5"])


def _resident_enrollment(c: Composer, case: Case, today: _dt.date) -> None:
    _static(c, case, "resident_enrollment")
    year = today.year + 1 if today.month >= 9 else today.year
    for y in (year,) if year == today.year else (today.year, year):
        r = resident_amount(c.chain, (y,))
        c.use(r.used)
        p = r.years[0]
        if p.premiums:
            c.bullet(f"{y}年度个人缴费：" + "，".join(f"{label}{yuan(v)}元" for label, v in p.premiums))
            c.figures[f"premium_{y}"] = float(p.premiums[0][1])
        else:
            c.bullet(f"{y}年度缴费标准尚未公布或未收录。")
        window, wfound = window_for(c.chain, y)
        if window.known:
            c.use([wfound])
            c.bullet(f"{y}年度集中参保期：{ymd(window.start)}至{ymd(window.end)}")


def _switch_scheme(c: Composer, case: Case, today: _dt.date) -> None:
    _static(c, case, "switch_scheme")
    if case.switching_scheme or (case.continuous_years is not None and case.lapse_months is not None):
        e = eligibility(c.chain, today, case.insurance_type, case.lapse_reason, case.lapse_months, True,
                        case.continuous_years)
        c.use(e.used)
        if e.rule == "switch_short":
            c.verdict = f"您连续参保{case.continuous_years}年、中断{case.lapse_months}个月，符合条件：补缴后缴费当月即可报销。"
        elif e.rule == "switch_long":
            c.verdict = f"您的情况（连续参保{case.continuous_years}年、中断{case.lapse_months}个月）不满足免等待条件，可能有最长6个月等待期。"
        c.figures["rule"] = e.rule


COMPUTED: dict[str, Callable[[Composer, Case, _dt.date], None]] = {
    "can_backpay": _can_backpay,
    "backpay_amount": _backpay_amount,
    "late_fee": _late_fee,
    "waiting_period": _waiting_period,
    "retirement_years": _retirement_years,
    "incentive": _incentive,
    "resident_enrollment": _resident_enrollment,
    "switch_scheme": _switch_scheme,
}


def answer(topic: str, case: Optional[Case] = None, today: Optional[_dt.date] = None) -> Answer:
    """The complete Chinese reply for one topic. Never raises for any Case."""
    if not isinstance(today, _dt.date):
        today = _dt.date.today()
    elif isinstance(today, _dt.datetime):
        today = today.date()
    if not isinstance(case, Case):
        case = Case()
    case, problems = check_case(case, today)
    chain = params.resolve(case.city, case.province)
    c = Composer(topic, chain, notices=[f"⚠ {p}" for p in problems])
    if topic not in TOPICS:
        c.verdict = "这个问题我还回答不了。我可以回答医保断缴能否补缴、补缴金额、滞纳金、等待期、材料和办理渠道等问题。"
        c.show_level = False
        return c.render()
    c.buttons = FOLLOW_UPS.get(topic, ())
    c.missing = required_fields(topic, case)
    if topic in COMPUTED:
        COMPUTED[topic](c, case, today)
    else:
        _static(c, case, topic)
    if not c.verdict:
        c.verdict = "以下是一般规定。"
    return c.render()


def handoff_text(case: Optional[Case] = None) -> str:
    """Who to call: 12393, 12333 and the local bureau when the data knows it."""
    case = case if isinstance(case, Case) else Case()
    case, _ = check_case(case, _dt.date.today())
    chain = params.resolve(case.city, case.province)
    bureaus = params.region_index().get("bureaus") or {}
    lines = ["可以通过以下方式找到人工服务：", "• 12393 医保服务热线（全国医保咨询）",
             "• 12333 人社服务热线（社会保险综合咨询）"]
    local = None
    for name in (chain.city, chain.province):
        if name and name in bureaus:
            local = bureaus[name]
            break
    if local:
        contact = f"，官网 {local['website']}" if local.get("website") else ""
        phone = f"，电话 {local['phone']}" if local.get("phone") else ""
        lines.append(f"• 当地：{local['name']}{phone}{contact}；也可到当地医保经办窗口办理。")
    elif chain.place:
        lines.append(f"• 当地：请搜索“{chain.place}医保局”官网或公众号，或到当地医保经办窗口咨询。")
    else:
        lines.append("• 当地：请搜索“参保地 + 医保局”官网或公众号，或到当地医保经办窗口咨询。")
    lines.append("您也可以继续问我断缴、补缴、等待期等问题。")
    return "\n".join(lines)
