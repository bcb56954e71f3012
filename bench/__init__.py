"""Benchmarks on the regional bank of SPEC §9, each figure beside a floor measured in the same run.

    python bench/run.py                      # everything, on postgres://postgres@127.0.0.1:5432/bench
    python bench/run.py --only import_staff  # one module
    python bench/run.py --database-url postgres://user@host:5432/bench_x

Adding a benchmark: a module in this folder (not `run.py` or `common.py`) with

    ORDER = 30                   # modules run by ORDER, then name; seed_regional (10) builds the bank
    def run(bench: common.Bench) -> list[common.Row]:
        bench.ensure_regional()  # the regional bank, loaded once and shared by every module
        with bench.timer() as t:
            ...                  # the thing measured
        with bench.timer() as floor:
            ...                  # the floor: the bare SQL doing the same work on the same data
        return [common.row("my_figure", t.seconds, "s", "bare GROUP BY on calls", floor.seconds)]

A module should leave the database as it found it (the regional bank), so modules can run in any
subset with `--only`.
"""
