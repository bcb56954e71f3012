"""Production installs the runtime lock only; every dependency is pinned by a pip-tools lock."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {"pytest", "pytest-django", "factory-boy", "hypothesis", "playwright", "pyzbar", "ruff", "pip-tools"}


def pins(path):
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", path.read_text(), re.M)}


def test_requirements_txt_is_the_runtime_lock_only():
    lines = [ln for ln in (ROOT / "requirements.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines == ["-r requirements/base.txt"]
    runtime = pins(ROOT / "requirements/base.txt")
    assert {"django", "celery", "openpyxl", "psycopg2-binary"} <= runtime.keys()
    assert not DEV_ONLY & runtime.keys(), "test tools must not reach production"


def test_dev_lock_pins_the_tools_and_agrees_with_the_runtime_lock():
    runtime, dev = pins(ROOT / "requirements/base.txt"), pins(ROOT / "requirements/dev.txt")
    assert DEV_ONLY <= dev.keys()
    assert {name: dev[name] for name in runtime} == runtime


def test_openpyxl_is_capped_to_the_tested_line():
    # org/xlsx.py relies on assigning data_type after value; checked against 3.1.
    assert pins(ROOT / "requirements/base.txt")["openpyxl"].startswith("3.1.")
    assert "openpyxl>=3.1,<3.2" in (ROOT / "requirements/base.in").read_text()
