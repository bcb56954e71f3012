"""Charts as data: each builder returns a `Chart` — an Apache ECharts option (plain JSON, read by
static/js/kit.js from a `json_script` tag, so no inline script under the CSP) and the same figures
as a data table, which the page always renders beside the chart (readable without JavaScript, by a
screen reader, and copied into Excel).

    chart = trend_chart(title="近 8 周进件", categories=["2026-W40", …], series=[("进件数", [3, 5, …])],
                        target=("进件目标", [4, 4, …]), unit="件")
    {% chart chart %}

Labels and tooltips are Chinese; the tooltip is drawn by ECharts itself (`renderMode: richText`),
so it needs no inline styles either. Values are floats (Decimal is converted here).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from .formats import DASH, fmt_int, fmt_money, fmt_pct

PALETTE = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037"]
TARGET_COLOUR = "#9e9e9e"
_ids = itertools.count(1)


@dataclass
class Chart:
    kind: str
    title: str
    option: dict
    headers: list[str]
    rows: list[list[str]]
    unit: str = ""
    height: str = "md"  # sm, md, lg: CSS classes (no inline style)
    id: str = field(default_factory=lambda: f"chart-{next(_ids)}")


def _num(v):
    if v is None:
        return None
    return float(v) if isinstance(v, Decimal) else v


def _fmt(v, unit: str) -> str:
    if v is None:
        return DASH
    if unit == "%":
        return fmt_pct(v)
    if unit == "万元" or (isinstance(v, float | Decimal) and v != int(v)):
        return fmt_money(v)
    return fmt_int(v)


def _base(title: str, unit: str) -> dict:
    return {
        "color": PALETTE,
        "animation": False,  # figures, not a show: drawn at once (and the same in every screenshot)
        "textStyle": {"fontFamily": "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif"},
        "tooltip": {"trigger": "axis", "renderMode": "richText", "confine": True},
        "grid": {"left": 8, "right": 36, "top": 40, "bottom": 8, "containLabel": True},
        "legend": {"top": 4, "type": "scroll"},
        "aria": {"enabled": True, "label": {"description": title}},
    }


def trend_chart(*, title: str, categories: list[str], series: list[tuple[str, list]], target: tuple[str, list] | None = None, unit: str = "") -> Chart:
    """Lines per series over time, the target as a dashed grey line."""
    option = _base(title, unit)
    option["xAxis"] = {"type": "category", "data": categories, "boundaryGap": False}
    option["yAxis"] = {"type": "value", "name": unit, "minInterval": 1 if unit in ("件", "笔", "人", "") else 0}
    option["series"] = [{"name": name, "type": "line", "data": [_num(v) for v in values], "smooth": False, "symbolSize": 6} for name, values in series]
    headers = ["期间", *[f"{name}({unit})" if unit else name for name, _ in series]]
    if target is not None:
        option["series"].append(
            {"name": target[0], "type": "line", "data": [_num(v) for v in target[1]], "lineStyle": {"type": "dashed", "color": TARGET_COLOUR}, "itemStyle": {"color": TARGET_COLOUR}}
        )
        headers.append(f"{target[0]}({unit})" if unit else target[0])
    columns = [values for _, values in series] + ([target[1]] if target else [])
    rows = [[cat, *[_fmt(col[i], unit) for col in columns]] for i, cat in enumerate(categories)]
    return Chart("trend", title, option, headers, rows, unit)


def funnel_chart(*, title: str, stages: list[tuple[str, int]], unit: str = "件") -> Chart:
    """Stages from the widest to the narrowest; the table adds each stage's share of the first."""
    option = _base(title, unit)
    option["tooltip"] = {"trigger": "item", "renderMode": "richText", "confine": True, "formatter": "{b}：{c}"}
    option["legend"] = {"show": False}
    option["series"] = [
        {
            "name": title,
            "type": "funnel",
            "sort": "none",
            "left": "10%",
            "width": "80%",
            "top": 10,
            "bottom": 10,
            "minSize": "8%",
            "label": {"show": True, "position": "inside", "formatter": "{b} {c}"},
            "data": [{"name": name, "value": _num(v)} for name, v in stages],
        }
    ]
    first = stages[0][1] if stages and stages[0][1] else None
    rows = [[name, _fmt(v, unit), fmt_pct(100 * v / first) if first else DASH] for name, v in stages]
    return Chart("funnel", title, option, ["环节", f"数量({unit})", "占首环节"], rows, unit)


