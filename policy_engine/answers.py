"""Turn a Case into the Chinese answer for one topic (verdict, figures with formula, conditions,
sources, warning). Pure functions over the calculators' result objects; every sentence is a
template of data/sentences.yaml (or a static section of data/texts.yaml) filled from looked-up values."""
from __future__ import annotations

import datetime as _dt
from typing import Callable, Optional

from . import params
from .calc.amount import employee_amount, new_enrolment_amount, resident_amount
from .calc.eligibility import NO_BACKPAY, eligibility
from .calc.incentive import incentive
from .calc.late_fee import late_fee
from .calc.money import dec, fen, pct, plain, yuan
from .calc.retirement import retirement
from .calc.waiting import lapsed_years_before, resident_plan, resident_wait, window_for
from .case import Case
from .compose import Answer, Composer, say
from .dates import MONTHS_PER_YEAR, add_months, lapsed_months, month_start, ym, ymd
from .topics import TOPICS, follow_ups, required_fields
from .validation import VALUE_LABELS, check_case
from .who import line_text

UNIT = 1  # "per 1 year" in rule wordings: a unit, not a policy figure
CN_DIGITS = "零一二三四五六七八九"


def rate_words(rate) -> str:
    """0.0005 -> 万分之五 (the law's wording), from the rate itself."""
    per_10000 = dec(rate) * 10000
    if per_10000 == per_10000.to_integral_value() and 0 < per_10000 < 10:
        return "万分之" + CN_DIGITS[int(per_10000)]
    return pct(rate)


def _fill(c: Composer, text: str, today: _dt.date) -> str:
    """Static texts may name parameters: {p:name} (plain), {pct:name}, {cn:name}."""
    import re

    def repl(match):
        kind, name = match.group(1), match.group(2)
        found = c.chain.get(name, today)
        if found is None:
            return "（当地未收录）"
        c.use([found])
        return {"p": plain, "pct": pct, "cn": rate_words}[kind](found.value)

    return re.sub(r"\{(p|pct|cn):([a-z_0-9]+)\}", repl, text)


def _static(c: Composer, case: Case, topic: str, with_verdict: bool = True,
            today: Optional[_dt.date] = None, only_lines: bool = False) -> list[str]:
    """Add the matching sections of data/texts.yaml for this topic; returns the lines added."""
    today = today or _dt.date.today()
    effective = dict(case.known())
    effective["city"] = c.chain.city
    effective["province"] = c.chain.province
    effective["has_local"] = [reg.name for reg in c.chain.regions if reg.level != "national"]
    effective["employer_gone"] = bool(case.employer_gone)  # not said: the employer is there
    added = []
    for section in params.load_texts().get(topic, ()):
        when = section.get("when") or {}
        shown = True
        for key, allowed in when.items():
            value = effective.get(key)
            if key == "has_local":
                shown = shown and bool(set(value) & set(allowed))
            elif value is None:
                shown = shown and bool(section.get("unknown"))
            elif value not in allowed:
                shown = False
        if not shown:
            continue
        shown_lines = [text for text in (line_text(entry, case, today) for entry in section.get("lines") or ())
                       if text is not None]
        gives_verdict = bool(with_verdict and section.get("verdict") and not c.verdict)
        if not shown_lines and not gives_verdict:
            # nothing of the section is said (its rules are for people this case is not, or an
            # earlier section's verdict came first): no facts cited
            continue
        if gives_verdict:
            c.verdict = _fill(c, section["verdict"], today)
        for text in shown_lines:
            line = _fill(c, text, today)
            added.append(line)
            if not only_lines:
                c.bullet(line)
        c.use_facts(section.get("facts") or ())
    return added


def _get(c: Composer, name: str, today: _dt.date):
    """A rule's value for the case's region (national value nearest in time when none is in force)."""
    found = c.chain.get_or_nearest(name, today)
    if found is None:
        return None
    c.use([found])
    return found.value


# --- computed topics -------------------------------------------------------------------------------

def _year_list(years) -> str:
    return "、".join(f"{y}年度" for y in years)


