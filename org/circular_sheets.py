"""Registry of circular (通报) sheets: each programme registers its sheet from AppConfig.ready().

Reporting reads the registry and writes the workbook, so no programme imports `reporting` and
`reporting` needs no knowledge of a programme's models:

    circular_sheets.register(
        name="转介", order=10, kinds=("week", "month", "quarter"),
        rule_version=lambda period: "转介规则 v3",
        build=lambda *, period, scope: SheetData(columns=[...], rows=[...]),
    )

A builder returns plain values in column order; the writer applies the column's format (万元 with
two decimals, percentages, integers), Chinese headers, a frozen header, a filter and widths, and
lists every column with its definition and rule version on the 说明 sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    header: str
    definition: str
    # text | int | wan (元 shown in 万元, two decimals) | decimal | percent
    format: str = "text"
    width: float = 12


@dataclass
class SheetData:
    columns: list[Column]
    rows: list[list] = field(default_factory=list)


@dataclass(frozen=True)
class SheetBuilder:
    name: str
    order: int
    kinds: tuple[str, ...]
    rule_version: Callable  # (period) -> str, cheap: decides whether a stored circular is current
    build: Callable  # (*, period, scope) -> SheetData


_builders: dict[str, SheetBuilder] = {}


def register(*, name: str, build: Callable, rule_version: Callable, order: int = 50, kinds=("week", "month", "quarter")) -> None:
    """Register (or replace, so a reload is harmless) the builder of one sheet."""
    _builders[name] = SheetBuilder(name=name, order=order, kinds=tuple(kinds), rule_version=rule_version, build=build)


def builders_for(period_kind: str) -> list[SheetBuilder]:
    return sorted((b for b in _builders.values() if period_kind in b.kinds), key=lambda b: (b.order, b.name))
