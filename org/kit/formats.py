"""Number formats of every page, table and chart: the one home of 万元, 元, thousands and percent.

Money aggregated over many transactions is shown in 万元 with two decimals; 元 only on a single
transaction. Thousands separators everywhere; the unit goes in the column header, not the cell.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DASH = "—"
TEN_THOUSAND = Decimal("10000")
CENT = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def to_wan(value) -> Decimal | None:
    """元 → 万元, rounded half up to two decimals (1,841,000.00 元 → 184.10)."""
    d = _decimal(value)
    return None if d is None else (d / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_int(value) -> str:
    d = _decimal(value)
    return DASH if d is None else f"{int(d):,}"


def fmt_money(value) -> str:
    """Two decimals with thousands separators (a 元 amount, or a figure already in 万元)."""
    d = _decimal(value)
    return DASH if d is None else f"{d.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def fmt_wan(value) -> str:
    """A 元 amount shown in 万元 ("184.10")."""
    w = to_wan(value)
    return DASH if w is None else f"{w:,}"


def fmt_pct(value, digits: int = 1) -> str:
    """A percentage already ×100 (45.08 → "45.1%")."""
    d = _decimal(value)
    return DASH if d is None else f"{float(d):,.{digits}f}%"


def fmt_ratio(value, digits: int = 1) -> str:
    """A ratio 0..1 as a percentage (0.4508 → "45.1%")."""
    d = _decimal(value)
    return DASH if d is None else fmt_pct(d * 100, digits)