def _resident_summary(c: Composer, case: Case, today: _dt.date):
    """The shared resident 年度 model: lines about the payment, the lapse and the wait."""
    plan = resident_plan(c.chain, today, case.payment_date, case.lapsed_years, case.lapse_start,
                         case.lapse_months)
    r = plan.wait
    c.use(plan.used)
    c.figures.update({"wait_months": r.total, "benefits_from": r.benefits_from.isoformat(),
                      "lapse_years": len(plan.lapsed_years), "lapsed_years": list(plan.lapsed_years),
                      "enrol_year": r.enrol_year, "in_window": r.in_window,
                      "after_year_end": plan.after_year_end})
    # 「今年交了」 with no date: a payment earlier this year bought this year's 年度, one made now may
    # have bought next year's. Both readings are given; neither is picked silently.
    undated = plan.payment_assumed and case.payment_year is not None and case.payment_year <= today.year
    other_year = case.payment_year if undated and case.payment_year != r.enrol_year else None
    if other_year is not None:
        when = say("resident_pay_if_now", date=ymd(plan.payment_date))
    elif plan.payment_assumed:
        when = say("resident_pay_today", date=ymd(plan.payment_date))
    else:
        when = say("resident_pay_on", date=ymd(plan.payment_date))
    window = ""
    if r.window.known and r.window.start and r.window.end:
        window = say("resident_window_range", start=ymd(r.window.start), end=ymd(r.window.end))
    elif r.window.known and r.window.end:
        window = say("resident_window_end", end=ymd(r.window.end))
    c.bullet(say("resident_pay_line", when=when, year=r.enrol_year, inside="在" if r.in_window else "不在",
                 window=window))
    if not r.window.known:
        month = _get(c, "resident_assumed_window_from_month", today)
        c.line("  " + say("resident_window_unknown", year=r.enrol_year, month=month))
    years_text = _year_list(plan.lapsed_years)
    named = tuple(sorted(set(case.lapsed_years or ())))
    gap = tuple(y for y in plan.lapsed_years if y not in named)
    if plan.lapse_source == "given":
        c.line("  " + (say("resident_lapse_given", years=years_text, n=len(plan.lapsed_years))
                       if plan.lapsed_years else say("resident_no_lapse")))
    elif plan.lapse_source == "given_to_now":
        c.line("  " + say("resident_lapse_given_to_now", named=_year_list(y for y in plan.lapsed_years if y in named),
                          gap=_year_list(gap), n=len(plan.lapsed_years)))
    elif plan.lapse_source in ("lapse_start", "lapse_months"):
        first = case.lapse_start or lapsed_months(today, case.lapse_months)[0]
        if plan.lapsed_years:
            c.line("  " + say("resident_lapse_derived", start=ym(first), years=years_text,
                              n=len(plan.lapsed_years)))
        else:
            c.line("  " + say("resident_no_lapse"))
    else:
        c.line("  " + say("resident_lapse_none"))
    if r.next_day_rule:
        c.line("  " + say("resident_next_day"))
    elif plan.next_day_rule_elsewhere:
        c.line("  " + say("resident_next_day_elsewhere", region=c.chain.province or c.chain.place,
                          last=r.enrol_year - 1, year=r.enrol_year))
    if r.fixed:
        c.line("  " + say("resident_fixed", months=r.fixed))
    if r.variable_before_repair:
        key = "resident_variable" if r.counting == "years_minus_one" else "resident_variable_years"
        per_year = _get(c, "resident_variable_wait_per_year", _dt.date(r.enrol_year, 1, 1))
        c.line("  " + say(key, n=r.lapse_years, one=UNIT, per_year=per_year, months=r.variable_before_repair))
    if r.floor:
        long_years = _get(c, "resident_long_lapse_years", _dt.date(r.enrol_year, 1, 1))
        c.line("  " + say("resident_floor", long=long_years, months=r.floor))
    if r.total:
        start = say("resident_start_next_day") if r.next_day_rule and r.start_from != _dt.date(r.enrol_year, 1, 1) \
            else ymd(r.start_from)
        c.bullet(say("resident_total", months=r.total, start=start, date=ymd(r.benefits_from)))
        summary = say("resident_wait_verdict", months=r.total, date=ymd(r.benefits_from))
    else:
        summary = say("resident_no_wait_verdict", date=ymd(r.benefits_from))
    if r.variable_before_repair:
        price = _repair_price(c, case, r.enrol_year)
        floor = say("resident_repair_floor", months=r.floor) if r.floor else ""
        per = _get(c, "resident_repair_months_per_year", _dt.date(r.enrol_year, 1, 1))
        c.bullet(say("resident_repair_price", one=UNIT, year=r.enrol_year, price=price, per_year=per, floor=floor)
                 if price else say("resident_repair_no_price", one=UNIT, per_year=per, floor=floor))
    if plan.lapse_source == "given_to_now" and not (undated and set(gap) <= {case.payment_year}):
        # The other reading: the year before the one bought was paid, so it is continuous. (When
        # that year is the one 「今年交了」 may have bought, the two payment readings cover it.)
        paid = resident_wait(c.chain, 0, r.enrol_year, r.in_window, plan.payment_date, window=r.window)
        c.use(paid.used)
        verdict = (say("resident_wait_verdict", months=paid.total, date=ymd(paid.benefits_from)) if paid.total
                   else say("resident_no_wait_verdict", date=ymd(paid.benefits_from)))
        c.bullet(say("resident_gap_paid", last=r.enrol_year - 1, gap=_year_list(gap), year=r.enrol_year,
                     verdict=verdict))
        c.figures["gap_years"] = list(gap)
        c.figures["wait_months_if_gap_paid"] = paid.total
    if plan.after_year_end:
        c.bullet(say("resident_after_year_end", year=r.enrol_year, end=ymd(plan.year_end), next=r.enrol_year + 1))
    if other_year is not None:
        # paid earlier in that year for its own 年度: after its window (the usual late case) the
        # wait runs from the payment date, which the person did not give
        before, _ = lapsed_years_before(other_year, case.lapsed_years, case.lapse_start, case.lapse_months, today)
        late = resident_wait(c.chain, len(before), other_year, False)
        c.use(late.used)
        c.bullet(say("resident_pay_if_earlier", year=other_year, months=late.total,
                     end=ymd(_dt.date(other_year, 12, 31))))
        summary = say("resident_undated_verdict", next=r.enrol_year, when=summary, year=other_year)
        c.figures["undated_readings"] = [other_year, r.enrol_year]
    if undated:
        c.bullet(say("resident_ask_date"))
    return plan, summary


def _repair_price(c: Composer, case: Case, year: int) -> str:
    """The person's own premium for the 年度 when one row is left; never the national floor."""
    r = resident_amount(c.chain, (year,), case)
    premium = r.years[0]
    if len(premium.rows) == 1 and not premium.national_floor:
        c.use(r.used)
        return _price(premium.rows[0])
    return ""


def _price(row) -> str:
    if row.amount is None and row.monthly is not None:
        text = say("resident_price_month", amount=yuan(row.monthly), base=yuan(row.base or 0),
                   rate=pct(row.rate or 0)) if row.base and row.rate else f"{yuan(row.monthly)}元/月"
    else:
        text = say("resident_price_year", amount=yuan(row.amount))
    if row.ltc:
        text += say("resident_price_ltc", ltc=yuan(row.ltc))
    if row.note:
        text += f"（{row.note}）"
    return text


def _can_backpay(c: Composer, case: Case, today: _dt.date, assess: bool = False):
    e = eligibility(c.chain, today, case.insurance_type, case.lapse_reason, case.lapse_months,
                    case.switching_scheme, case.continuous_years)
    c.use(e.used)
    m = case.lapse_months
    lim = e.short_limit
    c.figures.update({"rule": e.rule, "can_backpay": e.can_backpay, "benefits_from": e.benefits_from,
                      "gap_covered": e.gap_covered, "continuity_kept": e.continuity_kept})
    if e.wait_months is not None:
        c.figures["wait_months_min"], c.figures["wait_months_max"] = e.wait_months
    switching = e.rule.startswith("switch")
    needed = _get(c, "switch_min_continuous_years", today) if switching else None
    max_wait = _get(c, "switch_long_gap_max_wait_months", today) if switching else None
    place = c.chain.place or ""
    if e.rule == "switch_short":
        c.verdict = say("switch_short_verdict", months=m, limit=lim)
        c.bullet(say("switch_short_condition", years=case.continuous_years, needed=needed, limit=lim))
        c.bullet(say("switch_short_how"))
    elif e.rule == "switch_long":
        c.verdict = say("switch_long_verdict", needed=needed, limit=lim, max_wait=e.wait_months[1])
        c.bullet(say("switch_long_restart"))
    elif e.rule == "switch_unknown":
        c.verdict = say("switch_unknown_verdict", needed=needed, limit=lim)
        c.bullet(say("switch_unknown_both", max_wait=max_wait))
    elif e.rule == "resident":
        plan, summary = _resident_summary(c, case, today)
        past = plan.lapsed_years[-1] if plan.lapsed_years else plan.wait.enrol_year - 1
        key = "resident_verdict_undated" if c.figures.get("undated_readings") else "resident_verdict"
        c.verdict = say(key, past=past, year=plan.wait.enrol_year, when=summary)
    elif e.rule == "flexible_regional_short":
        c.verdict = say("flexible_regional_short_verdict", months=m, limit=lim)
    elif e.rule == "flexible_regional_long":
        c.verdict = say("flexible_regional_long_verdict", months=m, limit=lim, wait=e.wait_months[0])
        c.bullet(say("flexible_regional_long_note", limit=lim))
    elif e.rule == "flexible_regional_unknown":
        c.verdict = say("flexible_regional_unknown_verdict", limit=lim, wait=e.wait_months[1])
    elif e.rule == "flexible_short":
        c.verdict = say("flexible_short_verdict", months=m, limit=lim)
        c.bullet(say("flexible_short_note"))
    elif e.rule == "flexible_long":
        c.verdict = say("flexible_long_verdict", months=m, limit=lim)
        c.bullet(say("flexible_long_note"))
    elif e.rule == "flexible_unknown":
        c.verdict = say("flexible_unknown_verdict", limit=lim)
    elif e.rule.startswith("regional_"):
        _regional_lines(c, e, m, place)
    elif e.rule == "employee_employer":
        rate = _get(c, "late_fee_daily_rate", today)
        if case.employer_gone:
            c.verdict = say("employee_employer_gone_verdict")
            _static(c, case, "employer_gone", with_verdict=False, today=today)
        else:
            c.verdict = say("employee_employer_verdict")
            c.bullet(say("employee_employer_fee", rate_words=rate_words(rate), rate=pct(rate)))
            c.bullet(say("employee_employer_report"))
    elif e.rule == "employee_short":
        c.verdict = say("employee_short_verdict", months=m, limit=lim)
        c.bullet(say("employee_short_note", limit=lim))
    elif e.rule == "employee_long":
        lo, hi = e.wait_months
        if lo == hi:
            c.verdict = say("employee_long_fixed_verdict", months=m, limit=lim, place=place, wait=hi)
        else:
            c.verdict = say("employee_long_verdict", months=m, limit=lim, lo=lo, hi=hi)
        c.bullet(say("employee_long_note"))
        if lo != hi:
            c.bullet(say("employee_long_ask"))
    else:
        lo = _get(c, "employee_long_lapse_wait_min_months", today)
        hi = _get(c, "employee_long_lapse_wait_max_months", today)
        c.verdict = say("general_verdict")
        c.bullet(say("general_short", limit=lim))
        c.bullet(say("general_long", limit=lim, lo=lo, hi=hi))
        c.bullet(say("general_employer"))
    if case.switching_scheme:
        _static(c, case, "switch_regional", today=today)
    if assess:
        _assessment(c, case, today, e)
    return e


