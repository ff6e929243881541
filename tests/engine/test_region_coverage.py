"""scripts/coverage.py: the table a maintainer reads each autumn."""
from __future__ import annotations

import datetime as dt
import functools
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "coverage.py"
spec = importlib.util.spec_from_file_location("coverage_script", SCRIPT)
coverage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(coverage)


@functools.lru_cache(maxsize=None)
def _rows(today):
    return coverage.rows(today)


def _table(today):
    head, table = _rows(today)
    return head, {r[0].strip(): dict(zip(head, r)) for r in table}


def test_every_province_and_the_big_cities_have_a_row():
    _, rows = _table(dt.date(2026, 12, 1))
    for name in ("上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "沈阳", "长沙", "宁夏", "北京"):
        assert name in rows
    assert len([r for r in rows if r in coverage.load_index()["provinces"]]) == 32


def test_cells_show_years_status_and_where_the_figure_comes_from():
    _, rows = _table(dt.date(2026, 12, 1))
    assert rows["上海"]["居民缴费"] == "2025 S,2026 S"
    assert rows["上海"]["职工基数"] == "2024-07 S,2025-07 S"
    assert rows["长沙"]["居民缴费"].endswith("(省)") and "2026 V" in rows["长沙"]["居民缴费"]
    assert rows["深圳"]["缴费期"] == "-"
    assert rows["宁夏"]["提示"] == "无居民缴费数据"


def test_stale_regions_are_flagged_for_the_year_being_collected():
    _, december = _table(dt.date(2026, 12, 1))
    assert december["湖南"]["提示"] == "缺2027年度"
    _, spring = _table(dt.date(2026, 3, 1))
    assert spring["湖南"]["提示"] == ""
    assert spring["武汉"]["提示"] == "缺2026年度"


def test_newest_source_date():
    _, rows = _table(dt.date(2026, 12, 1))
    assert rows["湖南"]["最新来源"] == "2026-01-28"


def test_png_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    head, table = _rows(dt.date(2026, 12, 1))
    out = tmp_path / "coverage.png"
    coverage.write_png(head, table, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
