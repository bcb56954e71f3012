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
from decimal import Decimal


@dataclass(frozen=True)
class Column:
    header: str
    definition: str
    # text | int | wan (元 shown in 万元, two decimals) | decimal | percent
    format: str = "text"
    width: float = 12


def display(value, format: str) -> str:
    """A sheet's cell as a page shows it (the workbook keeps the number and its number format):
    two decimals for `decimal`/`wan` (a count without decimals stays whole: counts share the column), a
    percentage for `percent` (0.4508 → 45.1%), thousands separators, — for empty."""
    from .kit.formats import DASH, fmt_int, fmt_money, fmt_ratio

    if value is None or value == "":
        return DASH
    if isinstance(value, bool) or format == "text" or not isinstance(value, (int, float, Decimal)):
        return str(value)
    if format == "percent":
        return fmt_ratio(value)
    if format == "int" or isinstance(value, int) or (isinstance(value, Decimal) and value.as_tuple().exponent >= 0):
        return fmt_int(value)
    return fmt_money(value)


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
