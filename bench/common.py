"""What every benchmark shares: the result row, a timer, the bench database and the COPY floors."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
REGIONAL_INSTITUTIONS = 2_000  # fewer than this: not the regional bank


class Row(NamedTuple):
    name: str
    figure: float | None
    unit: str
    floor_name: str = ""
    floor_figure: float | None = None
    ratio: float | None = None
    note: str = ""


def row(name: str, figure: float | None, unit: str, floor_name: str = "", floor_figure: float | None = None, note: str = "") -> Row:
    """A result row; the ratio is figure / floor (how many times the bare database work it takes)."""
    ratio = figure / floor_figure if figure is not None and floor_figure else None
    return Row(name, figure, unit, floor_name, floor_figure, ratio, note)


def normalise(result) -> Row:
    """Accept a Row, a plain tuple in Row's order, or a dict (name, value/figure, unit, floor,
    floor_name, ratio, goal, ok, note) as some modules return."""
    if isinstance(result, Row):
        return result
    if isinstance(result, dict):
        figure = result.get("figure", result.get("value"))
        floor = result.get("floor_figure", result.get("floor"))
        ratio = result.get("ratio")
        if ratio is None and figure is not None and floor:
            ratio = figure / floor
        verdict = "" if "ok" not in result else ("OK" if result["ok"] else "MISS")
        goal = f"goal {result['goal']}" if result.get("goal") else ""
        note = " · ".join(x for x in (verdict, goal, result.get("note", "")) if x)
        floor_name = result.get("floor_name") or ("floor in note" if floor is not None else "")
        return Row(result["name"], figure, result.get("unit", ""), floor_name, floor, ratio, note)
    return Row(*result)


@dataclass
class Timer:
    seconds: float = 0.0


@dataclass
class Bench:
    database_url: str
    seed: int
    workdir: Path
    log_stream: object = sys.stderr

    # --- plumbing -------------------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=self.log_stream, flush=True)

    @contextlib.contextmanager
    def timer(self) -> Iterator[Timer]:
        t = Timer()
        started = time.perf_counter()
        try:
            yield t
        finally:
            t.seconds = time.perf_counter() - started

    def best_of(self, ours, floor, *, times: int = 3):
        """Run `ours()` and `floor()` alternately `times` times (the first run of either warms the
        pages both read; the machine's load moves under both alike) and return the best seconds of
        each with the last result of each: (ours_s, floor_s, ours_result, floor_result)."""
        mine, bare = [], []
        for _ in range(times):
            with self.timer() as t:
                got = ours()
            mine.append(t.seconds)
            with self.timer() as f:
                base = floor()
            bare.append(f.seconds)
        return min(mine), min(bare), got, base

    @property
    def dbname(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DJANGO_DEBUG": "0",  # DEBUG keeps every query in memory: not what production does
        }

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """Run `manage.py` as an operator would, in its own process."""
        proc = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, check=False
        )
        if proc.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc

    def raw(self):
        """A plain psycopg2 connection to the bench database, for floors and table counts, with the
        server settings the product's own connections get (config.settings: JIT off unless DB_JIT):
        a floor statement costed above 100,000 would otherwise spend most of its time compiling."""
        import psycopg2

        jit = "" if os.environ.get("DB_JIT", "").lower() in ("1", "true", "yes", "on") else "-c jit=off"
        return psycopg2.connect(self.database_url, options=jit)

    def _maintenance(self):
        import psycopg2

        parts = urlsplit(self.database_url)
        conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        conn.autocommit = True
        return conn

    # --- the database ---------------------------------------------------------------------------

    def create_database(self, *, fresh: bool = False) -> None:
        if fresh and not self.dbname.startswith("bench"):
            raise RuntimeError(f"refusing to drop database {self.dbname!r}: bench databases are named bench*")
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        with contextlib.closing(self._maintenance()) as conn, conn.cursor() as cur:
            if fresh:
                cur.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.dbname])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{self.dbname}"')

    def setup_django(self) -> None:
        """Point this process's Django at the bench database (once; lazily, so a module with
        settings of its own can run in the same harness without ever touching this)."""
        import django
        from django.apps import apps

        if apps.ready:
            return
        os.environ.update({k: v for k, v in self.env().items() if k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG")})
        self.create_database()
        django.setup()
        self.migrate()

    def migrate(self) -> None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)

    def regional_loaded(self) -> bool:
        self.setup_django()
        from org import demo
        from org.models import Institution

        return demo.demo_loaded() and Institution.objects.count() >= REGIONAL_INSTITUTIONS

    def ensure_regional(self) -> None:
        """The regional bank, loaded once (untimed here: `seed_regional` measures it). On a bank
        loaded earlier, seed_demo runs again anyway: it changes nothing, except adding the activity
        of a programme whose demo step is newer than the database."""
        if not self.regional_loaded():
            self.log("loading the regional bank (seed_demo --size regional) …")
            self.fresh_database()
        self.manage("seed_demo", "--size", "regional", "--seed", str(self.seed))

    def fresh_database(self) -> None:
        self.setup_django()
        self.create_database(fresh=True)
        self.migrate()

    def table_counts(self) -> dict[str, int]:
        with contextlib.closing(self.raw()) as conn, conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = [t for (t,) in cur.fetchall()]
            counts = {}
            for table in tables:
                cur.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cur.fetchone()[0]
            return counts

    # --- floors ---------------------------------------------------------------------------------

    def copy_floor(self, tables: list[str]) -> tuple[float, int]:
        """Seconds to COPY the current contents of `tables` into plain tables of the same columns
        (no indexes, keys or constraints beyond NOT NULL), commit included: the least work any
        loader of these rows must do. Returns (seconds, rows)."""
        dumps = {}
        rows = 0
        with contextlib.closing(self.raw()) as conn:
            try:
                with conn.cursor() as cur:
                    for table in tables:
                        dump = tempfile.TemporaryFile(dir=self.workdir)
                        cur.copy_expert(f'COPY "{table}" TO STDOUT', dump)
                        dumps[table] = dump
                        cur.execute(f'DROP TABLE IF EXISTS "bench_floor_{table}"')
                        cur.execute(f'CREATE TABLE "bench_floor_{table}" (LIKE "{table}")')
                        cur.execute(f'SELECT count(*) FROM "{table}"')
                        rows += cur.fetchone()[0]
                conn.commit()
                started = time.perf_counter()
                with conn.cursor() as cur:
                    for table, dump in dumps.items():
                        dump.seek(0)
                        cur.copy_expert(f'COPY "bench_floor_{table}" FROM STDIN', dump)
                conn.commit()
                seconds = time.perf_counter() - started
            finally:
                conn.rollback()
                with conn.cursor() as cur:
                    for table in tables:
                        cur.execute(f'DROP TABLE IF EXISTS "bench_floor_{table}"')
                conn.commit()
                for dump in dumps.values():
                    dump.close()
        return seconds, rows

    def same_rows_copy_floor(self, table: str, columns: str, where: str) -> float:
        """Seconds to COPY the rows of `table` matching `where` (already validated and written by
        the import being measured) back into that same table — its unique keys, indexes and
        foreign keys included: the database's share of the import. Measured in a transaction that
        deletes the rows first and is rolled back, so nothing changes."""
        import io

        with contextlib.closing(self.raw()) as conn:
            with conn.cursor() as cur:
                dump = io.StringIO()
                cur.copy_expert(f'COPY (SELECT {columns} FROM "{table}" WHERE {where}) TO STDOUT', dump)
                cur.execute(f'DELETE FROM "{table}" WHERE {where}')
                dump.seek(0)
                with self.timer() as t:
                    cur.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', dump)
            conn.rollback()
        return t.seconds

    def csv_copy_floor(self, path: Path) -> float:
        """Seconds to COPY a CSV file (header row, every column text) into a staging table."""
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].lstrip("\ufeff")
        columns = [re.sub(r"\W", "_", c) for c in header.split(",")]
        with contextlib.closing(self.raw()) as conn:
            try:
                with conn.cursor() as cur:
                    cur.execute("DROP TABLE IF EXISTS bench_staging")
                    cur.execute(f"CREATE TABLE bench_staging ({', '.join(f'{c} text' for c in columns)})")
                conn.commit()
                started = time.perf_counter()
                with conn.cursor() as cur, open(path, encoding="utf-8") as fh:
                    cur.copy_expert("COPY bench_staging FROM STDIN WITH (FORMAT csv, HEADER true)", fh)
                conn.commit()
                return time.perf_counter() - started
            finally:
                conn.rollback()
                with conn.cursor() as cur:
                    cur.execute("DROP TABLE IF EXISTS bench_staging")
                conn.commit()
