"""Error messages a user can act on follow the chosen language: services raise ApplicationError with
a gettext'd Chinese text, so the English interface shows the English translation and the Chinese
one the Chinese text, word for word. A scan of the source keeps it so: no ApplicationError (or
NotInScope) is built from a bare string literal or an already formatted f-string."""

from __future__ import annotations

import ast
import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from org.errors import ApplicationError
from org.scoping import NotInScope, staff_for
from org.services import audit_log_purge
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db


def message_of(fn, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    return exc.value.message


def in_both(fn, **kwargs) -> tuple[str, str]:
    """The message of the same failing call, with English and with Chinese chosen."""
    with translation.override("en"):
        english = message_of(fn, **kwargs)
    with translation.override("zh-hans"):
        chinese = message_of(fn, **kwargs)
    return english, chinese


# --- services of each app -------------------------------------------------------------------------


def test_org_audit_log_retention_refusal_is_translated():
    english, chinese = in_both(audit_log_purge, older_than_days=30)
    assert english == "Audit logs are kept for at least 180 days, not only 30"
    assert chinese == "审计日志至少保留 180 天，不能只保留 30 天"


def test_org_scope_resolver_names_the_unknown_employee_in_the_chosen_language():
    boss = user_for(scope=tree()["BR1"])
    with translation.override("en"), pytest.raises(NotInScope) as english:
        staff_for(boss, "NOBODY1")
    with translation.override("zh-hans"), pytest.raises(NotInScope) as chinese:
        staff_for(boss, "NOBODY1")
    assert str(english.value) == "Employee “NOBODY1” not found, or outside your scope"
    assert str(chinese.value) == "员工“NOBODY1”未找到，或不在您的管理范围内"


def test_referrals_campaign_rules_are_translated_with_their_dates():
    from referrals.services.campaigns import campaign_create

    campaign = dict(code="C1", name="春季活动", start_date=dt.date(2024, 3, 10), end_date=dt.date(2024, 3, 1), products=[])
    english, chinese = in_both(campaign_create, by=user_for(scope=tree()["BR1"]), **campaign)
    assert english == "Only head office can set referral campaigns and incentive rules"
    assert chinese == "只有总行可以设置转介活动和激励规则"
    english, chinese = in_both(campaign_create, by=user_for(scope=tree()["HO"]), **campaign)
    assert english == "End date 2024-03-01 is before start date 2024-03-10"
    assert chinese == "结束日期 2024-03-01 早于开始日期 2024-03-10"


def test_wealth_prospect_with_a_bad_mobile_is_refused_in_the_chosen_language():
    from wealth.services.activity import prospect_add

    english, chinese = in_both(prospect_add, staff=StaffFactory(), name="张三", mobile="123")
    assert english == "Invalid mobile number: it should have 11 digits"
    assert chinese == "手机号无效，应为 11 位手机号"


def test_retail_credit_weekly_plan_of_someone_not_a_loan_officer_is_refused_in_the_chosen_language():
    from retail_credit.services.field import weekly_plan_file

    wealth_manager = StaffFactory(employee_no="W00001")
    english, chinese = in_both(weekly_plan_file, staff=wealth_manager, week_start=dt.date(2024, 3, 25), plan="走访万科城")
    assert english == "Employee W00001 is not a retail-credit loan officer and files no field visits or weekly plans"
    assert chinese == "员工 W00001 不是零售信贷客户经理，无需登记三走访和周计划"


def test_targets_monthly_distribution_keeps_its_percent_signs_in_both_languages():
    from referrals.metrics import APPLICATIONS
    from targets.services import monthly_distribution_set

    english, chinese = in_both(monthly_distribution_set, metric=APPLICATIONS, year=2025, percentages=["10"] * 12, by=user_for(scope=tree()["HO"]))
    assert english == "The 12 monthly shares should add up to 100%; they total 120% (off by -20%)"
    assert chinese == "12 个月的比例合计应为 100%，当前为 120%（差 -20%）"


def test_outlets_points_table_lists_its_problems_in_the_chosen_language():
    from outlets.services.points import points_table_publish

    english, chinese = in_both(points_table_publish, by=None, effective_from=dt.date(2025, 1, 1), rates=[])
    assert english == "Points table not published: The points table needs at least one product"
    assert chinese == "计分表未发布：计分表至少要有一个产品"


def test_reporting_unknown_circular_scope_is_refused_in_the_chosen_language():
    from reporting.services import circular_scopes

    english, chinese = in_both(circular_scopes, scope_code="NOPE")
    assert english == "Institution code “NOPE” does not exist"
    assert chinese == "机构号“NOPE”不存在"


# --- a page ---------------------------------------------------------------------------------------


@pytest.fixture
def language_restored():
    """LocaleMiddleware leaves the last request's language active in the thread: put it back."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def test_a_manager_reading_english_sees_the_english_error_on_the_page(client, language_restored):
    client.force_login(user_for(scope=tree()["SB1"]))

    chinese = client.post("/outlets/vips/", {"customer_no": "NOPE1", "reason": "大额存款"})
    assert chinese.status_code == 400
    assert 'data-testid="vip-error">客户 NOPE1 不存在或不在您的管理范围内</p>' in chinese.content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/outlets/vips/"})
    english = client.post("/outlets/vips/", {"customer_no": "NOPE1", "reason": "大额存款"})
    assert english.status_code == 400
    page = english.content.decode()
    assert 'data-testid="vip-error">Customer NOPE1 does not exist or is outside your scope</p>' in page
    assert "不存在或不在您的管理范围内" not in page


# --- the source -----------------------------------------------------------------------------------

GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext"}
CHECKED = {"ApplicationError", "NotInScope"}
SKIPPED_DIRS = {"tests", "migrations", "node_modules", "__pycache__", "bench", "docs"}


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _translatable(node: ast.expr) -> bool:
    """A gettext call, a %-formatting of one, or a value made elsewhere (a variable, an attribute,
    an item, a call's result); never a string literal or an f-string built here."""
    if isinstance(node, ast.Constant):
        return node.value in ("", None)
    if isinstance(node, ast.JoinedStr):
        return False
    if isinstance(node, ast.Call):
        if _name(node.func) in GETTEXT:
            return True
        # "….format(…)" of a literal is as untranslatable as the literal itself.
        return not (isinstance(node.func, ast.Attribute) and node.func.attr == "format" and not _translatable(node.func.value))
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):
            return _translatable(node.left)
        return _translatable(node.left) and _translatable(node.right)
    if isinstance(node, ast.BoolOp):
        return all(_translatable(v) for v in node.values)
    if isinstance(node, ast.IfExp):
        return _translatable(node.body) and _translatable(node.orelse)
    return True  # Name, Attribute, Subscript: a message made (and translated) elsewhere


def _sources():
    root = Path(settings.BASE_DIR)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith("test_") and name != "conftest.py":
                yield Path(folder) / name


def test_no_error_message_is_left_as_a_bare_chinese_literal():
    checked, untranslated = 0, []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not (isinstance(node, ast.Call) and _name(node.func) in CHECKED):
                continue
            messages = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("message", "what"))]
            checked += 1
            untranslated += [f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}" for m in messages if not _translatable(m)]
    assert checked > 250, f"only {checked} ApplicationError/NotInScope calls found: is the scan looking in the right place?"
    assert not untranslated, f"wrap these messages in gettext (_(…) % {{…}} for values): {untranslated}"


def test_the_source_scan_tells_a_literal_from_a_translated_message():
    def ok(code: str) -> bool:
        return _translatable(ast.parse(code, mode="eval").body)

    assert not ok('"员工不存在"') and not ok('f"员工 {no} 不存在"') and not ok('"员工 {} 不存在".format(no)')
    assert not ok('"计分表未发布：" + "；".join(errors)') and not ok('"员工 %s 不存在" % no')
    assert ok('_("员工不存在")') and ok('_("员工 %(no)s 不存在") % {"no": no}') and ok("message") and ok("exc.message")
    assert ok("errors[0]") and ok('message or _("请填写%(label)s") % {"label": label}') and ok('gettext("该二级码已作废")')
