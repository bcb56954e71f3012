"""import_data staff of a 20,000-row HR file, beside a bare COPY of the same CSV into a staging table."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from bench import common

ORDER = 20
ROWS = 20_000
PREFIX = "N"  # employee numbers of the imported people, removed again afterwards
TRANSFER_SHARE = 0.02
HEADER = [
    "employee_no",
    "name",
    "mobile",
    "institution_code",
    "positions",
    "employment_type",
    "effective_date",
    "active_to",
    "id_number",
    "tier",
]


def write_staff_file(path: Path, *, seed: int, transfers_from: Path | None = None) -> int:
    """A roster of ROWS new people in the regional bank's own institutions (the generator with
    another seed). With `transfers_from`, the same roster with TRANSFER_SHARE of them moved to
    another outlet a month later: what a monthly HR feed looks like. Returns rows written."""
    import datetime as dt
    import random

    from org import clock
    from org.demo_data.bank import generate, plan_for
    from org.models import InstitutionKind

    plan = dataclasses.replace(plan_for("regional"), staff=ROWS, customers=10)
    bank = generate(plan, seed=seed + 1, today=clock.today())
    outlets = [r.code for r in bank.institutions if r.kind == InstitutionKind.OUTLET]
    rng = random.Random(seed)
    stayers = [i for i, s in enumerate(bank.staff) if s.active_to is None]
    moved = set(rng.sample(stayers, int(len(bank.staff) * TRANSFER_SHARE))) if transfers_from else set()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i, s in enumerate(bank.staff):
            institution, effective = s.institution_code, s.active_from
            if i in moved:
                institution = rng.choice([c for c in outlets[:50] if c != institution])
                effective = clock.today() - dt.timedelta(days=3)
            out.writerow(
                [
                    f"{PREFIX}{i + 1:06d}",
                    s.name,
                    "170" + s.mobile[3:],  # a prefix the seeded bank never uses: no clash with it
                    institution,
                    ";".join(s.positions),
                    s.employment_type,
                    effective.isoformat(),
                    s.active_to.isoformat() if s.active_to else "",
                    s.id_number or "",
                    s.tier or "",
                ]
            )
    return len(bank.staff)


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    from org.importing.base import run_import
    from org.models import Staff, StaffAssignment

    first = bench.workdir / "staff_20k.csv"
    monthly = bench.workdir / "staff_20k_transfers.csv"
    n = write_staff_file(first, seed=bench.seed)
    write_staff_file(monthly, seed=bench.seed, transfers_from=first)
    rows = []
    try:
        floor = bench.csv_copy_floor(first)
        with bench.timer() as t:
            result = run_import(kind="staff", path=first)
        _expect(result, created=n)
        rows.append(common.row(f"import_data staff, {n:,} new rows", t.seconds, "s", "bare COPY of the CSV into a staging table", floor))

        with bench.timer() as t:
            result = run_import(kind="staff", path=first)
        _expect(result, unchanged=n)
        rows.append(common.row(f"  same file again ({n:,} unchanged)", t.seconds, "s", "bare COPY of the CSV into a staging table", floor))

        floor = bench.csv_copy_floor(monthly)
        with bench.timer() as t:
            result = run_import(kind="staff", path=monthly)
        moved = int(n * TRANSFER_SHARE)
        _expect(result, updated=moved, unchanged=n - moved)
        assignments = StaffAssignment.objects.filter(staff__employee_no__startswith=PREFIX).count()
        rows.append(
            common.row(
                f"  monthly feed ({moved:,} transfers)",
                t.seconds,
                "s",
                "bare COPY of the CSV into a staging table",
                floor,
                note=f"{assignments:,} assignment rows after",
            )
        )
    finally:
        bench.log("removing the imported people …")
        StaffAssignment.objects.filter(staff__employee_no__startswith=PREFIX).delete()
        Staff.objects.filter(employee_no__startswith=PREFIX).delete()
    return rows


def _expect(result, **counts) -> None:
    got = {k: getattr(result, k) for k in ("created", "updated", "unchanged", "rejected")}
    wanted = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0, **counts}
    if got != wanted or not result.ok:
        raise RuntimeError(f"import did not do what the benchmark expects: {got} != {wanted}; {result.summary()}")
