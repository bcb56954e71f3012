"""Every URL the product serves, walked from Django's URL resolver (issue 7 §2): each pattern is
classified below, and every one that takes an object answers 404 for GET and POST when the object
is outside the caller's scope — the same answer as an object that does not exist.

A new URL fails `test_every_url_is_classified` until it is added to one of the tables: PUBLIC
(anyone), NO_OBJECT (takes no key: lists, the caller's own things, forms; its querysets are scoped
by org.scoping), BANK_WIDE (an object every manager may read, e.g. campaigns, with the reason) or
OBJECT (how to name an object of the other branch, BR2, for a BR1 manager — or, for /me/ URLs, an
object of another employee)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from org import clock
from org.tests.factories import StaffFactory, user_for
from referrals.models import Application, Dispute, PayoutSheet
from referrals.services.codes import mgm_code_create, referral_code_issue
from referrals.tests.reporting_data import known_week
from reporting import services as reporting_services

pytestmark = pytest.mark.django_db

PUBLIC = {
    "set_language", "schema", "api-docs", "api-redoc", "api-auth-token", "api-auth-token-refresh",
    "api-auth-token-revoke", "api-auth-wechat", "api-loan-events", "api-loans-webhook", "privacy", "scan", "lead", "thanks",
    "login", "logout", "home",
}
NO_OBJECT = {
    # retail credit: the caller's own capacity month; pages take ?inst= through scope_node and a
    # posted employee number through staff_for (see SCOPED_FILTERS and retail_credit/tests/test_pages.py).
    "api-me-capacity", "league", "api-league", "daily", "api-daily-report", "capacity", "capacity-mine", "capacity-warnings", "capacity-grading", "capacity-scheme",
    "api-me", "api-staff-list", "api-institution-list", "api-me-referral-code", "api-me-referral-code-reissue",
    "api-me-referral-code-png", "api-me-referral-code-svg", "api-me-referral-code-poster",
    "api-me-referral-code-poster-pdf", "api-me-mgm-codes", "api-me-referrals", "api-me-earnings", "api-me-rank",
    "api-referral-applications", "api-referral-disputes", "dashboard", "dashboard-funnel", "dashboard-behind",
    "dashboard-honours", "codes", "codes-archive", "campaigns", "campaign-create", "applications", "disputes",
    "payouts", "circulars", "circular-generate", "org_institutions", "org_staff", "import-upload", "my-poster", "my-code-issue", "my-code-name-display", "circular-mine", "grid", "actions", "contests", "api-me-targets", "api-me-contests", "api-target-children", "scorecards", "api-me-scorecard",
    "lists", "my-list", "api-me-list-customers", "meetings", "checklists", "training", "coverage", "sessions", "api-me-cards", "api-me-materials",
    # outlets: ?inst= through org.scoping (see SCOPED_FILTERS); the points table's versions are head office data.
    "points", "table", "payroll", "grades", "vips", "inspections", "inspection-new", "api-me-points", "api-me-vips",
    # 2053: the caller's own facts; a customer key is looked up through org.scoping.object_for.
    "api-me-wealth-today", "api-me-wealth-summary", "api-me-wealth-calls", "api-me-wealth-visits", "api-me-wealth-follow-ups",
    "api-me-wealth-prospects", "api-me-wealth-do-not-call", "api-me-wealth-call-list",
    # 2053 pages: ?inst= / ?staff= go through scope_node / staff_for; do-not-call's posted customer
    # through object_for over the scope's managed customers and the pool (wealth/tests/test_pages.py).
    "team-2053", "mine-2053", "call-list", "do-not-call", "morning-list", "evening-summary", "spot-checks",
    "api-wealth-morning", "api-wealth-evening",
    # retail credit field work (三走访, 周计划, 结对子): /me/ endpoints and my-field are the caller's own
    # records (an MGM code is looked up among the caller's own codes); the manager pages resolve
    # ?inst= / ?staff= through scope_node / staff_for, and a pairing's people through staff_for.
    "api-me-field-visits", "api-me-weekly-plan", "field-visits", "plans", "pairings", "my-field",
    # delivery log: the list is scoped by org.scoping.scope_filter (Delivery.scope_path_field).
    "deliveries",
}
BANK_WIDE = {
    # The elite club is bank-wide public recognition (通报表扬, SPEC §2): name, institution and points only.
    "elite",
    # Campaigns are the head office's, run bank-wide: every manager reads them; edits are head office
    # only (tested in referrals/tests/test_campaigns.py); targets inside are scoped by ?inst=.
    "campaign-detail", "campaign-edit", "campaign-incentive-add",
}
# name -> function(objects) -> (path, who): who is "manager" (BR1) or "staff" (an employee of BR1).
OBJECT = {
    "api-staff-detail": lambda o: (f"/api/v1/staff/{o['far_staff'].employee_no}/", "manager"),
    "api-staff-bind-code": lambda o: (f"/api/v1/staff/{o['far_staff'].employee_no}/wechat-bind-code", "manager"),
    "api-institution-detail": lambda o: ("/api/v1/institutions/OUT4/", "manager"),
    "api-me-mgm-code-revoke": lambda o: (f"/api/v1/me/mgm-codes/{o['far_mgm'].pk}/revoke", "staff"),
    "api-me-mgm-code-png": lambda o: (f"/api/v1/me/mgm-codes/{o['far_mgm'].pk}/qr.png", "staff"),
    "api-me-referral-dispute": lambda o: (f"/api/v1/me/referrals/{o['far_app'].application_id}/dispute", "staff"),
    "api-referral-review": lambda o: (f"/api/v1/referrals/applications/{o['far_app'].application_id}/review", "manager"),
    "api-referral-dispute-resolve": lambda o: (f"/api/v1/referrals/disputes/{o['far_dispute'].pk}/resolve", "manager"),
    "codes-issue": lambda o: (f"/referrals/codes/staff/{o['far_staff'].pk}/issue", "manager"),
    "codes-revoke": lambda o: (f"/referrals/codes/staff/{o['far_staff'].pk}/revoke", "manager"),
    "codes-poster": lambda o: (f"/referrals/codes/staff/{o['far_staff'].pk}/poster.png", "manager"),
    "application-review": lambda o: (f"/referrals/applications/{o['far_app'].application_id}/review", "manager"),
    "dispute-resolve": lambda o: (f"/referrals/disputes/{o['far_dispute'].pk}/resolve", "manager"),
    "payout-download": lambda o: (f"/referrals/payouts/{o['far_payout'].pk}/download", "manager"),
    "payout-confirm": lambda o: (f"/referrals/payouts/{o['far_payout'].pk}/confirm", "manager"),
    "circular-download": lambda o: (f"/reporting/circulars/{o['far_circular'].pk}/download/", "manager"),
    "delivery-resend": lambda o: (f"/reporting/deliveries/{_far_delivery(o)}/resend/", "manager"),
    "org_institution_detail": lambda o: ("/org/institutions/OUT4/", "manager"),
    "org_staff_detail": lambda o: (f"/org/staff/{o['far_staff'].employee_no}/", "manager"),
    "org_staff_bind_code": lambda o: (f"/org/staff/{o['far_staff'].employee_no}/wechat-bind-code/", "manager"),
    "contest": lambda o: (f"/targets/contests/{o['far_contest'].pk}/", "manager"),
    "list": lambda o: (f"/referrals/lists/{o['far_list'].code}/", "manager"),
    "session-file": lambda o: (f"/targets/training/sessions/{o['far_session'].pk}/evidence", "manager"),
    "card": lambda o: (f"/targets/training/cards/{o['far_card'].pk}/", "staff"),
    "material": lambda o: (f"/targets/training/materials/{o['far_material'].pk}/", "staff"),
    "material-file": lambda o: (f"/targets/training/materials/{o['far_material'].pk}/file", "staff"),
    "api-me-material-complete": lambda o: (f"/api/v1/me/materials/{o['far_material'].pk}/complete", "staff"),
    "api-me-material-exam": lambda o: (f"/api/v1/me/materials/{o['far_material'].pk}/exam", "staff"),
    "checklist": lambda o: (f"/targets/checklists/{o['far_task'].pk}/", "manager"),
    "checklist-item": lambda o: (f"/targets/checklists/items/{o['far_task'].items.get().pk}/", "manager"),
    "checklist-evidence": lambda o: (f"/targets/checklists/items/{o['far_task'].items.get().pk}/evidence", "manager"),
    "person": lambda o: (f"/outlets/points/staff/{o['far_staff'].employee_no}/", "manager"),
    "grade-override": lambda o: (f"/outlets/grades/{o['far_grade'].pk}/override/", "manager"),
    "inspection": lambda o: (f"/outlets/inspections/{o['far_photo'].inspection_id}/", "manager"),
    "inspection-photo": lambda o: (f"/outlets/inspections/photos/{o['far_photo'].pk}/", "manager"),
    "api-me-vip-contact": lambda o: (f"/api/v1/me/vips/{o['far_vip'].pk}/contacts", "staff"),
    "call-recording": lambda o: (f"/wealth/calls/{_far_call(o)}/recording", "manager"),
    "capacity-person": lambda o: (f"/capacity/people/{o['far_staff'].employee_no}/", "manager"),
    "person-2053": lambda o: (f"/wealth/people/{o['far_staff'].employee_no}/", "manager"),
    "api-me-list-contact": lambda o: (f"/api/v1/me/list-customers/{o['far_list'].customers.get().pk}/contacts", "staff"),
    # retail credit field work: a problem of a BR2 officer's weekly plan, a BR2 pairing.
    "plan-answer": lambda o: (f"/capacity/plans/problems/{_far_field(o)['problem'].pk}/answer/", "manager"),
    "pairing-end": lambda o: (f"/capacity/pairings/{_far_field(o)['pairing'].pk}/end/", "manager"),
}
# Filters that name an institution: out of scope reads like unknown (404), never a widened list.
SCOPED_FILTERS = [
    "/referrals/dashboard/?inst=BR2", "/referrals/codes/?inst=OUT4", "/org/institutions/?node=SB3", "/targets/grid/?inst=OUT4",
    "/targets/actions/?staff=E001", "/targets/actions/?inst=OUT4", "/targets/meetings/?inst=OUT4", "/targets/checklists/?from_action=999999", "/targets/training/coverage/?inst=OUT4", "/api/v1/targets/children?metric=referral.applications&inst=OUT4",
    "/outlets/points/?inst=BR2", "/outlets/grades/?inst=OUT4", "/outlets/vips/?inst=OUT4", "/outlets/inspections/?inst=OUT4",
    "/outlets/inspections/new/?inst=OUT4", "/outlets/points/payroll.xlsx?inst=BR2",
    "/reporting/league/?inst=OUT4", "/reporting/daily/?inst=OUT4", "/reporting/daily/?inst=OUT4&format=xlsx", "/api/v1/daily-report?inst=OUT4", "/api/v1/league?inst=OUT4&metric=retail_credit.amount",
    "/capacity/?inst=OUT4", "/capacity/warnings/?inst=OUT4", "/capacity/grading/?inst=OUT4",
    "/wealth/?inst=OUT4", "/wealth/morning/?inst=OUT4", "/wealth/evening/?inst=OUT4", "/api/v1/wealth/morning?inst=OUT4",
    # retail credit field work (E001 is BR2's employee in known_week)
    "/capacity/field-visits/?inst=OUT4", "/capacity/field-visits/?staff=E001", "/capacity/plans/?inst=OUT4", "/capacity/pairings/?inst=OUT4",
]


def _far_call(o) -> str:
    """A recorded 2053 call of the other branch (created on first use)."""
    from org import clock
    from wealth.models import Call

    far = o["far_staff"]
    call, _ = Call.objects.get_or_create(call_id="FAR-REC", defaults=dict(
        staff=far, institution=far.institution, started_at=clock.now(), local_date=clock.today(), duration_s=90, connected=True,
        channel="landline", recording_url="https://rec.example/far.mp3"))
    return call.call_id


def _far_field(o) -> dict:
    """A BR2 loan officer's weekly-plan problem and pairing (created on first use)."""
    import datetime as dt

    from org.models import Position
    from retail_credit.models import Pairing, PlanProblem, WeeklyPlan

    far = o["far_staff"]
    plan, _ = WeeklyPlan.objects.get_or_create(staff=far, week_start=dt.date(2024, 11, 4), defaults={"plan": "计划", "filed_at": clock.now()})
    problem, _ = PlanProblem.objects.get_or_create(plan=plan, text="吉林的问题")
    head = StaffFactory(employee_no="BM890", institution=o["tree"]["BR2"], positions=f";{Position.BRANCH_MANAGER};") if not Pairing.objects.exists() else None
    pairing = Pairing.objects.first() or Pairing.objects.create(manager=head, officer=far, start=dt.date(2024, 11, 1), created_at=clock.now())
    return {"problem": problem, "pairing": pairing}

