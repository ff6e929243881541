"""Coverage of the regional policy data: which facts are known per province and listed city.

    .venv/bin/python scripts/coverage.py [--today YYYY-MM-DD] [--png reports/coverage.png] [--no-png]

Prints one row per province (and per city with its own data file): for each kind of fact the
年度 / base years it is known for and their status (V / S / ?), "省" when the figure comes from
the province file, and the date of the newest source page. Writes the same table as a PNG.
A region whose newest resident premium is older than the 年度 now being collected is flagged.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "policy_engine" / "data"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# column title -> parameter names (regional shapes and the original names)
COLUMNS = {
    "居民缴费": ("resident_premium", "resident_premium_options", "resident_premium_working",
             "resident_premium_elderly", "resident_premium_student", "resident_premium_min"),
    "缴费期": ("resident_window",),
    "期外规则": ("resident_late_rule", "resident_switch_rule", "resident_window_covers_from_next_day"),
    "职工基数": ("employee_base_min", "employee_base_max", "employee_base_lowest"),
    "费率": ("employer_rate", "employee_individual_rate", "employer_rate_options", "employee_individual_fixed"),
    "灵活就业": ("flexible_rate", "flexible_rate_major_illness_mode", "flexible_base", "flexible_fixed", "flexible_yearly_fixed",
             "flexible_first_wait_months"),
    "断缴规则": ("lapse_rule_employee", "lapse_rule_flexible", "lapse_rule_employee_wait",
             "flexible_short_lapse_months", "employee_short_lapse_months"),
    "激励": ("incentive_step", "incentive_continuous_step", "incentive_zero_claim_step"),
}
STATUS_ORDER = {"V": 0, "S": 1, "?": 2}


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def load_index() -> dict:
    return yaml.safe_load((DATA / "regions.yaml").read_text(encoding="utf-8"))


def load_files(index: dict) -> dict[str, dict]:
    listed = {**(index.get("data_files") or {}), **(index.get("pending_files") or {})}
    out = {}
    for region, path in listed.items():
        if region == "全国":
            continue
        out[region] = yaml.safe_load((DATA / path).read_text(encoding="utf-8"))
    return out


def _has_late_periods(value) -> bool:
    periods = value.get("periods") if isinstance(value, dict) else None
    return any(p.get("covered_from") in ("after_wait", "none") or p.get("pays") for p in periods or ())


def _label(start: dt.date) -> str:
    return str(start.year) if (start.month, start.day) == (1, 1) else f"{start.year}-{start.month:02d}"


def cell(files: list[tuple[str, dict]], names: tuple[str, ...], column: str) -> tuple[str, list[int]]:
    """Text for one column: years with the weakest status, from the most specific file that has any."""
    for level, raw in files:
        found: dict[str, str] = {}
        years: list[int] = []
        for name in names:
            param = (raw.get("parameters") or {}).get(name)
            if not param:
                continue
            for key, item in (param.get("values") or {}).items():
                start = _date(key)
                item = item if isinstance(item, dict) and "value" in item else {"value": item}
                if column == "期外规则" and name not in COLUMNS["期外规则"]:
                    continue
                status = str(item.get("status", param.get("status")))
                label = _label(start)
                if STATUS_ORDER.get(status, 3) >= STATUS_ORDER.get(found.get(label, "V"), 0):
                    found[label] = status
                years.append(start.year)
        if column == "期外规则":  # late rules inside the window's periods count here too
            window = (raw.get("parameters") or {}).get("resident_window") or {}
            for key, item in (window.get("values") or {}).items():
                if isinstance(item, dict) and _has_late_periods(item.get("value")):
                    found[_label(_date(key))] = str(item.get("status", window.get("status")))
                    years.append(_date(key).year)
        if found:
            text = ",".join(f"{y} {s}" for y, s in sorted(found.items()))
            return (text + (" (省)" if level == "province" else "")), years
    return "-", []


def newest_source(files: list[tuple[str, dict]]) -> str:
    dates = [str(f["page_date"]) for _, raw in files for f in (raw.get("facts") or {}).values()
             if isinstance(f, dict) and f.get("page_date")]
    return max(dates) if dates else "-"


def collecting_year(today: dt.date) -> int:
    """The resident 年度 being collected: next year from September on (most windows open Sep-Nov)."""
    return today.year + 1 if today.month >= 9 else today.year


def rows(today: dt.date) -> tuple[list[str], list[list[str]]]:
    index = load_index()
    files = load_files(index)
    head = ["地区", *COLUMNS, "最新来源", "提示"]
    want = collecting_year(today)
    table = []

    def row(name: str, chain: list[tuple[str, dict]]):
        cells, resident_years = [], []
        for column, names in COLUMNS.items():
            text, years = cell(chain, names, column)
            cells.append(text)
            if column == "居民缴费":
                resident_years = years
        if not resident_years:
            note = "无居民缴费数据"
        elif max(resident_years) < want:
            note = f"缺{want}年度"
        else:
            note = ""
        table.append([name, *cells, newest_source(chain), note])

    for province in index["provinces"]:
        own = files.get(province)
        chain = [("own", own)] if own else []
        row(province, chain)
        for city, prov in index["cities"].items():
            if prov == province and city != province and city in files:
                chain = [("city", files[city])] + ([("province", own)] if own else [])
                row(f"  {city}", chain)
    return head, table


def text_table(head: list[str], table: list[list[str]]) -> str:
    return "\n".join(" | ".join(r) for r in [head, *table])


def write_png(head: list[str], table: list[list[str]], path: Path) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import font_manager
    except ImportError:
        return "matplotlib not installed: no PNG written"
    if FONT.exists():
        font_manager.fontManager.addfont(str(FONT))
        plt.rcParams["font.family"] = font_manager.FontProperties(fname=str(FONT)).get_name()
    fig_h = 0.28 * (len(table) + 2)
    fig, ax = plt.subplots(figsize=(13, fig_h))
    ax.axis("off")
    colours = []
    for r in table:
        line = []
        for c in r:
            if c.endswith("年度") or c.startswith("无"):
                line.append("#f6d5d5")
            elif " ?" in c:
                line.append("#fff2cc")
            elif " V" in c:
                line.append("#d9ead3")
            elif " S" in c:
                line.append("#e8f0fa")
            else:
                line.append("white")
        colours.append(line)
    tab = ax.table(cellText=table, colLabels=head, cellColours=colours, loc="upper left", cellLoc="left")
    tab.auto_set_font_size(False)
    tab.set_fontsize(7)
    tab.auto_set_column_width(list(range(len(head))))
    ax.set_title("医保地区数据覆盖（V 官方 / S 二手多源 / ? 单一来源；(省) = 取自省级数据）", fontsize=10, loc="left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--png", type=Path, default=ROOT / "reports" / "coverage.png")
    parser.add_argument("--no-png", action="store_true")
    args = parser.parse_args(argv)
    head, table = rows(args.today)
    print(text_table(head, table))
    print(f"\n{sum(1 for r in table if r[1] != '-')} of {len(table)} rows have a resident premium; "
          f"年度 being collected on {args.today}: {collecting_year(args.today)}")
    if not args.no_png:
        print(write_png(head, table, args.png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