def _regional_lines(c: Composer, e, months, place: str) -> None:
    """A city's own lapse rule (lapse_rule_employee / lapse_rule_flexible)."""
    lim = e.short_limit
    wait = ""
    if e.wait_months:
        lo, hi = e.wait_months
        wait = say("regional_wait_exact", months=hi) if lo == hi else say("regional_wait_range", lo=lo, hi=hi)
    if e.rule == "regional_no_backpay":
        c.verdict = say("regional_no_backpay_verdict", place=place, wait=f"，{wait}" if wait else "")
    elif e.rule == "regional_unknown":
        c.verdict = say("regional_unknown_verdict", place=place, limit=lim, wait=wait or say("regional_wait_unknown"))
    elif e.rule == "regional_short":
        restore = say("regional_gap_paid") if e.benefits_from == "gap_reimbursed" else say("regional_next_month")
        c.verdict = say("regional_short_verdict", place=place, months=months, limit=lim, restore=restore)
    else:
        c.verdict = say("regional_long_verdict", place=place, months=months, limit=lim,
                        wait=wait or say("regional_wait_unknown"))
        if e.wait_months and e.wait_months[0] != e.wait_months[1]:
            c.bullet(say("regional_wait_conflict"))


def _assessment(c: Composer, case: Case, today: _dt.date, e) -> None:
    """「断缴了怎么办」: amount when computable, when benefits return, how and what to bring."""
    if e.can_backpay == NO_BACKPAY and case.insurance_type in ("employee", "flexible"):
        _assessment_new_enrolment(c, case, today)
    elif case.insurance_type in ("employee", "flexible") and case.lapse_months and e.rule != "employee_employer":
        sub = Composer(c.topic, c.chain)
        _amount_employee(sub, case, today)
        if sub.figures.get("exact") and sub.figures.get("total"):
            c.bullet(say("assessment_amount", amount=sub.verdict))
            c.use_found(sub)
            c.figures.update({k: v for k, v in sub.figures.items() if k not in c.figures})
        elif sub.figures.get("amount_missing"):
            # Not computable from the data: say so and why, instead of leaving the amount out.
            place = c.chain.place or "当地"
            until = sub.figures.get("amount_known_until")
            if until:
                c.bullet(say("assessment_amount_base_and_rate_year", place=place,
                             last=ymd(_dt.date.fromisoformat(until))))
                c.figures["amount_known_until"] = until
            else:
                c.bullet(say("assessment_amount_" + sub.figures["amount_missing"], place=place))
            c.figures["amount_missing"] = sub.figures["amount_missing"]
    elif case.insurance_type == "resident" and c.figures.get("enrol_year"):
        # (a switch into the resident scheme has no 年度 plan here, hence no 年度 to price)
        year = c.figures.get("enrol_year")
        r = resident_amount(c.chain, (year,), case)
        p = r.years[0]
        if p.rows and not p.national_floor:
            c.use(r.used)
            c.bullet(say("assessment_amount", amount=say("resident_amount_year", year=year, rows="，".join(
                say("resident_amount_row", label=row.label, price=_price(row)) for row in p.rows))))
        elif p.national_floor or not p.all_rows:
            # the 年度 being bought has no published price in the data: said, not left out
            c.bullet(say("assessment_amount_resident_missing", place=c.chain.place or "当地", year=year))
            c.figures["amount_missing"] = "resident_premium"
    when = _waiting_verdict(e, c, today)
    if when and e.rule != "resident":
        c.bullet(say("assessment_when", when=when))
    how = _static(c, case, "how_to_backpay", with_verdict=False, today=today, only_lines=True)
    if how:
        c.bullet(say("assessment_how", how=how[0].split("：", 1)[-1]))
    bring = _static(c, case, "materials", with_verdict=False, today=today, only_lines=True)
    if bring:
        c.bullet(say("assessment_bring", bring="；".join(b.split("：", 1)[-1].rstrip("。") for b in bring[:2])))


