#!/usr/bin/env python
"""Run the benchmarks and print one table: each figure beside its floor measured in the same run.

    python bench/run.py [--only NAME[,NAME…]] [--database-url URL] [--seed N] [--list]

The database (default postgres://postgres@127.0.0.1:5432/bench, or BENCH_DATABASE_URL) is created
if missing and migrated; `seed_regional` drops and recreates it, so its name must start with
"bench". Results also go to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NOT_BENCHMARKS = {"run", "common", "settings_bench", "scan_floor"}
DEFAULT_SEED = 20241  # org.demo.DEFAULT_SEED; not imported, so this process never loads Django


def discover() -> list:
    import bench

    modules = []
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name in NOT_BENCHMARKS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


def short_name(module) -> str:
    return module.__name__.rsplit(".", 1)[1]


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}" if abs(value) >= 10 else f"{value:,.3f}"
    return f"{text} {unit}".strip()


def table(rows) -> list[list[str]]:
    out = [["benchmark", "figure", "floor", "floor figure", "ratio", "note"]]
    for r in rows:
        out.append(
            [
                r.name,
                fmt(r.figure, r.unit),
                r.floor_name or "—",
                fmt(r.floor_figure, r.unit) if r.floor_name else "—",
                (f"{r.ratio:,.2f}×" if r.ratio < 10 else f"{r.ratio:,.1f}×") if r.ratio is not None else "—",
                r.note,
            ]
        )
    return out


def render_text(cells: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def environment(database_url: str) -> str:
    import psycopg2

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    try:
        with psycopg2.connect(database_url.rsplit("/", 1)[0] + "/postgres") as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version")
            pg = cur.fetchone()[0]
    except psycopg2.Error as exc:
        raise SystemExit(f"PostgreSQL is not reachable at {database_url}: {exc}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · commit {commit} · PostgreSQL {pg} · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · load average at start {load}"
    )


def module_name(module) -> str:
    return getattr(module, "NAME", None) or short_name(module)


def run_child(name: str, url: str, seed: int, out: Path) -> int:
    """Run one module in this (fresh) process and write its rows as JSON: each module gets its
    own Django, settings and memory, so one module's setup cannot bend another's figures."""
    from bench import common

    module = next(m for m in discover() if short_name(m) == name)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    bench = common.Bench(database_url=url, seed=seed, workdir=workdir)
    try:
        rows = [common.normalise(r) for r in module.run(bench)]
        status = 0
    except Exception as exc:
        traceback.print_exc()
        rows = [common.row(module_name(module), None, "", note=f"FAILED: {type(exc).__name__}: {exc}"[:200])]
        status = 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out.write_text(json.dumps([list(r) for r in rows]), encoding="utf-8")
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names, e.g. seed_regional,import_staff")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"), help="PostgreSQL URL of the bench database")
    parser.add_argument("--seed", type=int, default=None, help="seed of the regional bank (default: seed_demo's)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    from bench import common

    url = args.database_url or common.DEFAULT_DATABASE_URL
    seed = args.seed if args.seed is not None else DEFAULT_SEED
    os.chdir(ROOT)
    if args.child:
        return run_child(args.child, url, seed, Path(args.child_out))

    modules = discover()
    if args.list:
        for m in modules:
            doc = (m.__doc__ or "").strip().splitlines()
            asked = " (only with --only)" if getattr(m, "ONLY_WHEN_ASKED", False) else ""
            print(f"{module_name(m):20} {doc[0] if doc else ''}{asked}")
        return 0
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        known = {module_name(m) for m in modules} | {short_name(m) for m in modules}
        if wanted - known:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(wanted - known))}; see --list")
        modules = [m for m in modules if module_name(m) in wanted or short_name(m) in wanted]
    else:  # the national bank (bench_national) runs only when named
        modules = [m for m in modules if not getattr(m, "ONLY_WHEN_ASKED", False)]

    env_line = environment(url)
    print(env_line, file=sys.stderr)
    rows = []
    failed = False
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        for module in modules:
            name = short_name(module)
            out = Path(tmp) / f"{name}.json"
            print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {module_name(module)} …", file=sys.stderr, flush=True)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--child-out", str(out), "--database-url", url]
            proc = subprocess.run([*cmd, "--seed", str(seed)], cwd=ROOT, check=False)
            if out.exists():
                rows += [common.Row(*r) for r in json.loads(out.read_text(encoding="utf-8"))]
            else:
                rows.append(common.row(module_name(module), None, "", note=f"FAILED: exit {proc.returncode}, no results"))
            failed = failed or proc.returncode != 0
    total = time.perf_counter() - started

    cells = table(rows)
    print()
    print(render_text(cells))
    print(f"\n{env_line} · whole run {total:.0f} s")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(
        f"# Benchmarks\n\n{env_line} · whole run {total:.0f} s\n\n"
        f"Command: `python bench/run.py{' --only ' + args.only if args.only else ''}`. "
        "Ratio = figure ÷ floor; the floor is the bare PostgreSQL (or bare Django) work on the same data, "
        "measured in the same run.\n\n"
        f"{render_markdown(cells)}\n",
        encoding="utf-8",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
