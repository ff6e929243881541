"""Sweeps over every region the data has: the can_backpay assessment never contradicts itself.

- the 「要交多少」 line agrees with the verdict: a lapse that cannot be back-paid (re-enrol as new)
  gets no back-payment amount and no offer to compute one (neither the 问“补缴要多少钱” hint nor the
  button), also when 「补缴要多少钱」 is asked; a lapse that can be back-paid is not told to re-enrol;
- the 「带什么」 line (and the materials topic) names each item once.
"""
import datetime as dt
import re

import pytest

from policy_engine import Case, answer, params

TODAY = dt.date(2026, 12, 1)
# the documents a materials line may name; each at most once per line
DOCUMENTS = ("身份证", "社保卡", "医保电子凭证", "户口本", "劳动合同", "工资发放记录", "银行流水", "缴费凭证",
             "缴费账户信息")


def _regions():
    out = [None]
    for name in params.region_index()["data_files"]:
        reg = params.region(name)
        if reg is not None and reg.level != "national":
            out.append((reg.level, name))
    return out


def _slots(region, **fields):
    if region is not None:
        level, name = region
        fields["city" if level == "city" else "province"] = name
    return {k: v for k, v in fields.items() if v is not None}


def _line(text: str, head: str) -> str:
    found = [l for l in text.splitlines() if l.startswith(f"• {head}：")]
    assert len(found) <= 1, text
    return found[0] if found else ""


REGIONS = _regions()


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r[1] if r else "no-city")
def test_amount_line_agrees_with_the_verdict(region):
    for itype, reason in (("flexible", None), ("flexible", "personal"), ("employee", "personal"),
                          ("employee", "employer")):
        for months in (2, 3, 5, 24):
            case = Case.from_slots(_slots(region, insurance_type=itype, lapse_reason=reason, lapse_months=months))
            a = answer("can_backpay", case, today=TODAY)
            amount = _line(a.text, "要交多少")
            titles = [t for t, _ in a.buttons]
            where = f"{region} {itype} {reason} {months}:\n{a.text}"
            if a.figures["can_backpay"] == "no_new_enrolment":
                assert amount.startswith("• 要交多少：按新参保办理，断缴期间的费用不用补交"), where
                assert "补缴要多少钱" not in a.text and "补缴要多少钱" not in titles, where
                assert not re.search(r"补缴\d+个月", a.text) and "total" not in a.figures, where
                assert a.figures["backpay_due"] is False, where
                monthly = a.figures["new_enrolment_monthly"]
                assert (monthly is None) == ("每月交多少" in amount), where
            else:
                assert "按新参保办理" not in amount and "backpay_due" not in a.figures, where
                assert "补缴要多少钱" in titles, where
                if a.figures["can_backpay"] == "employer":
                    assert not amount, where
            # asked 「补缴要多少钱」 anyway: the same verdict, never a back-payment price against it
            priced = answer("backpay_amount", case, today=TODAY)
            if a.figures["can_backpay"] == "no_new_enrolment":
                assert priced.text.splitlines()[0] == a.text.splitlines()[0], where
                assert not re.search(r"补缴\d+个月", priced.text) and "total" not in priced.figures, where
                assert "滞纳金怎么算" not in [t for t, _ in priced.buttons], where
            else:
                assert "backpay_due" not in priced.figures, where


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r[1] if r else "no-city")
def test_materials_name_each_item_once(region):
    combos = [(itype, reason, gone) for itype in (None, "employee", "flexible", "resident")
              for reason in (None, "employer", "personal") for gone in (None, True)
              if gone is None or (reason == "employer" and itype in (None, "employee"))]
    for itype, reason, gone in combos:
        slots = _slots(region, insurance_type=itype, lapse_reason=reason, employer_gone=gone,
                       lapse_months=2 if itype != "resident" else None)
        case = Case.from_slots(slots)
        bring = _line(answer("can_backpay", case, today=TODAY).text, "带什么")
        listed = "\n".join(l for l in answer("materials", case, today=TODAY).text.splitlines()
                           if l.startswith("• "))
        for text in (bring, listed):
            for doc in DOCUMENTS:
                assert text.count(doc) <= 1, f"{doc!r} twice for {slots}:\n{text}"
        assert bring.startswith("• 带什么：本人身份证、社保卡（或医保电子凭证）"), f"{slots}: {bring}"