def _assessment_new_enrolment(c: Composer, case: Case, today: _dt.date, reference: bool = False) -> None:
    """The lapse cannot be back-paid: no back-payment is due, so the amount line gives what a new
    enrolee pays a month from now on (the current month's 年度 base and rates) or says the data has
    no such figure; the 「补缴要多少钱」 (and 滞纳金) buttons, which would price a back-payment, are not
    offered. `reference`: where only an older, unverified 灵活就业 rule is known, show it (labelled)."""
    c.buttons = follow_ups(c.topic, without=("backpay_amount", "late_fee"))
    c.figures["backpay_due"] = False
    place = c.chain.place or "当地"
    month = month_start(today)
    flexible = case.insurance_type == "flexible"
    unknown_flexible_rate = flexible and c.chain.get("flexible_rate", today) is None and (
        c.chain.get("flexible_old_base_ratio", today) is not None)
    r = None if unknown_flexible_rate else new_enrolment_amount(c.chain, case.insurance_type, today,
                                                                   case.monthly_wage)
    if r is None or not r.groups:
        if unknown_flexible_rate:
            c.use([c.chain.get("flexible_old_base_ratio", today)])  # the rule whose rate is not known
            missing = say("new_enrolment_missing_flexible_rate", place=place)
            c.figures["amount_missing"] = "flexible_rate"
        else:
            last = _local_figures_until(c, AMOUNT_FIGURES[flexible])
            missing = (say("new_enrolment_missing_year", place=place, last=ymd(last)) if last
                       else say("new_enrolment_missing", place=place))
            c.figures["amount_missing"] = "base_and_rate"
        c.bullet(say("assessment_new_enrolment_unknown", missing=missing))
        c.figures["new_enrolment_monthly"] = None
        if reference and unknown_flexible_rate:
            old_rule = _flexible_old_rule(c, case, today, months=(month,), older="flexible_old_month_older_now")
            if old_rule:
                c.bullet(old_rule)
        return
    c.use(r.used)
    g = r.groups[0]
    fixed = say("amount_fixed_part", fixed=plain(g.individual_fixed)) if g.individual_fixed else ""
    if g.flexible:
        c.bullet(say("assessment_new_enrolment_flexible", month=ym(month), amount=yuan(g.total),
                     base_note=_base_note(g.base_rule), base=yuan(g.base), rate=pct(g.individual_rate),
                     fixed=fixed))
    else:
        c.bullet(say("assessment_new_enrolment_employee", month=ym(month), total=yuan(g.total),
                     individual=yuan(g.individual), employer=yuan(g.employer),
                     base_note=_base_note(g.base_rule), base=yuan(g.base)))
    c.figures["new_enrolment_monthly"] = float(g.total)


def _waiting_verdict(e, c: Optional[Composer] = None, today: Optional[_dt.date] = None) -> Optional[str]:
    if e.benefits_from == "payment_month":
        return say("wait_payment_month")
    if e.benefits_from == "next_month":
        return say("wait_next_month")
    if e.benefits_from == "gap_reimbursed":
        return say("wait_gap_reimbursed")
    if e.benefits_from == "after_wait" and e.wait_months:
        lo, hi = e.wait_months
        if lo == hi:
            return say("wait_exact", months=hi)
        if lo == 0:
            return say("wait_up_to", months=hi)
        return say("wait_range", lo=lo, hi=hi)
    if e.benefits_from == "after_wait" and e.rule not in ("resident", "regional_long", "regional_unknown"):
        return say("wait_new_enrolment")
    return None


# the local figures an amount needs: (employee, flexible)
AMOUNT_FIGURES = (("employee_base_min", "employee_base_lowest", "employer_rate", "employee_individual_rate"),
                  ("employee_base_min", "employee_base_lowest", "flexible_rate"))


def _local_figures_until(c: Composer, names) -> Optional[_dt.date]:
    """The last day local data covers for these figures when the region has some (published for
    other 年度 only), else None: 暂无 is said only when the data holds nothing local."""
    last = None
    for reg in c.chain.regions:
        if reg.level == "national":
            continue
        for name in names:
            param = reg.parameters.get(name)
            for entry in (param.entries if param else ()):
                if entry.until is None:
                    return None  # an open-ended figure: the data has no end date to name
                last = entry.until if last is None or entry.until > last else last
    return last


def _base_note(rule: str) -> str:
    return say({"lowest": "amount_base_lowest", "floor": "amount_base_floor", "ceiling": "amount_base_ceiling",
                "wage": "amount_base_wage", "fixed": "amount_base_fixed"}[rule])


def _flexible_old_rule(c: Composer, case: Case, today: _dt.date, months=None,
                       older: str = "flexible_old_month_older") -> Optional[str]:
    """Regions whose 灵活就业 rate is not known (B4): the older rule, labelled, with its monthly figure
    from the average wage of the priced months' base year (`months`, default the lapsed months),
    else from the latest published one, said as such (sentence `older`)."""
    ratio = c.chain.get("flexible_old_base_ratio", today)
    rate = c.chain.get("flexible_old_rate", today)
    if ratio is None or rate is None or c.chain.get("flexible_rate", today) is not None:
        return None
    c.use([ratio, rate])
    old_month = ""
    months = months or lapsed_months(today, case.lapse_months or 1)
    for k, month in enumerate(list(months[::-1]) + [add_months(months[0], -j) for j in range(1, 25)]):
        wage = c.chain.get("employee_average_wage", month)
        if wage is not None:
            c.use([wage])
            amount = fen(dec(wage.value) * dec(ratio.value) * dec(rate.value))
            year = wage.start.year
            old_month = say("flexible_old_month", year=year, wage=yuan(wage.value), amount=yuan(amount))
            if k >= len(months):
                old_month += say(older, year=year)
            c.figures["old_rule_monthly"] = float(amount)
            break
    return say("flexible_old_rule", ratio=pct(ratio.value), rate=pct(rate.value), old_month=old_month)


def _amount_flexible_unknown(c: Composer, case: Case, today: _dt.date) -> bool:
    """Regions whose 灵活就业 rate is not known (B4): the older rule, labelled, and what to ask."""
    old_rule = _flexible_old_rule(c, case, today)
    if old_rule is None:
        return False
    place = c.chain.place
    c.verdict = say("flexible_rate_unknown_verdict", place=place)
    c.bullet(old_rule)
    c.bullet(say("flexible_ask", place=place))
    c.figures["exact"] = False
    c.figures["amount_missing"] = "flexible_rate"
    return True


