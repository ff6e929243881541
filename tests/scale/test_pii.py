"""Masking of personal data (身份证号, phone numbers, bank cards) and of log records."""
import logging

import pytest

from ops.pii import BANK_CARD, ID_CARD, PHONE, MaskingLogFilter, mask_obj, mask_text


@pytest.mark.parametrize("text, expected", [
    ("我的身份证号是36010219900101123X", f"我的身份证号是{ID_CARD}"),
    ("身份证 36010219900101123x 能查吗", f"身份证 {ID_CARD} 能查吗"),
    ("身份证号码：110105194912310025，帮我查下", f"身份证号码：{ID_CARD}，帮我查下"),
    ("旧身份证号 360102900101123", f"旧身份证号 {ID_CARD}"),
    ("电话13812345678", f"电话{PHONE}"),
    ("手机 138-1234-5678 打我", f"手机 {PHONE} 打我"),
    ("我的号 +86 139 1234 5678", f"我的号 {PHONE}"),
    ("座机0791-88886666找我", f"座机{PHONE}找我"),
    ("卡号6217001234567890123扣款失败", f"卡号{BANK_CARD}扣款失败"),
    ("银行卡 6222 0212 3456 7890 扣不了", f"银行卡 {BANK_CARD} 扣不了"),
    ("卡号6222021234567890", f"卡号{BANK_CARD}"),
])
def test_personal_data_is_masked(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", [
    "补缴3000元要交多少滞纳金",
    "断了4个月，月工资8000元",
    "欠费12000.50元，逾期90天",
    "2023-05-01开始断的，2024年3月1日补的",
    "热线12393和12345打不通",
    "我在南昌，灵活就业断了一年半",
    "交了15年，还差10年",
    "基数 6338.5，比例 8%",
])
def test_ordinary_numbers_are_untouched(text):
    assert mask_text(text) == text


def test_several_items_in_one_message():
    text = "身份证36010219900101123X，电话13812345678，卡6217001234567890123，补3000元"
    assert mask_text(text) == f"身份证{ID_CARD}，电话{PHONE}，卡{BANK_CARD}，补3000元"


def test_mask_obj_masks_nested_strings_only():
    value = {"text": "电话13812345678", "entities": [{"value": "36010219900101123X", "start": 0}], "confidence": 0.9}
    masked = mask_obj(value)
    assert masked == {"text": f"电话{PHONE}", "entities": [{"value": ID_CARD, "start": 0}], "confidence": 0.9}
    assert value["text"] == "电话13812345678"  # the input is not modified


def test_log_filter_masks_message_args_and_tracebacks():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(MaskingLogFilter())
    log = logging.getLogger("tests.scale.pii")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("user said %s", "我的手机13812345678")
        log.warning('{"event": "x", "text": "36010219900101123X"}')
        try:
            raise ValueError("card 6217001234567890123")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    joined = "\n".join(records)
    for secret in ("13812345678", "36010219900101123X", "6217001234567890123"):
        assert secret not in joined
    assert PHONE in records[0] and ID_CARD in records[1] and BANK_CARD in records[2]
