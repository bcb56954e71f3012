import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from org.models import Institution
from org.periods import Period
from org.tests.factories import StaffFactory
from referrals.tests.reporting_data import known_week
from reporting import services, tasks
from reporting.models import Circular

pytestmark = pytest.mark.django_db
W45 = Period.parse("2024-W45")
HEADERS = ["员工号", "姓名", "机构", "进件数", "批准数", "放款笔数", "放款金额(万元)", "排名", "进件目标", "达成率", "序时进度", "落后序时进度"]


def read(circular):
    with circular.file.open("rb") as fh:
        return load_workbook(io.BytesIO(fh.read()))


def values(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_referral_sheet_reads_back_with_exact_headers_figures_and_ranks():
    data = known_week()
    c = services.circular_build(period=W45, scope=data["tree"]["BR1"])
    wb = read(c)
    assert wb.sheetnames[0] == "转介" and wb.sheetnames[-1] == "说明"
    ws = wb["转介"]
    assert "长春分行" in ws["A1"].value and "2024-W45" in ws["A1"].value  # title row above the header
    assert [cell.value for cell in ws[2]] == HEADERS
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:L7"
    rows = {r[0]: r for r in values(ws)[2:]}
    assert set(rows) == {"A001", "B001", "C001", "D001", "F001"}
    # A: the pending flagged application is not counted, the cleared one is.
    assert rows["A001"][3:8] == [3, 2, 1, pytest.approx(15.0), 1]
    assert rows["D001"][3:8] == [1, 0, 1, pytest.approx(1.234567), 4]
    # No personal targets set: empty target and attainment; the week is over: time progress 100 %.
    assert rows["A001"][8:] == [None, None, 1, None]
    assert [rows[k][7] for k in ("A001", "B001", "C001", "D001", "F001")] == [1, 2, 2, 4, 5]
    assert ws["G3"].number_format == "#,##0.00"
    assert ws.column_dimensions["C"].width == 20
    # formula injection: the name "=HYPERLINK(...)" reads back as text, never a formula.
    b_row = next(row for row in ws.iter_rows(min_row=3) if row[0].value == "B001")
    assert b_row[1].value == '=HYPERLINK("http://x")' and b_row[1].data_type == "s" and b_row[1].quotePrefix


def test_referral_sheet_reads_each_person_s_own_target_and_marks_who_is_behind():
    from org.models import Staff
    from org.tests.factories import user_for
    from targets.services import target_set

    data = known_week()
    t = data["tree"]
    ho = user_for(StaffFactory(employee_no="HQT1", institution=t["HO"]), scope=t["HO"])
    a, b = Staff.objects.get(employee_no="A001"), Staff.objects.get(employee_no="B001")
    target_set(metric="referral.applications", period=W45, value=Decimal("2"), by=ho, staff=a)  # 3 of 2: ahead
    target_set(metric="referral.applications", period=W45, value=Decimal("8"), by=ho, staff=b)  # 2 of 8: behind
    rows = {r[0]: r for r in values(read(services.circular_build(period=W45, scope=t["BR1"]))["转介"])[2:]}
    assert rows["A001"][8:] == [2, pytest.approx(1.5), 1, None]  # an empty cell
    assert rows["B001"][8:] == [8, pytest.approx(0.25), 1, "落后"]
    assert rows["C001"][8:] == [None, None, 1, None]  # no target of their own


def test_notes_sheet_defines_every_column_with_rule_version():
    data = known_week()
    wb = read(services.circular_build(period=W45, scope=data["tree"]["HO"]))
    notes = values(wb["说明"])
    assert notes[1] == ["工作表", "列名", "定义", "规则版本"]
    referral_notes = [r for r in notes[2:] if r[0] == "转介"]
    assert [r[1] for r in referral_notes] == HEADERS
    assert all(r[2] and "转介规则 v1" in r[3] for r in referral_notes)


def test_head_office_circular_counts_every_branch_and_honours_sheet():
    data = known_week()
    wb = read(services.circular_build(period=W45, scope=data["tree"]["HO"]))
    rows = {r[0]: r for r in values(wb["转介"])[2:]}
    assert rows["E001"][3] == 1 and rows["F001"][7] == 6
    honours = values(wb["荣誉榜"])[2:]
    assert ["转介进件营销明星", "全行", 1, "A001", "张三", "人民广场网点", 3, None, None] in honours
    assert [r[3] for r in honours if r[0] == "月投放营销能手" and r[1] == "全行"] == ["A001", "D001"]
    assert [r[3] for r in honours if r[0] == "转介进件营销明星" and r[1] == "吉林分行"] == ["E001"]


def test_building_twice_stores_one_circular_and_regenerating_gives_the_same_figures():
    data = known_week()
    scope = data["tree"]["BR1"]
    first = services.circular_build(period=W45, scope=scope)
    again = services.circular_build(period=W45, scope=scope)
    assert again.pk == first.pk and Circular.objects.count() == 1 and again.file.name == first.file.name
    # Regenerating from the same data (a fresh workbook) gives identical cell values.
    content, _ = services.circular_workbook(period=W45, scope=scope)
    fresh = load_workbook(io.BytesIO(content))
    stored = read(first)
    assert fresh.sheetnames == stored.sheetnames
    for name in stored.sheetnames:
        assert values(fresh[name]) == values(stored[name])


def test_a_racing_worker_that_loses_the_insert_returns_the_winner(monkeypatch, settings):
    data = known_week()
    scope = data["tree"]["BR1"]
    winner = services.circular_build(period=W45, scope=scope)
    # The race: the loser's existence check ran before the winner's insert, so its own insert
    # hits the unique constraint; it must hand back the winner's row and leave no second file.
    calls = {"n": 0}

    def first_none(**kw):
        calls["n"] += 1
        return None if calls["n"] == 1 else Circular.objects.get(pk=winner.pk)

    monkeypatch.setattr(services, "_stored", first_none)
    loser = services.circular_build(period=W45, scope=scope)
    assert loser.pk == winner.pk and Circular.objects.count() == 1
    files = list((Path(settings.MEDIA_ROOT) / "circulars").rglob("*.xlsx"))
    assert files == [Path(winner.file.path)]


def test_a_new_rule_version_makes_a_new_circular_and_keeps_the_old():
    from referrals.models import ReferralRule

    data = known_week()
    scope = data["tree"]["BR1"]
    old = services.circular_build(period=W45, scope=scope)
    ReferralRule.objects.create(version=2, effective_from=W45.start, attribution_window_days=15)
    new = services.circular_build(period=W45, scope=scope)
    assert new.pk != old.pk and "v2" in new.rule_versions and Circular.objects.count() == 2


def test_command_without_scope_writes_head_office_and_each_branch(tmp_path):
    known_week()
    out = io.StringIO()
    call_command("build_circular", "2024-W45", "--out", str(tmp_path), stdout=out)
    paths = out.getvalue().split()
    assert sorted(p.rsplit("/", 1)[-1] for p in paths) == [
        "BR1-2024-W45-weekly.xlsx",
        "BR2-2024-W45-weekly.xlsx",
        "HO-2024-W45-weekly.xlsx",
    ]
    br2 = load_workbook(tmp_path / "BR2-2024-W45-weekly.xlsx")
    assert [r[0] for r in values(br2["转介"])[2:]] == ["E001"]


def test_command_month_and_quarter_and_scope(tmp_path):
    known_week()
    out = io.StringIO()
    call_command("build_circular", "2024-11", "--scope", "SB1", stdout=out)
    (path,) = out.getvalue().split()
    wb = load_workbook(path)
    assert {r[0] for r in values(wb["转介"])[2:]} == {"A001", "B001", "C001"}
    call_command("build_circular", "2024-Q4", "--scope", "HO", stdout=io.StringIO())
    assert set(Circular.objects.values_list("kind", flat=True)) == {"monthly", "quarterly"}


@pytest.mark.parametrize(
    "args, message",
    [(["2024-W99"], "无法识别的期间"), (["2024-11-05"], "无法识别的期间"), (["2024-W45", "--scope", "NOPE"], "机构号“NOPE”不存在")],
)
def test_command_refuses_bad_period_or_scope_in_chinese(args, message):
    known_week()
    with pytest.raises(CommandError, match=message):
        call_command("build_circular", *args, stdout=io.StringIO())
    assert Circular.objects.count() == 0


def test_weekly_task_builds_last_week_like_the_command():
    from org import clock

    known_week()
    with clock.frozen(dt.datetime(2024, 11, 11, 8, 0)):
        codes = tasks.build_weekly_circulars.delay().get()
    # Fanned out: the head office, both branches and the three sub-branches each get their own.
    assert codes == ["HO", "BR1", "SB1", "SB2", "BR2", "SB3"] or sorted(codes) == sorted(["HO", "BR1", "BR2", "SB1", "SB2", "SB3"])
    assert Circular.objects.filter(period="2024-W45", kind="weekly").count() == 6
    call_command("build_circular", "2024-W45", stdout=io.StringIO())
    assert Circular.objects.count() == 6  # the command finds what the task stored
    br1 = Circular.objects.get(scope__code="BR1")
    rows = {r[0]: r for r in values(read(br1)["转介"])[2:]}
    assert rows["A001"][6] == pytest.approx(float(Decimal("150000") / 10000))


def test_monthly_task_builds_last_month():
    from org import clock

    known_week()
    with clock.frozen(dt.datetime(2024, 12, 1, 8, 0)):
        tasks.build_monthly_circulars.delay().get()
    assert set(Circular.objects.values_list("period", flat=True)) == {"2024-11"}


def test_a_programme_sheet_registered_for_quarters_plugs_into_the_quarterly_circular_only(monkeypatch):
    from org import circular_sheets
    from org.circular_sheets import Column, SheetData

    known_week()
    # Only the referral and targets sheets besides the one registered here (outlets' own quarter
    # sheets are tested in outlets/tests).
    builders = {k: b for k, b in circular_sheets._builders.items() if not k.startswith("产品积分")}
    monkeypatch.setattr(circular_sheets, "_builders", builders)
    circular_sheets.register(
        name="网点",
        order=50,
        kinds=("quarter",),
        rule_version=lambda period: "网点评级 v2",
        build=lambda *, period, scope: SheetData(
            columns=[Column("机构号", "机构号"), Column("评级", "季度评级"), Column("检查得分", "检查得分", "decimal")],
            rows=[["OUT1", "A", Decimal("95.5")]],
        ),
    )
    scope = Institution.objects.get(code="HO")
    quarter = services.circular_build(period=Period.parse("2024-Q4"), scope=scope)
    wb = read(quarter)
    assert wb.sheetnames == ["转介", "2053", "产能", "网点", "PK赛", "考核", "机构排名", "荣誉榜", "2053之星", "产能之星", "说明"]
    assert values(wb["网点"])[1:] == [["机构号", "评级", "检查得分"], ["OUT1", "A", 95.5]]
    assert ["网点", "评级", "季度评级", "网点评级 v2"] in values(wb["说明"])
    assert "网点：网点评级 v2" in quarter.rule_versions
    assert "网点" not in read(services.circular_build(period=W45, scope=scope)).sheetnames


def test_a_branch_circular_shows_other_branches_honoured_people_without_their_employee_numbers():
    data = known_week()
    wb = read(services.circular_build(period=W45, scope=data["tree"]["BR2"]))
    honours = values(wb["荣誉榜"])[2:]
    bank_wide = [r for r in honours if r[1] == "全行" and r[0] == "转介进件营销明星"]
    assert [r[4] for r in bank_wide][0] == "张三" and bank_wide[0][3] is None  # name yes, number no
    assert {r[3] for r in bank_wide} == {None, "E001"}
    every_cell = {c for r in values(wb["荣誉榜"]) for c in r}
    assert not {"A001", "B001", "C001", "D001"} & every_cell


def test_someone_not_employed_the_whole_month_is_listed_marked_not_ranked():
    import datetime as dt

    from referrals.tests.reporting_data import TUE, app

    data = known_week()
    joiner = StaffFactory(employee_no="N001", name="新人", institution=data["tree"]["OUT1"], active_from=dt.date(2024, 11, 3))
    for _ in range(5):
        app(joiner, submitted=TUE)
    wb = read(services.circular_build(period=W45, scope=data["tree"]["HO"]))
    honours = values(wb["荣誉榜"])[2:]
    row = next(r for r in honours if r[3] == "N001" and r[0] == "转介进件营销明星")
    assert row[2] is None and row[8] == "统计期内未全期在岗，列出不排名" and row[6] == 5
    ranked = [r for r in honours if r[0] == "转介进件营销明星" and r[1] == "全行" and r[2] is not None]
    assert ranked[0][3] == "A001" and ranked[0][2] == 1  # the joiner's 5 does not take first place


def test_the_fan_out_builds_the_same_workbooks_as_one_process_and_retries_a_failed_scope_alone(monkeypatch):
    from org import clock

    known_week()
    real = services.circular_build
    calls: list[str] = []

    def flaky(*, period, scope):
        calls.append(scope.code)
        if scope.code == "SB2" and calls.count("SB2") == 1:
            raise OSError("file store unavailable")
        return real(period=period, scope=scope)

    monkeypatch.setattr(services, "circular_build", flaky)
    # In-process, as a worker would: a task's failure is its own (not raised into the group).
    conf = tasks.build_scope_circular.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        with clock.frozen(dt.datetime(2024, 11, 11, 8, 0)):
            tasks.build_weekly_circulars.delay("2024-W45").get()
    finally:
        conf.task_eager_propagates = propagates
    assert calls.count("SB2") == 2 and all(calls.count(c) == 1 for c in ("HO", "BR1", "BR2", "SB1", "SB3"))
    assert Circular.objects.filter(period="2024-W45").count() == 6
    for circular in Circular.objects.filter(period="2024-W45").select_related("scope"):
        with clock.frozen(dt.datetime(2024, 11, 11, 8, 0)):
            fresh, _versions = services.circular_workbook(period=Period.parse("2024-W45"), scope=circular.scope)
        stored, again = read(circular), load_workbook(io.BytesIO(fresh))
        assert stored.sheetnames == again.sheetnames
        for name in stored.sheetnames:
            assert values(stored[name]) == values(again[name]), (circular.scope.code, name)


def test_on_1_january_the_monthly_job_builds_the_month_the_quarter_and_the_year():
    from org import clock

    known_week()
    with clock.frozen(dt.datetime(2025, 1, 1, 8, 0)):
        tasks.build_monthly_circulars.delay().get()
    assert {(c.kind, c.period) for c in Circular.objects.filter(scope__code="HO")} == {("monthly", "2024-12"), ("quarterly", "2024-Q4"), ("yearly", "2024")}
    yearly = Circular.objects.get(scope__code="BR1", kind="yearly")
    wb = read(yearly)
    assert {"转介", "2053", "产能", "机构排名", "荣誉榜", "说明"} <= set(wb.sheetnames) and "产品积分" not in wb.sheetnames
    rows = {r[0]: r for r in values(wb["转介"])[2:]}
    assert rows["A001"][3] == 3  # the year counts the week's applications of A001 (one flagged still pending)