def _amount_employee(c: Composer, case: Case, today: _dt.date) -> None:
    itype = case.insurance_type or "employee"
    months = case.lapse_months or 1
    flexible = itype == "flexible"
    if flexible:
        c.use_facts(["B4"] if c.chain.city == "北京" else ["N12"])
        if _amount_flexible_unknown(c, case, today):
            return
    r = employee_amount(c.chain, itype, months, today, case.monthly_wage)
    c.use(r.used)
    for g in r.groups:
        span = ym(g.first) if g.first == g.last else f"{ym(g.first)}-{ym(g.last)}"
        fixed = say("amount_fixed_part", fixed=plain(g.individual_fixed)) if g.individual_fixed else ""
        if g.flexible:
            c.bullet(say("flexible_line", span=span, months=g.months, base_note=_base_note(g.base_rule),
                         base=yuan(g.base), rate=pct(g.individual_rate), fixed=fixed, amount=yuan(g.total)))
            continue
        c.bullet(say("amount_span_line", span=span, months=g.months, base_note=_base_note(g.base_rule),
                     base=yuan(g.base)))
        c.line(say("amount_individual_line", base=yuan(g.base), rate=pct(g.individual_rate), fixed=fixed,
                   amount=yuan(g.individual)))
        c.line(say("amount_employer_line", base=yuan(g.base), rate=pct(g.employer_rate), amount=yuan(g.employer)))
    if r.groups:
        c.figures.update({"individual_monthly": float(r.groups[-1].individual),
                          "employer_monthly": float(r.groups[-1].employer),
                          "base": float(r.groups[-1].base), "months": len(lapsed_months(today, months)),
                          "individual_total": float(r.individual_total),
                          "employer_total": float(r.employer_total), "total": float(r.total)})
    totals = dict(total=yuan(r.total), individual=yuan(r.individual_total), employer=yuan(r.employer_total))
    all_flexible = bool(r.groups) and all(g.flexible for g in r.groups)
    if case.lapse_months is None and r.groups:
        c.verdict = say("amount_one_month_verdict", one=UNIT, **totals)
    elif r.exact and all_flexible:
        c.verdict = say("flexible_verdict", months=months, total=yuan(r.total))
    elif r.exact:
        c.verdict = say("amount_exact_verdict", months=months, **totals)
    if r.groups and case.lapse_months is not None and not all_flexible:
        c.bullet(say("amount_total_line", **totals))
    if r.groups and r.base_choice:
        c.bullet(r.base_choice)
    if r.groups and not flexible and case.lapse_reason == "employer":
        if case.employer_gone:
            # nobody to deduct from wages or to ask: how the arrears are recovered instead
            _static(c, case, "employer_gone", with_verdict=False, today=today)
        else:
            c.bullet(say("amount_employer_reason"))
    if r.unknown_months:
        n = len(r.unknown_months)
        if r.groups:
            c.bullet(say("amount_partly_unknown", n=n, first=ym(r.unknown_months[0])))
            known = sum(g.months for g in r.groups)
            c.verdict = say("amount_partly_verdict", known=known, total=yuan(r.total), n=n)
            c.figures["exact"] = False
            c.figures["amount_missing"] = "some_months"
        else:
            last = _local_figures_until(c, AMOUNT_FIGURES[case.insurance_type == "flexible"])
            c.verdict = (say("amount_unknown_year_verdict", place=c.chain.place, last=ymd(last)) if last
                         else say("amount_unknown_verdict"))
            c.figures["amount_missing"] = "base_and_rate"
            if last:
                c.figures["amount_known_until"] = last.isoformat()
            c.bullet(say("amount_formula"))
            if r.base_ratio_range:
                lo, hi = r.base_ratio_range
                c.bullet(say("amount_base_ratio", lo=pct(lo), hi=pct(hi)))
            if flexible:
                # the employee split (个人2%, 单位6%-10%) is not what a 灵活就业 person pays
                c.bullet(say("amount_flexible_rate_missing"))
            elif r.individual_rate is not None and r.employer_rate_range:
                elo, ehi = r.employer_rate_range
                c.bullet(say("amount_rates_range", individual=pct(r.individual_rate), lo=pct(elo), hi=pct(ehi)))
                if case.monthly_wage is not None:
                    w = dec(case.monthly_wage)
                    c.figures.update({"rough_individual": float(fen(w * r.individual_rate)),
                                      "rough_employer_min": float(fen(w * elo)),
                                      "rough_employer_max": float(fen(w * ehi))})
                    c.bullet(say("amount_wage_rough", wage=yuan(w), rate=pct(r.individual_rate),
                                 individual=yuan(w * r.individual_rate), emp_lo=yuan(w * elo),
                                 emp_hi=yuan(w * ehi)))
                    if case.lapse_months:
                        n = dec(case.lapse_months)
                        rough = {"rough_individual_total": n * fen(w * r.individual_rate),
                                 "rough_employer_min_total": n * fen(w * elo),
                                 "rough_employer_max_total": n * fen(w * ehi)}
                        c.figures.update({k: float(v) for k, v in rough.items()})
                        c.line(say("amount_wage_rough_total", months=case.lapse_months,
                                   individual=yuan(rough["rough_individual_total"]),
                                   emp_lo=yuan(rough["rough_employer_min_total"]),
                                   emp_hi=yuan(rough["rough_employer_max_total"])))
            if c.chain.province and c.chain.level_name("province") != "全国":
                _static(c, case, "amount_region_missing", with_verdict=False, today=today)
            c.bullet(say("flexible_ask", place=c.chain.place) if flexible else say("amount_ask_bureau"))
            c.figures["exact"] = False
    else:
        c.figures["exact"] = True


def _resident_year(c: Composer, today: _dt.date, case: Case) -> int:
    """The 年度 a payment (on the case's date, or today) buys: the same year every topic uses."""
    from .calc.waiting import enrol_year_for

    year = enrol_year_for(c.chain, case.payment_date or today)[0]
    c.figures.setdefault("enrol_year", year)
    return year


def _amount_resident(c: Composer, case: Case, today: _dt.date) -> None:
    plan_year = _resident_year(c, today, case)
    lapsed = set(case.lapsed_years or ())
    years = tuple(sorted(({y for y in lapsed if y < plan_year} | {plan_year})))[-3:]
    r = resident_amount(c.chain, years, case)
    c.use(r.used)
    known = [y for y in r.years if y.rows and not y.national_floor]
    for y in r.years:
        if y.rows and not y.national_floor:
            c.bullet(say("resident_amount_year", year=y.year, rows="，".join(
                say("resident_amount_row", label=row.label, price=_price(row)) for row in y.rows)))
            for label, v in y.premiums:
                c.figures[f"premium_{y.year}_{label}"] = float(v)
            if len(y.rows) == 1:
                c.figures[f"premium_{y.year}"] = float(y.premiums[0][1])
        elif y.options:
            c.bullet(say("resident_amount_options", year=y.year, options="；".join(
                "，".join(say("resident_amount_row", label=row.label, price=_price(row)) for row in table)
                for table in y.options)))
        elif y.national_floor:
            floor = c.chain.get("resident_premium_min", _dt.date(y.year, 1, 1))
            c.bullet(say("resident_national_floor", year=y.year, amount=plain(floor.value)))
        else:
            c.bullet(say("resident_amount_year_missing", year=y.year))
    place = c.chain.place or ""
    current = next((y for y in r.years if y.year == plan_year), None)
    if current is not None and current in known and len(current.rows) == 1:
        row = current.rows[0]
        c.verdict = say("resident_amount_verdict", year=current.year, label=row.label, price=_price(row))
    elif current is not None and current in known:
        amounts = [v for _, v in current.premiums]
        c.verdict = say("resident_amount_range_verdict", year=current.year, low=yuan(min(amounts)),
                        high=yuan(max(amounts)))
    else:
        c.verdict = say("resident_amount_none_verdict", place=place, year=plan_year)
        _latest_local_premium(c, case, plan_year, today)
    window, wfound = window_for(c.chain, plan_year)
    for period in window.periods:
        if period.get("pays") == "individual_and_fiscal" and period.get("amount"):
            c.use([wfound])
            since = period.get("start")
            c.bullet(say("resident_late_fiscal", period=f"{ymd(since)}起" if since else "期外",
                         amount=yuan(period["amount"])))
            c.figures["late_payer_amount"] = float(period["amount"])
    c.bullet(say("resident_past_years"))