def _far_delivery(o) -> int:
    """A failed delivery of BR2's circular (created on first use)."""
    from reporting.models import Delivery

    circular = o["far_circular"]
    row, _ = Delivery.objects.get_or_create(kind="circular", key=str(circular.pk), channel="email", recipient="far@br2.bank.example",
                                            defaults=dict(scope=circular.scope, status="failed", attempts=1, created_at=clock.now()))
    return row.pk


def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # Django's admin: superusers only, behind ADMIN_ALLOWED_NETWORKS
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


def test_every_url_is_classified():
    tables = PUBLIC | NO_OBJECT | BANK_WIDE | set(OBJECT)
    unclassified = [f"{route} (name={name})" for route, name in _walk(get_resolver()) if name not in tables]
    assert not unclassified, (
        "Classify each new URL in org/tests/test_scope_urls.py: PUBLIC, NO_OBJECT, BANK_WIDE (with the reason) "
        "or OBJECT (how to name an out-of-scope object): " + "; ".join(unclassified)
    )
    assert not (PUBLIC & NO_OBJECT) and not (set(OBJECT) & (PUBLIC | NO_OBJECT | BANK_WIDE))


def _far_contest(t, far):
    from targets.contests import contest_create

    organiser = user_for(StaffFactory(employee_no="BM888", institution=t["BR2"]), scope=t["BR2"])
    return contest_create(
        by=organiser, name="吉林分行内部赛", metric="referral.applications", period=reporting_services.Period.parse("2024-11"),
        kind="person", entrants=[("甲", [far], []), ("乙", [StaffFactory(employee_no="E002", institution=t["OUT4"])], [])],
    )