def ranking_chart(*, title: str, items: list[tuple[str, float]], unit: str = "", limit: int = 15) -> Chart:
    """Horizontal bars, the first item on top (items already ranked by the database)."""
    items = items[:limit]
    option = _base(title, unit)
    option["tooltip"]["axisPointer"] = {"type": "shadow"}
    option["legend"] = {"show": False}
    option["yAxis"] = {"type": "category", "data": [name for name, _ in reversed(items)], "axisLabel": {"width": 120, "overflow": "truncate"}}
    option["xAxis"] = {"type": "value", "name": unit}
    option["series"] = [{"name": title, "type": "bar", "data": [_num(v) for _, v in reversed(items)], "label": {"show": True, "position": "right"}}]
    rows = [[str(i + 1), name, _fmt(v, unit)] for i, (name, v) in enumerate(items)]
    return Chart("ranking", title, option, ["序号", "名称", f"数值({unit})" if unit else "数值"], rows, unit, height="lg" if len(items) > 8 else "md")


def progress_chart(*, title: str, items: list[tuple[str, float | None]], time_progress_pct: float) -> Chart:
    """Attainment % per item as bars against the period's time progress (a vertical marker line);
    bars below it are drawn in the brand red (落后序时进度), the others green."""
    option = _base(title, "%")
    option["tooltip"]["axisPointer"] = {"type": "shadow"}
    option["legend"] = {"show": False}
    option["yAxis"] = {"type": "category", "data": [name for name, _ in reversed(items)], "axisLabel": {"width": 120, "overflow": "truncate"}}
    option["xAxis"] = {"type": "value", "name": "%", "max": max([100.0, *[float(v or 0) for _, v in items]])}
    option["series"] = [
        {
            "name": "达成率",
            "type": "bar",
            "data": [
                {"value": round(float(v), 1) if v is not None else None, "itemStyle": {"color": "#c62828" if (v or 0) < time_progress_pct else "#2e7d32"}}
                for _, v in reversed(items)
            ],
            "label": {"show": True, "position": "right", "formatter": "{c}%"},
            "markLine": {
                "symbol": "none",
                "lineStyle": {"color": "#424242", "type": "dashed"},
                "label": {"formatter": f"序时进度 {time_progress_pct:.1f}%"},
                "data": [{"xAxis": round(time_progress_pct, 1)}],
            },
        }
    ]
    rows = [[name, fmt_pct(v) if v is not None else DASH, fmt_pct(time_progress_pct), "落后序时进度" if v is not None and v < time_progress_pct else ""] for name, v in items]
    return Chart("progress", title, option, ["名称", "达成率", "序时进度", "状态"], rows, "%", height="lg" if len(items) > 8 else "md")


def comparison_chart(*, title: str, categories: list[str], series: list[tuple[str, list]], unit: str = "") -> Chart:
    """Grouped bars comparing institutions side by side (no map)."""
    option = _base(title, unit)
    option["tooltip"]["axisPointer"] = {"type": "shadow"}
    option["xAxis"] = {"type": "category", "data": categories, "axisLabel": {"interval": 0, "rotate": 30 if len(categories) > 6 else 0}}
    option["yAxis"] = {"type": "value", "name": unit}
    option["series"] = [{"name": name, "type": "bar", "data": [_num(v) for v in values]} for name, values in series]
    rows = [[cat, *[_fmt(values[i], unit) for _, values in series]] for i, cat in enumerate(categories)]
    return Chart("comparison", title, option, ["机构", *[f"{n}({unit})" if unit else n for n, _ in series]], rows, unit)
