"""Attribution and abuse flags (SPEC §3 "Attribution"), recomputed in bulk from the facts.

The rules come from the `ReferralRule` version in force on the submission date, named on the
application (`rule`). For every application:

* **Credit.** The code's employee — unless the code is unknown, absent or was revoked before the
  submission (then nobody, with a note), unless a manager re-credited it by upholding a dispute
  (`credit_override`), and unless **first touch** applies: the same customer (ID hash) has an
  application credited to another employee submitted in the previous `attribution_window_days`
  days (by calendar date in Asia/Shanghai: day 30 is in, day 31 is out). Then the earlier
  employee is credited, `first_touch` links that application and `attribution_note` says why.
* **Institution.** The credited employee's institution *at submission time* (transfer history).
* **Flags.** self-referral (customer's ID hash or mobile is the referring employee's), staff
  mobile (the customer mobile is any employee's: 代客操作), burst (more than `burst_limit`
  applications from one code within `burst_window_minutes`). A new flag is pending until a
  manager clears or confirms it; an unchanged flag keeps the manager's decision.
* **Relationship manager.** A customer (by ID hash or mobile in `org.Customer`) managed by another
  employee: credited to the referrer, shown to both.

Why whole groups are recomputed: first touch makes one application's credit depend on the
customer's earlier applications, and the burst flag on the code's neighbours in time. An event
that arrives late (an earlier submission) can therefore change applications that received no
event. Recomputing every application of the affected customers (a handful each) and the code's
applications around the changed times keeps the final state independent of arrival order.
Flags never depend on credit and first touch ignores flags, so the two computations stay separate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from org.bulk import rows_insert, rows_insert_dicts, rows_update  # noqa: F401 (re-exported for callers)
from org.models import Customer, Staff, StaffAssignment

from ..models import Application, ApplicationEvent, Campaign, FlagKind, FlagStatus, ReferralCode
from ..rules import DEFAULT_RULE, RuleBook, RuleValues, local_date  # noqa: F401
from .earnings import earnings_sync
from .folding import application_fold

NOTE_NO_SUBMISSION = "进件事件尚未收到，暂按最早事件时间归属"

# What a recompute writes back: the fields `application_fold` sets (product … withdraw_reason),
# then attribution's.
APP_UPDATE_FIELDS = [
    "product",
    "referral_token",
    "customer_id_hash",
    "customer_id_masked",
    "customer_name",
    "customer_mobile",
    "status",
    "status_at",
    "submitted_at",
    "approved_at",
    "rejected_at",
    "reject_reason",
    "disbursed_at",
    "disbursed_amount",
    "withdrawn_at",
    "withdraw_reason",
    "code",
    "staff",
    "institution",
    "campaign",
    "rule",
    "attribution_note",
    "first_touch",
    "relationship_manager",
    "flag",
    "flag_status",
    "flag_reviewed_by",
    "flag_reviewed_at",
    "updated_at",
]


def _snapshot(app: Application) -> tuple:
    return tuple(getattr(app, Application._meta.get_field(f).attname) for f in APP_UPDATE_FIELDS if f != "updated_at")


def applications_recompute(*, applications: list[Application]) -> list[Application]:
    """Refold `applications` from their events, then recompute attribution, flags and earnings of
    them and of every application whose result they can change. Caller holds a transaction."""

    if not applications:
        return []
    touched = {a.pk: a for a in applications}
    old_submitted = {a.pk: a.submitted_at for a in applications}
    old_code = {a.pk: a.code_id for a in applications}
    old_hashes = {a.customer_id_hash for a in applications if a.customer_id_hash}
    events_by_app: dict[int, list] = defaultdict(list)
    # Plain tuples, not model instances: a batch folds a few hundred events.
    for row in ApplicationEvent.objects.filter(application_id__in=list(touched)).values_list(
        "application_id", "event_id", "status", "occurred_at", "amount", "reason", "payload"
    ):
        events_by_app[row[0]].append(EventRow(*row[1:]))
    has_submitted: dict[int, bool] = {}
    for pk, app in touched.items():
        if events_by_app[pk]:
            has_submitted[pk] = application_fold(app, events_by_app[pk])
        else:
            has_submitted[pk] = True

    rules = RuleBook()
    codes = {
        c.token: c
        for c in ReferralCode.objects.filter(token__in={a.referral_token for a in applications if a.referral_token}).select_related("staff")
    }
    for app in applications:
        code = codes.get(app.referral_token) if app.referral_token else None
        app.code = code

    # The applications whose result the touched ones can change (see the module docstring).
    # Old hashes too: an application whose customer changed leaves its former group.
    hashes = {a.customer_id_hash for a in applications if a.customer_id_hash} | old_hashes
    burst_window = rules.max_burst_window
    # The customers' other applications (a handful each), as full rows: their credit may change.
    extras: dict[int, Application] = {}
    if hashes:
        extras = {
            a.pk: a for a in Application.objects.filter(customer_id_hash__in=hashes).exclude(pk__in=list(touched)).select_related("code")
        }
    # Per code, its neighbours in time, as light tuples: only their burst flag can change, and
    # rarely does (the (code, submitted_at) index answers each term).
    spans: dict[int, list[dt.datetime]] = defaultdict(list)
    for a in applications:
        for code_id in {a.code_id, old_code[a.pk]} - {None}:
            spans[code_id] += [t for t in (a.submitted_at, old_submitted[a.pk]) if t is not None]
    neighbours: list[Neighbour] = []
    if spans:
        # One (code = ? AND submitted_at BETWEEN ? AND ?) term per code, written as SQL: the ORM
        # takes longer to build a hundred such Q terms than the database takes to answer them.
        conn = connections[router.db_for_read(Application)]
        qn = conn.ops.quote_name
        term = f"({qn('code_id')} = %s AND {qn('submitted_at')} >= %s AND {qn('submitted_at')} <= %s)"
        params = []
        for code_id, span in spans.items():
            params += [
                code_id,
                conn.ops.adapt_datetimefield_value(min(span) - burst_window),
                conn.ops.adapt_datetimefield_value(max(span) + burst_window),
            ]
        if conn.vendor == "postgresql":
            # A join with the (code, from, to) list lets PostgreSQL answer each code with one
            # index range scan; a hundred OR-ed terms made it bitmap-OR a hundred scans (~5 ms).
            table = qn(Application._meta.db_table)
            one = "(CAST(%s AS bigint), CAST(%s AS timestamptz), CAST(%s AS timestamptz))"
            sql = (
                f"SELECT a.id, a.code_id, a.submitted_at, a.application_id, a.flag FROM {table} a "
                f"JOIN (VALUES {', '.join([one] * len(spans))}) AS v(code_id, lo, hi) "
                f"ON a.code_id = v.code_id AND a.submitted_at >= v.lo AND a.submitted_at <= v.hi"
            )
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                neighbours = [Neighbour(*row) for row in cursor.fetchall() if row[0] not in touched]
        else:
            neighbours = [
                Neighbour(*row)
                for row in Application.objects.extra(where=[" OR ".join([term] * len(spans))], params=params)  # noqa: S610
                .exclude(pk__in=list(touched))
                .values_list("pk", "code_id", "submitted_at", "application_id", "flag")
            ]
    before = {pk: _snapshot(a) for pk, a in extras.items()}

    ranges = {code_id: (min(span), max(span) + burst_window) for code_id, span in spans.items() if span}
    flipped = _compute_flags(touched=touched, neighbours=neighbours, rules=rules, ranges=ranges)
    if flipped:
        missing = [pk for pk in flipped if pk not in extras]
        for a in Application.objects.filter(pk__in=missing).select_related("code"):
            extras[a.pk] = a
            before[a.pk] = _snapshot(a)
        for pk, flag in flipped.items():
            _set_flag(extras[pk], flag)
    everyone = {**extras, **touched}
    credit_group = [a for a in everyone.values() if a.pk in touched or (a.customer_id_hash and a.customer_id_hash in hashes)]
    _compute_credit(credit_group, rules=rules, touched=touched, has_submitted=has_submitted)

    now = timezone.now()
    # In primary-key order, so concurrent batches tend to lock shared rows in one order.
    changed = sorted(list(touched.values()) + [a for pk, a in extras.items() if _snapshot(a) != before[pk]], key=lambda a: a.pk)
    for app in changed:
        app.updated_at = now
    rows_update(Application, changed, APP_UPDATE_FIELDS)
    earnings_sync(applications=changed, rules=rules)
    return changed


class EventRow(NamedTuple):
    event_id: str
    status: str
    occurred_at: dt.datetime
    amount: object
    reason: str
    payload: dict


class Neighbour(NamedTuple):
    pk: int
    code_id: int
    submitted_at: dt.datetime
    application_id: str
    flag: str


def _compute_flags(
    *, touched: dict, neighbours: list[Neighbour], rules: RuleBook, ranges: dict[int, tuple[dt.datetime, dt.datetime]]
) -> dict[int, str]:
    """Set the flags of the touched applications; return {pk: new flag} of the neighbours whose
    burst flag changes (the caller loads and writes those)."""
    mobiles = {a.customer_mobile for a in touched.values() if a.customer_mobile}
    # Whose mobile each is, and when they were employed: a number of someone who left years ago (or
    # joins later) does not make an application 代客操作 (SPEC §3: employed on the application's date).
    employed: dict[str, list[tuple]] = defaultdict(list)
    if mobiles:
        for mobile, start, end in Staff.objects.filter(mobile__in=mobiles).values_list("mobile", "active_from", "active_to"):
            employed[mobile].append((start, end))

    def staff_mobile(app) -> bool:
        if not app.customer_mobile or app.submitted_at is None:
            return False
        day = local_date(app.submitted_at)
        return any((start is None or start <= day) and (end is None or day <= end) for start, end in employed.get(app.customer_mobile, ()))

    by_code: dict[int, list] = defaultdict(list)
    for item in list(touched.values()) + neighbours:
        if item.code_id and item.submitted_at is not None:
            by_code[item.code_id].append(item)

    def burst(item) -> bool:
        if not item.code_id:
            return False
        rule = rules.on(local_date(item.submitted_at))
        start = item.submitted_at - dt.timedelta(minutes=rule.burst_window_minutes)
        me = (item.submitted_at, item.application_id)
        n = sum(1 for o in by_code[item.code_id] if o.submitted_at > start and (o.submitted_at, o.application_id) <= me)
        return n > rule.burst_limit

    for app in touched.values():
        referrer = app.code.staff if app.code_id else None
        flag = ""
        if referrer is not None and (
            (app.customer_id_hash and app.customer_id_hash == referrer.id_hash)
            or (app.customer_mobile and app.customer_mobile == referrer.mobile)
        ):
            flag = FlagKind.SELF_REFERRAL
        elif staff_mobile(app):
            flag = FlagKind.STAFF_MOBILE
        elif burst(app):
            flag = FlagKind.BURST
        _set_flag(app, flag)
    flipped = {}
    for item in neighbours:
        # Only the code's neighbours in time can change, and only their burst flag: the other
        # flags depend on the application's own facts, which no other event changes.
        span = ranges.get(item.code_id)
        if span and span[0] <= item.submitted_at <= span[1] and item.flag in ("", FlagKind.BURST):
            flag = FlagKind.BURST if burst(item) else ""
            if flag != item.flag:
                flipped[item.pk] = flag
    return flipped


def _set_flag(app: Application, flag: str) -> None:
    if flag == app.flag:
        if flag and not app.flag_status:
            app.flag_status = FlagStatus.PENDING
        return
    app.flag = flag
    app.flag_status = FlagStatus.PENDING if flag else FlagStatus.NONE
    app.flag_reviewed_by = None
    app.flag_reviewed_at = None


def _compute_credit(group: list[Application], *, rules: RuleBook, touched: dict, has_submitted: dict) -> None:
    group = [a for a in group if a.submitted_at is not None]
    group.sort(key=lambda a: (a.submitted_at, a.application_id))
    credited_staff: set[int] = set()
    # First pass: the referrer or the override, in submission order, then first touch.
    by_customer: dict[str, list[Application]] = defaultdict(list)
    for app in group:
        day = local_date(app.submitted_at)
        rule = rules.on(day)
        app.rule_id = rule.pk
        notes = []
        # Applications recomputed as neighbours keep what their own fold said (in their note).
        submitted_known = has_submitted[app.pk] if app.pk in has_submitted else NOTE_NO_SUBMISSION not in app.attribution_note
        if not submitted_known:
            notes.append(NOTE_NO_SUBMISSION)
        code = app.code if app.code_id else None
        referrer = None
        if not app.referral_token:
            notes.append("无推荐码，不归属任何员工")
        elif code is None:
            notes.append("推荐码未知，不归属任何员工")
        elif code.revoked_at is not None and code.revoked_at <= app.submitted_at:
            notes.append("推荐码已作废，不归属任何员工")
        else:
            referrer = code.staff_id
        staff_id, first_touch = referrer, None
        if app.credit_override_id:
            staff_id = app.credit_override_id
            notes.append("经申诉改判归属")
        elif referrer is not None and app.customer_id_hash:
            for earlier in by_customer[app.customer_id_hash]:
                # Only an application that counts holds first touch (a confirmed or pending flag
                # does not), and only one credited to its employee in their own right: one credited
                # under this rule does not extend the window (SPEC §3).
                if (
                    earlier.staff_id
                    and earlier.staff_id != referrer
                    and earlier.first_touch is None
                    and application_counts(earlier)
                    and (day - local_date(earlier.submitted_at)).days <= rule.attribution_window_days
                ):
                    staff_id, first_touch = earlier.staff_id, earlier
                    notes.append(
                        f"首触归属：该客户 {local_date(earlier.submitted_at):%Y-%m-%d} 已有进件 {earlier.application_id}"
                        f"（{rule.attribution_window_days} 天归属窗口内），归属原转介员工"
                    )
                    break
        app.staff_id = staff_id
        app.first_touch = first_touch
        app.attribution_note = "；".join(notes)[:200]
        if app.customer_id_hash:
            by_customer[app.customer_id_hash].append(app)
        if staff_id:
            credited_staff.add(staff_id)

    _set_institutions(group, credited_staff)
    _set_campaigns(group)
    _set_relationship_managers(group)


def application_counts(app: Application) -> bool:
    """SPEC §3: an application counts (in tables, for earnings, for first touch) unless flagged and
    not cleared by a manager."""
    return app.counts


def _set_institutions(group: list[Application], staff_ids: set[int]) -> None:
    """The institution of each credited employee on the submission date (never their current one)."""
    rows = defaultdict(list)
    for staff_id, inst_id, start, end in StaffAssignment.objects.filter(staff_id__in=staff_ids).values_list(
        "staff_id", "institution_id", "valid_from", "valid_to"
    ):
        rows[staff_id].append((start, end, inst_id))
    missing = {s for s in staff_ids if s not in rows}
    current = dict(Staff.objects.filter(pk__in=missing).values_list("pk", "institution_id")) if missing else {}
    for app in group:
        if not app.staff_id:
            app.institution_id = None
            continue
        day = local_date(app.submitted_at)
        spans = sorted(rows.get(app.staff_id, []))
        chosen = next((inst for start, end, inst in reversed(spans) if start <= day and (end is None or end >= day)), None)
        if chosen is None and spans:
            chosen = spans[0][2]  # before the first record: the earliest known institution
        app.institution_id = chosen or current.get(app.staff_id)


def _set_campaigns(group: list[Application]) -> None:
    if not group:
        return
    days = [local_date(a.submitted_at) for a in group]
    campaigns = list(Campaign.objects.filter(start_date__lte=max(days), end_date__gte=min(days)).order_by("-start_date", "-pk"))
    products = defaultdict(set)
    for campaign_id, code in Campaign.products.through.objects.filter(campaign_id__in=[c.pk for c in campaigns]).values_list(
        "campaign_id", "referralproduct__code"
    ):
        products[campaign_id].add(code)
    for app, day in zip(group, days, strict=True):
        app.campaign = next((c for c in campaigns if c.start_date <= day <= c.end_date and app.product in products[c.pk]), None)


def _set_relationship_managers(group: list[Application]) -> None:
    hashes = {a.customer_id_hash for a in group if a.customer_id_hash}
    mobiles = {a.customer_mobile for a in group if a.customer_mobile}
    by_hash, by_mobile = {}, {}
    if hashes or mobiles:
        for id_hash, mobile, manager_id in (
            Customer.objects.filter(manager__isnull=False)
            .filter(Q(id_hash__in=hashes) | Q(mobile__in=mobiles))
            .order_by("customer_no")
            .values_list("id_hash", "mobile", "manager_id")
        ):
            if id_hash:
                by_hash.setdefault(id_hash, manager_id)
            if mobile:
                by_mobile.setdefault(mobile, manager_id)
    for app in group:
        manager = by_hash.get(app.customer_id_hash) if app.customer_id_hash else None
        manager = manager or (by_mobile.get(app.customer_mobile) if app.customer_mobile else None)
        app.relationship_manager_id = manager if manager and manager != app.staff_id else None