# How many 年度 back an answer looks for the place's last published premium when the 年度 asked
# about has none in the data: the one before only (广州 has 2025年度: said for 2026 questions, not
# for 2027 ones; tests/engine/cases/regions_big_cities.yaml). Older prices are too stale to help.
LATEST_PREMIUM_LOOKBACK = 1


def _latest_local_premium(c: Composer, case: Case, year: int, today: _dt.date, missing: str = "") -> bool:
    """The place's premium of the latest 年度 before ``year`` that has one, said as that 年度's
    (never as ``year``'s) with a line that the 年度 asked about (``missing``, default ``year``) is
    not published; False when none."""
    for earlier_year in range(year - 1, year - 1 - LATEST_PREMIUM_LOOKBACK, -1):
        found = resident_amount(c.chain, (earlier_year,), case)
        earlier = found.years[0]
        if earlier.rows and not earlier.national_floor:
            c.use(found.used)
            c.bullet(say("resident_amount_year", year=earlier.year, rows="，".join(
                say("resident_amount_row", label=row.label, price=_price(row)) for row in earlier.rows)))
            place = c.chain.place or ""
            c.bullet(say("resident_next_unpublished", year=missing or year, last=earlier.year,
                         where=f"{place}医保局" if place else "当地医保局", hotline=c.hotline(today)))
            return True
    return False


def _backpay_amount(c: Composer, case: Case, today: _dt.date) -> None:
    if case.at_birth():
        # 「孩子刚出生，补交要多少钱」: nothing lapsed, no back-payment price; the enrolment premium
        _resident_enrollment(c, case, today)
        c.figures.update({"rule": "newborn", "backpay_due": False})
        c.buttons = follow_ups(c.topic, without=("late_fee",))
        return
    if case.insurance_type == "resident":
        _amount_resident(c, case, today)
        return
    if case.insurance_type in ("employee", "flexible"):
        # (a city rule may forbid a personal back-payment whatever the lapse's length)
        e = eligibility(c.chain, today, case.insurance_type, case.lapse_reason, case.lapse_months,
                        case.switching_scheme, case.continuous_years)
        if e.can_backpay == NO_BACKPAY:
            # re-enrol as new: the verdict says so, and the price is the month from now on
            _can_backpay(c, case, today)
            _assessment_new_enrolment(c, case, today, reference=True)
            when = _waiting_verdict(e)
            if when:
                c.bullet(say("amount_benefits", when=when))
            return
    _amount_employee(c, case, today)
    if case.insurance_type is None:
        c.bullet(say("amount_employee_assumed"))
    elif case.lapse_months is not None:
        # People asking the price also need to know when paying restores their benefits.
        e = eligibility(c.chain, today, case.insurance_type, case.lapse_reason, case.lapse_months,
                        case.switching_scheme, case.continuous_years)
        when = _waiting_verdict(e)
        if when:
            c.use(e.used)
            c.bullet(say("amount_benefits", when=when))


def _late_fee(c: Composer, case: Case, today: _dt.date) -> None:
    rate = c.chain.get("late_fee_daily_rate", today)
    lo = _get(c, "late_fine_multiple_min", today)
    hi = _get(c, "late_fine_multiple_max", today)
    c.use([rate])
    individual = case.insurance_type in ("flexible", "resident") or case.lapse_reason == "personal"
    place = c.chain.place or "您所在地"
    if case.arrears is not None and case.overdue_days is not None:
        r = late_fee(c.chain, case.arrears, case.overdue_days, today)
        c.use(r.used)
        if individual:
            c.verdict = say("late_fee_verdict_flexible", fee=yuan(r.fee), place=place)
        else:
            c.verdict = say("late_fee_verdict_employer", fee=yuan(r.fee))
        c.bullet(say("late_fee_calc", arrears=yuan(r.arrears), rate=pct(r.daily_rate), days=r.days, fee=yuan(r.fee)))
        if not individual:
            c.bullet(say("late_fee_fine", lo=plain(lo), hi=plain(hi), fine_lo=yuan(r.fine_min),
                         fine_hi=yuan(r.fine_max)))
        c.figures.update({"late_fee": float(r.fee), "fine_min": float(r.fine_min), "fine_max": float(r.fine_max),
                          "daily_rate": float(r.daily_rate), "days": r.days, "arrears": float(r.arrears),
                          "payer": "unknown" if individual else "employer"})
    else:
        if individual:
            c.verdict = say("late_fee_individual_verdict", rate_words=rate_words(rate.value))
        else:
            c.verdict = say("late_fee_general_verdict", rate_words=rate_words(rate.value), rate=pct(rate.value))
            c.bullet(say("late_fee_general_fine", lo=plain(lo), hi=plain(hi)))
        c.bullet(say("late_fee_offer"))
    example = c.chain.get("individual_late_fee_example", today)
    if example is not None:
        c.use([example])
        c.bullet(say("late_fee_individual", example=example.value["region"], months=example.value["months"],
                     place=place))
    c.figures.setdefault("payer", "unknown" if individual else "employer")


def _newborn_first_enrolment(c: Composer, case: Case, today: _dt.date, verdict: str) -> None:
    """The newborn answer of every topic that meets one (waiting_period, can_backpay,
    resident_enrollment, how_to_backpay): the topic's verdict, the national exemption (N1) and the region's rules
    a newborn may fall under (waiting_regional, groups filtered by `who`)."""
    c.verdict = say(verdict, how=say("newborn_how"))
    c.bullet(say("newborn_wait_line"))
    c.use_facts(["N1"])
    _static(c, case, "waiting_regional", with_verdict=False, today=today)


def _waiting_period(c: Composer, case: Case, today: _dt.date) -> None:
    if case.at_birth():
        _newborn_first_enrolment(c, case, today, "newborn_wait_verdict")
        return
    if case.insurance_type == "resident" and not case.switching_scheme:
        plan, summary = _resident_summary(c, case, today)
        c.verdict = summary
        _static(c, case, "waiting_regional", with_verdict=False, today=today)
        return
    e = _can_backpay(c, case, today)
    verdict = _waiting_verdict(e)
    if verdict:
        c.verdict = verdict
    else:
        lim = e.short_limit
        lo = _get(c, "employee_long_lapse_wait_min_months", today)
        hi = _get(c, "employee_long_lapse_wait_max_months", today)
        c.verdict = say("wait_general", limit=lim, lo=lo, hi=hi)
    if case.insurance_type is None and not case.switching_scheme:
        fixed = _get(c, "resident_fixed_wait_months", today)
        per_year = _get(c, "resident_variable_wait_per_year", today)
        c.bullet(say("wait_resident_general", fixed=fixed, one=UNIT, per_year=per_year))
        c.use_facts(["N1", "N2"])


