"""Shared test data: a points table (v1 from 2025-01-01) and sales written as import files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from org.importing.base import run_import
from org.tests.factories import StaffFactory, tree
from org.tests.importing_utils import write_csv
from outlets.services.points import points_table_publish

SALE_HEADER = ["sale_id", "employee_no", "product", "quantity", "amount", "sold_on"]


def rates_v1() -> list[dict]:
    return [
        {"product": "deposit", "name": "新增存款", "basis": "wan", "points": Decimal("10")},
        {"product": "wealth", "name": "理财产品", "basis": "unit", "points": Decimal("20")},
        {"product": "card", "name": "信用卡", "basis": "unit", "points": Decimal("30")},
        {"product": "mbank", "name": "手机银行", "basis": "unit", "points": Decimal("5")},
    ]


def table_v1(effective_from=dt.date(2025, 1, 1)):
    return points_table_publish(by=None, effective_from=effective_from, rates=rates_v1(), note="测试")


def import_sales(tmp_path, rows, *, name="sales.csv", **kwargs):
    path = write_csv(tmp_path / name, SALE_HEADER, rows)
    return run_import(kind="sales", path=path, **kwargs)


def manager(code: str, inst="OUT1", **kwargs):
    """A customer manager (wealth manager) of outlet `inst` (a code of the factory tree or an Institution)."""
    place = tree()[inst] if isinstance(inst, str) else inst
    return StaffFactory(employee_no=code, institution=place, positions=";wealth_manager;", **kwargs)
