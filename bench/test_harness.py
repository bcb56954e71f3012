"""The bench harness itself (no database): discovery, rows from either module style, the table."""

from bench import common, run


def test_discovers_benchmark_modules_with_the_regional_seed_first():
    names = [run.module_name(m) for m in run.discover()]
    assert names[:2] == ["seed_regional", "import_staff"]
    assert not {"run", "common", "settings_bench", "scan_floor"} & set(names)


def test_a_row_carries_the_ratio_to_its_floor():
    r = common.row("import", 4.0, "s", "bare COPY", 0.05)
    assert r.ratio == 80.0
    assert common.row("no floor", 1.0, "s").ratio is None


def test_dict_rows_are_normalised_with_their_verdict_in_the_note():
    r = common.normalise(
        {
            "name": "scan page",
            "value": 900.0,
            "unit": "req/s",
            "floor": 1500.0,
            "ratio": 0.6,
            "goal": "ratio ≥ 0.5",
            "ok": True,
            "note": "p99 40 ms",
        }
    )
    assert (r.name, r.figure, r.floor_figure, r.ratio) == ("scan page", 900.0, 1500.0, 0.6)
    assert r.note.startswith("OK") and "ratio ≥ 0.5" in r.note and "p99 40 ms" in r.note
    assert common.normalise(("a", 2.0, "s", "f", 1.0, 2.0, "")) == common.Row("a", 2.0, "s", "f", 1.0, 2.0, "")


def test_the_table_shows_figure_floor_and_ratio_side_by_side():
    cells = run.table([common.row("seed", 120.0, "s", "bare COPY of the same rows", 5.0)])
    assert cells[0][:5] == ["benchmark", "figure", "floor", "floor figure", "ratio"]
    assert cells[1][:5] == ["seed", "120.00 s", "bare COPY of the same rows", "5.000 s", "24.0×"]
    text = run.render_text(cells)
    assert "24.0×" in text and "bare COPY of the same rows" in text
    assert run.render_markdown(cells).splitlines()[2].startswith("| seed | 120.00 s |")
