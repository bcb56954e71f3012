"""The national bank of SPEC §9 (issue 14) beside the regional one: `python bench/run.py --only national`.

Never part of the default run (it skips itself unless named with `--only`): the national bank is
300,000 staff and a quarter of every programme, and loading it takes a good part of an hour.

* Seeds the national bank (`seed_demo --size national`) into its own database `bench_national` on
  the same server (`BENCH_NATIONAL_DATABASE_URL` to change; created and dropped by this module only,
  so its name must start with `bench_national`) unless it is already loaded; then runs seed_demo
  again, which must change nothing.
* Runs bench_reporting's measurements on it: the league endpoint over every person (进件数, the last
  complete month, every person ranked, its first page of 50 answered) and for the branches (放款金额, the last week), each beside its bare-SQL floor, and
  the head office's weekly circular (seconds and peak RSS; goal under 10 minutes and 2 GB).
* Runs the same measurements on the regional bank in `bench` when it is loaded there (never seeds,
  drops or reseeds it; the head office's weekly circular it rebuilds is stored again in place of the
  old one), and prints each national figure beside the regional one with the rows each read, so
  growth in seconds can be set against growth in rows (linear: the two ratios alike).

Each bank is measured in its own processes (one Django per database): the circular first in a
process of its own, so its peak RSS is the circular's, then the two league endpoints.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

if __package__ in (None, ""):  # run as a script: python bench/bench_national.py --measure …
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

NAME = "national"
ORDER = 99  # last, and only when asked for
ONLY_WHEN_ASKED = True
NATIONAL_INSTITUTIONS = 10_000  # fewer than this: not the national bank
DATABASE = "bench_national"
STEP_LINE = re.compile(r"^  (?P<step>[\w.-]+): (?P<summary>.*) \((?P<seconds>[\d.]+) s\)$", re.M)
CIRCULAR_GOAL_S, CIRCULAR_GOAL_MB = 600, 2048


def national_url(regional_url: str) -> str:
    url = os.environ.get("BENCH_NATIONAL_DATABASE_URL") or urlunsplit(urlsplit(regional_url)._replace(path=f"/{DATABASE}"))
    if not urlsplit(url).path.lstrip("/").startswith(DATABASE):
        raise RuntimeError(f"the national bank's database must be named {DATABASE}*: {url}")
    return url


def institutions(bench: common.Bench) -> int:
    """How many institutions the database holds with the demo's head-office sign-in (0: none, no
    tables or no database), read with a plain connection: this process never sets up Django."""
    import psycopg2

    try:
        with contextlib.closing(bench.raw()) as conn, conn.cursor() as cur:
            cur.execute("SELECT EXISTS (SELECT 1 FROM org_staff WHERE employee_no = 'HQ001')")
            if not cur.fetchone()[0]:
                return 0
            cur.execute("SELECT count(*) FROM org_institution")
            return cur.fetchone()[0]
    except psycopg2.Error:
        return 0


def ensure_national(bench: common.Bench) -> list[common.Row]:
    rows = []
    if institutions(bench) < NATIONAL_INSTITUTIONS:
        bench.log(f"loading the national bank into {bench.dbname} (seed_demo --size national) …")
        bench.create_database(fresh=True)
        bench.manage("migrate", "--verbosity", "0")
        with bench.timer() as seed:
            proc = bench.manage("seed_demo", "--size", "national", "--seed", str(bench.seed))
        counts = bench.table_counts()
        biggest = ", ".join(f"{t} {n:,}" for t, n in sorted(counts.items(), key=lambda kv: -kv[1])[:5])
        rows.append(common.row(f"seed_demo --size national (fresh database {bench.dbname})", seed.seconds, "s",
                               note=f"{sum(counts.values()):,} rows; {biggest}"))
        for match in STEP_LINE.finditer(proc.stdout):
            rows.append(common.row(f"  step {match['step']}", float(match["seconds"]), "s", note=match["summary"][:100]))
    with bench.timer() as again:
        proc = bench.manage("seed_demo", "--size", "national", "--seed", str(bench.seed))
    unchanged = "nothing changed" in proc.stdout
    rows.append(common.row("seed_demo --size national again (loaded database)", again.seconds, "s",
                           note="nothing changed ✓" if unchanged else "CHANGED something ✗"))
    return rows


# --- one bank's measurements, in a child process ---------------------------------------------------


def rows_read(conn, *, week, month) -> dict[str, int]:
    """The fact rows each measurement reads (its inputs, counted by plain SQL)."""
    mlo, mhi = month.bounds()
    plo, _ = month.previous().bounds()
    wlo, whi = week.bounds()
    before = week.previous()

    def one(sql, params=()):
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]

    staff = one("SELECT count(*) FROM org_staff")
    applications = one("SELECT count(*) FROM referrals_application WHERE submitted_at >= %s AND submitted_at < %s", (plo, mhi))
    return {
        "staff": staff,
        "league_people_facts": applications,
        # the person league: both months' applications and every person
        "league_people": applications + staff,
        "league_page_facts": applications,  # the 排行榜 page reads the same as the endpoint's page
        "league_page": applications + staff,
        # the branch league: both weeks' loans
        "league_branches": one("SELECT count(*) FROM retail_credit_loan WHERE disbursed_on BETWEEN %s AND %s", (before.start, week.end)),
        # the circular: the week's facts of every programme and every person
        "circular": staff + sum(
            one(sql, params)
            for sql, params in (
                ("SELECT count(*) FROM referrals_application WHERE submitted_at >= %s AND submitted_at < %s", (wlo, whi)),
                ("SELECT count(*) FROM referrals_scanevent WHERE at >= %s AND at < %s", (wlo, whi)),
                ("SELECT count(*) FROM wealth_call WHERE local_date BETWEEN %s AND %s", (week.start, week.end)),
                ("SELECT count(*) FROM wealth_visit WHERE local_date BETWEEN %s AND %s", (week.start, week.end)),
                ("SELECT count(*) FROM retail_credit_loan WHERE disbursed_on BETWEEN %s AND %s", (week.start, week.end)),
                ("SELECT count(*) FROM outlets_sale WHERE sold_on BETWEEN %s AND %s", (week.start, week.end)),
            )
        ),
    }


def person_league_by_scope(bench: common.Bench, s, month) -> list[dict]:
    """The person league's first page for a sub-branch, a branch and the head office of one bank
    (best of 3 each) with the rows each reads — its people and their applications of both months:
    within one bank, seconds against rows read."""
    from bench.bench_targets import APPS
    from org.models import Institution, InstitutionKind

    plo, hi = month.previous().bounds()[0], month.bounds()[1]
    out = []
    for kind in (InstitutionKind.SUB_BRANCH, InstitutionKind.BRANCH, InstitutionKind.HEAD_OFFICE):
        node = Institution.objects.filter(kind=kind).order_by("code").first()
        url = f"/api/v1/league?metric={APPS}&level=person&period={month.code}&inst={node.code}"
        best = None
        for _ in range(3):
            with bench.timer() as t:
                response = s.client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            best = t.seconds if best is None else min(best, t.seconds)
        with s.conn.cursor() as cur:
            cur.execute("""WITH p AS (SELECT st.id FROM org_staff st JOIN org_institution i ON i.id = st.institution_id WHERE i.path LIKE %s)
                           SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM referrals_application a JOIN p ON p.id = a.staff_id
                                                             WHERE a.submitted_at >= %s AND a.submitted_at < %s)""", [node.path + "%", plo, hi])
            people, facts = cur.fetchone()
        out.append({"kind": str(node.get_kind_display()), "code": node.code, "seconds": best, "people": people, "facts": facts})
    return out


def measure(url: str, seed: int, what: str) -> dict:
    """`circular` or `leagues` on the bank at `url`, in this (fresh) process."""
    from bench import bench_reporting as reporting

    workdir = Path(tempfile.mkdtemp(prefix="bench-national-"))
    bench = common.Bench(database_url=url, seed=seed, workdir=workdir)
    s = reporting.setting(bench)
    out: dict = {}
    try:
        if what == "circular":
            built = reporting.head_office_circular(bench, s, keep=True)  # stored again, as before
            floor = reporting.head_office_circular_floor(bench, s, built)  # after the build: its peak RSS is the build's
            out["circular"] = {"seconds": built.seconds, "peak_mb": built.peak_mb, "megabytes": built.megabytes, "code": built.code,
                               "floor": floor.floor_s, "statements": floor.statements, "rows_written": sum(x.rows for x in floor.sheets)}
        else:
            for key, func in (("league_people", reporting.league_people), ("league_page", reporting.league_page),
                              ("league_branches", reporting.league_branches)):
                got = func(bench, s)
                out[key] = {"seconds": got.ours_s, "floor": got.bare_s, "rows": got.rows, "floor_rows": got.floor_rows, "label": got.label}
            out["read"] = rows_read(s.conn, week=s.week, month=reporting.league_month(s.week))
            out["scopes"] = person_league_by_scope(bench, s, reporting.league_month(s.week))
    finally:
        s.conn.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def measure_in_child(bench: common.Bench, url: str, what: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=bench.workdir, delete=False) as fh:
        path = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", what, "--database-url", url, "--seed", str(bench.seed), "--out", str(path)]
    proc = subprocess.run(cmd, cwd=common.ROOT, env=common.Bench(url, bench.seed, bench.workdir).env(), capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"measuring {what} on {url} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(path.read_text(encoding="utf-8"))


def measure_bank(bench: common.Bench, url: str) -> dict:
    got = measure_in_child(bench, url, "circular")
    got.update(measure_in_child(bench, url, "leagues"))
    return got


# --- the module ------------------------------------------------------------------------------------


def _growth(regional: dict | None, national: dict, key: str, seconds: str = "seconds") -> str:
    if regional is None:
        return f"rows read {national['read'][key]:,} (regional bank not loaded in bench: run --only seed_regional)"
    r_rows, n_rows = regional["read"][key], national["read"][key]
    r_s, n_s = regional[key][seconds], national[key][seconds]
    parts = ""
    if f"{key}_facts" in national["read"] and f"{key}_facts" in regional["read"]:  # facts and people grow apart: each beside the total
        rf, nf = regional["read"][f"{key}_facts"], national["read"][f"{key}_facts"]
        rp, np_ = r_rows - rf, n_rows - nf
        parts = f": facts {rf:,} → {nf:,} ({nf / rf:.1f}×), people {rp:,} → {np_:,} ({np_ / rp:.1f}×)"
    return f"rows read regional → national {r_rows:,} → {n_rows:,} ({n_rows / r_rows:.1f}×{parts}); seconds {r_s:.2f} → {n_s:.2f} ({n_s / r_s:.1f}×)"


def run(bench: common.Bench) -> list[common.Row]:
    national = common.Bench(database_url=national_url(bench.database_url), seed=bench.seed, workdir=bench.workdir, log_stream=bench.log_stream)
    rows = ensure_national(national)
    bench.log("measuring the national bank …")
    nat = measure_bank(bench, national.database_url)
    reg = None
    if institutions(bench) >= common.REGIONAL_INSTITUTIONS:
        bench.log("measuring the regional bank (read only, apart from its head office's weekly circular, rebuilt and stored again) …")
        reg = measure_bank(bench, bench.database_url)
    same = "the same on the regional bank (same run)"
    for key, title in (("league_people", "league endpoint, every person on 进件数 ranked ({floor_rows:,}), {label}, best of 3"),
                       ("league_page", "league page (HTML, 排行榜), every person on 进件数 ranked, {label}, best of 3"),
                       ("league_branches", "league endpoint, branches on 放款金额, {label} ({rows} rows), best of 9")):
        n = nat[key]
        rows.append(common.row(f"national: {title.format(**n)}", n["seconds"], "s", same if reg else "", reg[key]["seconds"] if reg else None,
                               note=f"{_growth(reg, nat, key)}; national floor (bare SQL + json.dumps, or a bare template for the page) {n['floor']:.2f} s, "
                                    f"{n['seconds'] / n['floor']:.1f}× of it"))
    for bank, got in (("national", nat), ("regional", reg)):
        for x in (got or {}).get("scopes", []):
            read = x["people"] + x["facts"]
            rows.append(common.row(f"{bank}: person league's first page on 进件数, {x['kind']} {x['code']} ({x['people']:,} people), best of 3", x["seconds"], "s",
                                   note=f"rows read {read:,} ({x['people']:,} people + {x['facts']:,} applications of both months): "
                                        f"{x['seconds'] / read * 1e6:.2f} µs per row read"))
    c = nat["circular"]
    ok = c["seconds"] < CIRCULAR_GOAL_S and c["peak_mb"] < CIRCULAR_GOAL_MB
    regional_rss = f"; peak RSS regional {reg['circular']['peak_mb']:.0f} MB" if reg else ""
    growth = _growth(reg, nat, "circular")
    written = f"; rows written {reg['circular']['rows_written']:,} → {c['rows_written']:,} ({c['rows_written'] / reg['circular']['rows_written']:.1f}×)" if reg else ""
    floors = (f"; floor (its distinct SELECTs replayed + the same cells written bare) regional {reg['circular']['floor']:.2f} s "
              f"({reg['circular']['seconds'] / reg['circular']['floor']:.1f}× of it), national" if reg else "; floor") + \
        f" {c['floor']:.2f} s ({c['seconds'] / c['floor']:.1f}× of it)"
    rows.append(common.row(f"national: the head office's weekly circular {c['code']}, every sheet ({c['megabytes']:.1f} MB)", c["seconds"], "s",
                           same if reg else "", reg["circular"]["seconds"] if reg else None,
                           note=f"{growth}{written}{floors}; peak RSS {c['peak_mb']:.0f} MB{regional_rss}; goal < 10 min and < 2 GB {'✓' if ok else '✗'}"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="one bank's measurements for bench_national (a child process)")
    parser.add_argument("--measure", choices=["circular", "leagues"], required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    os.chdir(common.ROOT)
    got = measure(args.database_url, args.seed, args.measure)
    Path(args.out).write_text(json.dumps(got), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