def _label(status: str) -> str:
    return say("label_unverified") if status == "?" else say("label_secondary") if status == "S" else ""


def _retirement_years(c: Composer, case: Case, today: _dt.date) -> None:
    if case.insurance_type == "resident":
        c.verdict = say("retirement_resident_verdict")
        c.bullet(say("retirement_resident_line"))
        c.use_facts(["N4"])
        return
    if case.gender is None or case.years_paid is None:
        c.verdict = say("retirement_general_verdict")
        r_m = retirement(c.chain, "male", 0, today)
        r_f = retirement(c.chain, "female", 0, today)
        c.use(r_m.used + r_f.used)
        if r_m.options and r_f.options:
            males = "或".join(str(o.required) for o in r_m.options)
            females = "或".join(str(o.required) for o in r_f.options)
            c.bullet(say("retirement_local", male=males, female=females, label=_label(r_m.status)))
        else:
            examples = []
            for name in ("北京", "江西"):
                other = params.resolve(name)
                m, f = retirement(other, "male", 0, today), retirement(other, "female", 0, today)
                if m.options and f.options:
                    examples.append(say("retirement_example", region=name,
                                        male="或".join(str(o.required) for o in m.options),
                                        female="或".join(str(o.required) for o in f.options), label=_label(m.status)))
                    c.use_facts([m.used[0].fact])
            c.bullet(say("retirement_examples", examples="；".join(examples)))
        c.bullet(say("retirement_after"))
        return
    r = retirement(c.chain, case.gender, case.years_paid, today)
    c.use(r.used)
    who = say(case.gender)
    if not r.options:
        c.verdict = say("retirement_no_data_verdict")
        c.bullet(say("retirement_paid", paid=plain(r.years_paid)))
        return
    first = r.options[0]
    label = _label(r.status)
    c.figures.update({"required_years": first.required, "shortfall_years": float(first.shortfall)})
    c.figures["shortfall_options"] = [float(o.shortfall) for o in r.options]
    if r.conflicting:
        parts = "；".join(say("retirement_conflict_part", required=o.required,
                              state=say("retirement_short", short=plain(o.shortfall)) if o.shortfall
                              else say("retirement_enough")) for o in r.options)
        c.verdict = say("retirement_conflict_verdict", label=label, parts=parts)
    elif first.shortfall == 0:
        c.verdict = say("retirement_enough_verdict", who=who, required=first.required, label=label,
                        paid=plain(r.years_paid))
    else:
        c.verdict = say("retirement_short_verdict", who=who, required=first.required, label=label,
                        paid=plain(r.years_paid), short=plain(first.shortfall))
    for o in r.options:
        if o.lump_sum is not None and o.shortfall > 0:
            c.bullet(say("retirement_lump", short=plain(o.shortfall), months_per_year=MONTHS_PER_YEAR,
                         base=yuan(r.base), rate=pct(r.rate), amount=yuan(o.lump_sum)))
            c.figures.setdefault("lump_sum_estimate", float(o.lump_sum))
            c.figures["lump_sum_rate"] = float(r.rate)
    if any(o.lump_sum is not None and o.shortfall > 0 for o in r.options):
        c.bullet(say("retirement_assumption"))
    elif any(o.shortfall > 0 for o in r.options):
        c.bullet(say("retirement_no_rates"))
    if case.lapse_months:
        c.bullet(say("retirement_lapse", months=case.lapse_months))  # the lapse the person named
        c.use_facts(["N12"])
    c.bullet(say("retirement_deemed"))


def _incentive(c: Composer, case: Case, today: _dt.date) -> None:
    if case.insurance_type in ("employee", "flexible"):
        c.verdict = say("incentive_employee_verdict")
        c.bullet(say("incentive_employee_line", limit=_get(c, "employee_short_lapse_months", today)))
        c.use_facts(["N4"])
        return
    years = case.continuous_years
    from_year = int(_get(c, "incentive_count_from_year", today))
    # Years are counted from the rule's first year: 30 years of enrolment count as the years since then.
    countable = max(0, today.year - from_year + 1)
    counted = min(years, countable) if years is not None else None
    claim_free = min(case.claim_free_years or 0, countable)
    r = incentive(c.chain, counted or 0, today, claim_free)
    c.use(r.used)
    at_least = "至少" if r.step_is_minimum else ""
    if years is None:
        c.verdict = say("incentive_verdict_general", start=r.start_years, one=UNIT, at_least=at_least,
                        step=plain(r.continuous_step))
    else:
        if counted < years:
            c.bullet(say("incentive_counted", from_year=from_year, years=years, year=today.year, counted=counted))
        if r.increase > 0:
            c.verdict = say("incentive_verdict", at_least=at_least, increase=yuan(r.increase))
        else:
            c.verdict = say("incentive_verdict_none", from_year=from_year, start=r.start_years)
        if r.rewarded_years:
            c.bullet(say("incentive_continuous", years=counted, start=r.start_years, step=plain(r.continuous_step),
                         amount=yuan(r.continuous_step * r.rewarded_years)))
        if r.claim_free_years:
            c.bullet(say("incentive_zero", years=r.claim_free_years, step=plain(r.zero_claim_step),
                         amount=yuan(r.zero_claim_step * r.claim_free_years)))
        c.figures.update({"increase": float(r.increase), "raw_increase": float(r.raw_increase),
                          "capped": r.capped, "counted_years": counted})
    c.bullet(say("incentive_rules", at_least=at_least, step=plain(r.zero_claim_step), limit=pct(r.limit_rate)))
    if r.original_cap is not None and years is not None and r.increase > 0:
        c.bullet(say("incentive_limit", cap=yuan(r.original_cap), rate=pct(r.limit_rate), limit=yuan(r.limit),
                     state=say("incentive_capped") if r.capped else say("incentive_not_capped")))
        c.bullet(say("incentive_new_cap", cap=yuan(r.original_cap), increase=yuan(r.increase),
                     new_cap=yuan(r.new_cap)))
        c.figures.update({"original_cap": float(r.original_cap), "new_cap": float(r.new_cap)})
    elif years is not None and r.increase > 0:
        c.bullet(say("incentive_no_cap", limit=pct(r.limit_rate)))
    c.bullet(say("incentive_reset"))
    c.use_facts(["N5"])


