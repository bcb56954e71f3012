"""seed_demo --size regional on a fresh database, beside a bare COPY of the same rows."""

from __future__ import annotations

import re

from bench import common

ORDER = 10  # builds the regional bank the later modules share
STEP_LINE = re.compile(r"^  (?P<step>[\w.-]+): (?P<summary>.*) \((?P<seconds>[\d.]+) s\)$", re.M)
FRAMEWORK_TABLES = ("django_", "auth_", "authtoken_")


def run(bench: common.Bench) -> list[common.Row]:
    rows = []
    bench.setup_django()
    bench.create_database(fresh=True)
    with bench.timer() as migrate:
        bench.migrate()
    rows.append(common.row("migrate (empty database)", migrate.seconds, "s", note="not part of the seed figure"))
    before = bench.table_counts()

    bench.log("seed_demo --size regional …")
    with bench.timer() as seed:
        proc = bench.manage("seed_demo", "--size", "regional", "--seed", str(bench.seed))
    after = bench.table_counts()
    grown = [t for t, n in after.items() if n > before.get(t, 0) and not t.startswith(FRAMEWORK_TABLES)]
    bench.log(f"floor: bare COPY of {len(grown)} tables …")
    floor_seconds, floor_rows = bench.copy_floor(grown)
    loaded = {t: after[t] for t in grown}
    biggest = ", ".join(f"{t} {n:,}" for t, n in sorted(loaded.items(), key=lambda kv: -kv[1])[:4])
    rows.append(
        common.row(
            "seed_demo --size regional (fresh db)",
            seed.seconds,
            "s",
            f"bare COPY of the same {floor_rows:,} rows",
            floor_seconds,
            note=f"{len(grown)} tables: {biggest}",
        )
    )

    # Each step's own time (printed by seed_demo) beside a COPY of its app's tables, when the
    # step is named after its app label (org → org_*).
    for match in STEP_LINE.finditer(proc.stdout):
        step, seconds = match["step"], float(match["seconds"])
        tables = [t for t in grown if t.startswith(f"{step}_")]
        if tables:
            step_floor, step_rows = bench.copy_floor(tables)
            rows.append(common.row(f"  step {step}", seconds, "s", f"bare COPY of its {step_rows:,} rows", step_floor))
        else:
            rows.append(common.row(f"  step {step}", seconds, "s", note=match["summary"][:80]))

    with bench.timer() as again:
        proc = bench.manage("seed_demo", "--size", "regional", "--seed", str(bench.seed))
    unchanged = bench.table_counts() == after and "nothing changed" in proc.stdout
    rows.append(
        common.row(
            "seed_demo again (loaded db)",
            again.seconds,
            "s",
            note="nothing changed" if unchanged else "CHANGED ROWS: not idempotent",
        )
    )
    return rows