def _far_training(t):
    """A card and a material meant only for loan officers (the near staff member is a wealth
    manager), and a session of BR2."""
    from django.core.files.base import ContentFile

    from targets.models import Material, ProductCard, TrainingSession

    card = ProductCard.objects.create(code="C-LO", title="经营贷", product="经营贷", highlights="x", target_customers="x", pitch="x",
                                      positions=";loan_officer;", published_at=clock.now())
    material = Material(code="M-LO", title="经营贷培训", kind="pdf", file_name="m.pdf", positions=";loan_officer;", published_at=clock.now())
    material.file.save("training/far.pdf", ContentFile(b"%PDF-1.4"), save=True)
    session = TrainingSession(institution=t["BR2"], title="吉林培训", held_on=clock.today(), attendees=3, evidence_name="e.pdf",
                              attendance_name="a.pdf", uploaded_at=clock.now())
    session.evidence.save("training/sessions/e.pdf", ContentFile(b"%PDF-1.4"), save=False)
    session.attendance.save("training/sessions/a.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return {"far_card": card, "far_material": material, "far_session": session}


def _far_task(t):
    """A checklist task BR2 issued to its own outlet, done with a file."""
    from django.core.files.base import ContentFile

    from targets.models import ChecklistItem, ChecklistTask

    task = ChecklistTask.objects.create(title="吉林分行检查", evidence="file", due_on=clock.today(), issuer=t["BR2"], issued_at=clock.now())
    item = ChecklistItem.objects.create(task=task, institution=t["OUT4"], status="done", evidence_name="a.pdf")
    item.evidence_file.save("checklists/far.pdf", ContentFile(b"%PDF-1.4 far"), save=True)
    return task


def _far_list(t, far):
    """A stock-customer list whose customers are all at BR2's outlet."""
    from referrals.models import CustomerList, ListedCustomer

    lst = CustomerList.objects.create(code="FAR-LIST", segment="mortgage", name="吉林按揭", start_date=clock.today(),
                                      end_date=clock.today(), created_at=clock.now())
    ListedCustomer.objects.create(customer_list=lst, customer_no="C1", name="客户", mobile="13800000000", outlet=t["OUT4"], assignee=far)
    return lst


def _far_outlets(t, far):
    """BR2's outlet grade, an inspection photo of its outlet, and a VIP another employee maintains."""
    from django.core.files.base import ContentFile

    from org.models import Customer
    from outlets.models import GradeRule, Inspection, InspectionPhoto, InspectionSheet, OutletGrade, VipCustomer

    grade = OutletGrade.objects.create(quarter="2024-Q4", institution=t["OUT4"], computed="leading", rule=GradeRule.objects.get(), computed_at=clock.now())
    inspector = StaffFactory(employee_no="BM889", institution=t["BR2"], positions=";branch_manager;")
    inspection = Inspection.objects.create(sheet=InspectionSheet.objects.get(), outlet=t["OUT4"], inspector=inspector, inspected_on=clock.today(),
                                           total=90, max_total=100, recorded_at=clock.now())
    photo = InspectionPhoto(inspection=inspection, name="p.png")
    photo.file.save("outlets/inspections/far.png", ContentFile(b"\x89PNG\r\n\x1a\n0000"), save=True)
    customer = Customer.objects.create(customer_no="VIP-FAR", name="贵宾", deposit_balance=200000, manager=far)
    vip = VipCustomer.objects.create(customer=customer, source="balance", manager=far, outlet=t["OUT4"], since=clock.today())
    return {"far_grade": grade, "far_photo": photo, "far_vip": vip}


@pytest.fixture
def objects():
    data = known_week()
    t = data["tree"]
    far = data["E"]  # BR2
    far_app = Application.objects.filter(staff=far).first()
    near_staff = data["A"]  # BR1, OUT1
    referral_code_issue(staff=far, issued_by=None)
    with clock.frozen(clock.now()):
        far_mgm = mgm_code_create(staff=far, intermediary_kind="merchant", intermediary_name="某商户", by=None)
    return {
        "tree": t,
        "far_staff": far,
        "far_app": far_app,
        "far_mgm": far_mgm,
        "far_dispute": Dispute.objects.create(application=far_app, raised_by=far, reason="x", raised_at=clock.now()),
        "far_payout": PayoutSheet.objects.create(branch=t["BR2"], month="2024-11", generated_at=clock.now()),
        "far_circular": reporting_services.circular_build(period=reporting_services.Period.parse("2024-W45"), scope=t["BR2"]),
        "far_contest": _far_contest(t, far),
        "far_list": _far_list(t, far),
        "far_task": _far_task(t),
        **_far_training(t),
        **_far_outlets(t, far),
        "manager": user_for(StaffFactory(employee_no="BM777", institution=t["BR1"]), scope=t["BR1"]),
        "staff": user_for(near_staff),
    }


@pytest.mark.parametrize("name", sorted(OBJECT))
def test_an_object_outside_the_scope_answers_404_for_get_and_post(objects, name):
    path, who = OBJECT[name](objects)
    client = APIClient()
    client.force_login(objects[who])
    answers = {method: getattr(client, method)(path).status_code for method in ("get", "post")}
    # A method the URL does not serve says 405 before any lookup (it reveals nothing); the method
    # it serves must say 404 — never 200, 403 or 500.
    assert set(answers.values()) <= {404, 405}, f"{path} as {who}: {answers}"
    assert 404 in answers.values(), f"{path} as {who}: {answers}"


@pytest.mark.parametrize("path", SCOPED_FILTERS)
def test_a_filter_naming_an_institution_outside_the_scope_answers_404(objects, path, client):
    client.force_login(objects["manager"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/referrals/applications/?institution=BR2", "/api/v1/referrals/applications/?institution=NOPE"])
def test_an_institution_filter_outside_the_scope_reads_like_an_unknown_one(objects, path):
    client = APIClient()
    client.force_login(objects["manager"])
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "未找到，或不在您的管理范围内"