def _resident_enrollment(c: Composer, case: Case, today: _dt.date) -> None:
    if case.at_birth():
        _newborn_first_enrolment(c, case, today, "newborn_enrol_verdict")
        _static(c, case, "resident_enrollment", with_verdict=False, today=today)
    else:
        _static(c, case, "resident_enrollment", today=today)
        _static(c, case, "waiting_regional", with_verdict=False, today=today)
    year = _resident_year(c, today, case)
    asked = (year,) if year == today.year else (today.year, year)
    for y in asked:
        r = resident_amount(c.chain, (y,), case)
        p = r.years[0]
        if p.rows and not p.national_floor:
            c.use(r.used)
            c.bullet(say("enrollment_premium", year=y, rows="，".join(
                say("resident_amount_row", label=row.label, price=_price(row)) for row in p.rows)))
            c.figures[f"premium_{y}"] = float(p.premiums[0][1])
        elif p.national_floor:
            floor = c.chain.get("resident_premium_min", _dt.date(y, 1, 1))
            c.use([floor])
            c.bullet(say("resident_national_floor", year=y, amount=plain(floor.value)))
        else:
            c.bullet(say("enrollment_premium_missing", year=y))
        if case.at_birth():
            continue  # a newborn enrols within the time after birth, not in the 集中参保期 (N1)
        window, wfound = window_for(c.chain, y)
        if window.known and window.start and window.end:
            c.use([wfound])
            c.bullet(say("enrollment_window", year=y, start=ymd(window.start), end=ymd(window.end)))
        elif window.known and window.end:
            c.use([wfound])
            c.bullet(say("enrollment_window_end", year=y, end=ymd(window.end)))
    if not any(p.rows and not p.national_floor for p in resident_amount(c.chain, asked, case).years):
        _latest_local_premium(c, case, asked[0], today, missing="、".join(str(y) for y in asked))


def _switch_scheme(c: Composer, case: Case, today: _dt.date) -> None:
    _static(c, case, "switch_scheme", today=today)
    if case.switching_scheme or (case.continuous_years is not None and case.lapse_months is not None):
        e = eligibility(c.chain, today, case.insurance_type, case.lapse_reason, case.lapse_months, True,
                        case.continuous_years)
        c.use(e.used)
        if e.rule == "switch_short":
            c.verdict = say("switch_ok_verdict", years=case.continuous_years, months=case.lapse_months)
        elif e.rule == "switch_long":
            c.verdict = say("switch_long_case_verdict", years=case.continuous_years, months=case.lapse_months,
                            max_wait=e.wait_months[1])
        c.figures["rule"] = e.rule


def _can_backpay_full(c: Composer, case: Case, today: _dt.date) -> None:
    if case.at_birth():
        # nothing lapsed: no back-payment verdict, no 年度 plan, no back-payment price
        _newborn_first_enrolment(c, case, today, "newborn_enrol_verdict")
        c.figures.update({"rule": "newborn", "backpay_due": False})
        c.buttons = follow_ups(c.topic, without=("backpay_amount",))
        return
    _can_backpay(c, case, today, assess=True)


def _how_to_backpay(c: Composer, case: Case, today: _dt.date) -> None:
    if case.at_birth():
        # 「孩子刚出生，医保怎么补交」: nothing lapsed, so how to enrol the child, not how to back-pay
        _resident_enrollment(c, case, today)
        c.figures.update({"rule": "newborn", "backpay_due": False})
        c.buttons = follow_ups(c.topic, without=("backpay_amount",))
        return
    _static(c, case, "how_to_backpay", today=today)
    _static(c, case, "employer_gone", with_verdict=False, today=today)


COMPUTED: dict[str, Callable[[Composer, Case, _dt.date], None]] = {
    "can_backpay": _can_backpay_full,
    "backpay_amount": _backpay_amount,
    "late_fee": _late_fee,
    "waiting_period": _waiting_period,
    "retirement_years": _retirement_years,
    "incentive": _incentive,
    "resident_enrollment": _resident_enrollment,
    "switch_scheme": _switch_scheme,
    "how_to_backpay": _how_to_backpay,
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
    c = Composer(topic, chain, notices=[f"⚠ {p}" for p in problems], today=today)
    if topic not in TOPICS:
        c.verdict = say("not_in_scope")
        c.show_level = False
        return c.render()
    c.buttons = follow_ups(topic)
    c.missing = required_fields(topic, case)
    if topic in COMPUTED:
        COMPUTED[topic](c, case, today)
    else:
        _static(c, case, topic, today=today)
    if not c.verdict:
        c.verdict = say("general_rule")
    return c.render()


def case_summary(case: Optional[Case] = None) -> str:
    """「好的，已记录：…」: the facts the case carries, in the engine's labels (VALUE_LABELS for canonical
    values, data/sentences.yaml for the rest), including those said in passing (公司倒闭了, 今年交了)."""
    case = case if isinstance(case, Case) else Case()
    label = lambda field, value: VALUE_LABELS[field].get(value, (value,))[0]  # noqa: E731
    parts = []
    if case.city or case.province:
        parts.append(case.city or case.province)
    if case.insurance_type:
        parts.append(label("insurance_type", case.insurance_type))
    if case.lapse_reason:
        parts.append(label("lapse_reason", case.lapse_reason))
    if case.employer_gone:
        parts.append(say("summary_employer_gone"))
    if case.newborn:
        parts.append(say("summary_newborn"))
    if case.lapse_months is not None:
        parts.append(say("summary_lapse_months", months=case.lapse_months))
    if case.payment_date is not None:
        parts.append(say("summary_payment_date", date=ymd(case.payment_date)))
    elif case.payment_year is not None:
        parts.append(say("summary_payment_year", year=case.payment_year))
    if case.monthly_wage is not None:
        parts.append(say("summary_wage", wage=yuan(case.monthly_wage)))
    if case.arrears is not None:
        parts.append(say("summary_arrears", arrears=yuan(case.arrears)))
    if case.overdue_days is not None:
        parts.append(say("summary_overdue_days", days=case.overdue_days))
    return "，".join(parts)


def handoff_text(case: Optional[Case] = None) -> str:
    """Who to call: 12393, 12333 and the local bureau when the data knows it."""
    case = case if isinstance(case, Case) else Case()
    today = _dt.date.today()
    case, _ = check_case(case, today)
    chain = params.resolve(case.city, case.province)
    bureaus = params.region_index().get("bureaus") or {}
    medical = chain.get("hotline_medical", today)
    social = chain.get("hotline_social", today)
    lines = [say("handoff_intro"), say("handoff_medical", hotline=medical.value),
             say("handoff_social", hotline=social.value)]
    local = None
    for name in (chain.city, chain.province):
        if name and name in bureaus:
            local = bureaus[name]
            break
    if local:
        site = say("handoff_site", site=local["website"]) if local.get("website") else ""
        phone = say("handoff_phone", phone=local["phone"]) if local.get("phone") else ""
        lines.append(say("handoff_local", name=local["name"], phone=phone, site=site))
    elif chain.place:
        lines.append(say("handoff_search_place", place=chain.place))
    else:
        lines.append(say("handoff_search"))
    lines.append(say("handoff_more"))
    return "\n".join(lines)
