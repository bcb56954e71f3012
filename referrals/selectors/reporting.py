"""Referral figures that reporting and the manager dashboard read (SPEC §3, §6; INTERFACES 转介).

Every figure counts what happened in the period (Asia/Shanghai) and is credited by the attribution
rule: `Application.staff` / `Application.institution` are the credited employee and the institution
they belonged to at submission, so a later transfer never moves history. Applications flagged for
abuse count only once a manager clears them (`flag_status in ("", "cleared")`).

The database does the counting: conditional aggregation, `RANK()` window functions (ties share a
rank, the next one skips: 1, 2, 2, 4), and roll-ups of a subtree by grouping on the path prefix of
the scope node's child (`child_path()`), so a table of the children of any node is one query
whatever the tree's size. The figures every dashboard view reads — the people's ranking, the
children's rollup of applications, scans and leads, the weekly trend — are SQL statements written
here (`_Statement` holds what counts, once) rather than composed with the ORM: on a sub-branch's page
composing and compiling them cost more than the database spent answering them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Rank

from org import clock
from org.bulk import db_decimal
from org.db import read_alias
from org.models import Institution, Staff
from org.periods import Period
from org.progress import Attainment, time_progress
from org.selectors import branch_of, child_path, child_path_sql, subtree_sql

from ..models import (
    COUNTED_FLAG_STATUSES,
    Application,
    ApplicationStatus,
    Campaign,
    CodeKind,
    ReferralRule,
    counted_q,
)

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0")
APPLICATIONS_METRIC, AMOUNT_METRIC = "referral.applications", "referral.disbursed_amount"  # referrals.metrics


def counted() -> Q:
    """Applications that count in tables (referrals.models.counted_q, the one rule)."""
    return counted_q()


def within(field_name: str, period: Period, prefix: str = "") -> Q:
    lo, hi = period.bounds()
    return Q(**{f"{prefix}{field_name}__gte": lo, f"{prefix}{field_name}__lt": hi})


def referral_rule_for(*, period: Period) -> ReferralRule | None:
    """The attribution rule version in force at the period's end (what a figure names)."""
    return ReferralRule.objects.filter(effective_from__lte=period.end).order_by("-effective_from", "-version").first()


def referral_rule_label(*, period: Period) -> str:
    rule = referral_rule_for(period=period)
    if rule is None:
        return "转介规则 默认（首触归属 30 天，未配置版本）"
    return f"转介规则 v{rule.version}（{rule.effective_from:%Y-%m-%d} 起，首触归属 {rule.attribution_window_days} 天）"


# --- Per person ------------------------------------------------------------------------------------


class _Statement:
    """A raw statement's parameters, collected in the order its text names them: each method returns
    its SQL and appends its parameters, so a statement written as one f-string (evaluated left to
    right) gets its parameters in order. The rules of what counts live here once for the people's
    ranking and the institutions' rollup."""

    def __init__(self, connection, period: Period):
        self.connection = connection
        self.bounds = tuple(connection.ops.adapt_datetimefield_value(v) for v in period.bounds())
        self.params: list = []

    def values(self, *values) -> str:
        self.params.extend(values)
        return ", ".join(["%s"] * len(values))

    def within(self, column: str) -> str:
        self.params.extend(self.bounds)
        return f"({column} >= %s AND {column} < %s)"

    def in_subtree(self, column: str, scope: Institution) -> str:
        sql, params = subtree_sql(column, scope, self.connection)
        self.params.extend(params)
        return sql

    def figures(self) -> str:
        """The five application figures of the period (alias `a`): submitted by submission time,
        approved (a loan disbursed with no approval event was approved when disbursed), rejected,
        loans and their amount by disbursement time."""
        w = self.within
        return f"""SUM(CASE WHEN {w('a.submitted_at')} THEN 1 ELSE 0 END) AS submitted,
         SUM(CASE WHEN {w('a.approved_at')} OR (a.approved_at IS NULL AND {w('a.disbursed_at')}) THEN 1 ELSE 0 END) AS approved,
         SUM(CASE WHEN {w('a.rejected_at')} THEN 1 ELSE 0 END) AS rejected,
         SUM(CASE WHEN {w('a.disbursed_at')} THEN 1 ELSE 0 END) AS disbursed_count,
         SUM(CASE WHEN {w('a.disbursed_at')} THEN a.disbursed_amount ELSE 0 END) AS disbursed_amount"""

    def counted_in_scope(self, scope: Institution, campaign: Campaign | None, touched=("submitted_at", "approved_at", "rejected_at", "disbursed_at")) -> str:
        """Counted applications (alias `a`, institution `ai`) credited inside the scope and touched
        in the period (by default submitted, approved, rejected or disbursed in it), of the campaign
        if one."""
        sql = (f"a.flag_status IN ({self.values(*COUNTED_FLAG_STATUSES)}) AND {self.in_subtree('ai.path', scope)}"
               f" AND ({' OR '.join(self.within(f'a.{column}') for column in touched)})")
        if campaign is not None:
            sql += f" AND a.campaign_id = {self.values(campaign.pk)}"
        return sql


def referral_person_figures_sql(*, scope: Institution, period: Period, campaign: Campaign | None = None, connection=None) -> tuple[str, list]:
    """The ranked people of `referral_person_figures` as one statement to build on (the dashboards,
    the 转介 sheet and the mini-program's rank read it): columns id, submitted, approved, rejected,
    disbursed_count, disbursed_amount, credited_institution_id, rank.

    Who is listed: everyone credited with an application in the scope that was submitted, approved
    or disbursed in the period, plus every employee now in the scope, active during the period, who
    holds an active personal code (they can refer, so a zero is information). Figures count only
    counted applications (`COUNTED_FLAG_STATUSES`) credited to an institution inside the scope, so a
    person who moved keeps their old branch's figures there; `credited_institution_id` is the
    institution they were credited to (SPEC §3: on the day of the fact). Ranked by 进件数 with
    RANK() (ties share a rank, the next skips: 1, 2, 2, 4).

    Written as SQL rather than composed with the ORM: the page of a sub-branch asks it on every
    view, and composing, compiling and reading it through the ORM cost four times what the database
    spends on it."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    q = _Statement(connection, period)
    w = q.within
    start, end = (connection.ops.adapt_datefield_value(v) for v in (period.start, period.end))
    sql = f"""
WITH f AS (
  SELECT a.staff_id AS staff_id,
         {q.figures()},
         MAX(a.institution_id) AS credited_institution_id,
         MAX(CASE WHEN {w('a.submitted_at')} OR {w('a.approved_at')} OR {w('a.disbursed_at')} THEN 1 ELSE 0 END) AS listed
  FROM referrals_application a JOIN org_institution ai ON ai.id = a.institution_id
  WHERE a.staff_id IS NOT NULL AND {q.counted_in_scope(scope, campaign)}
  GROUP BY a.staff_id),
people(id) AS (
  SELECT staff_id FROM f WHERE listed = 1
  UNION
  SELECT s.id FROM org_staff s JOIN org_institution i ON i.id = s.institution_id
  WHERE {q.in_subtree('i.path', scope)} AND s.active_from <= {q.values(end)} AND (s.active_to IS NULL OR s.active_to >= {q.values(start)})
    AND EXISTS (SELECT 1 FROM referrals_referralcode c WHERE c.staff_id = s.id AND c.kind = {q.values(CodeKind.PERSONAL)} AND c.revoked_at IS NULL))
SELECT p.id AS id, COALESCE(f.submitted, 0) AS submitted, COALESCE(f.approved, 0) AS approved, COALESCE(f.rejected, 0) AS rejected,
       COALESCE(f.disbursed_count, 0) AS disbursed_count, COALESCE(f.disbursed_amount, 0) AS disbursed_amount,
       f.credited_institution_id AS credited_institution_id, RANK() OVER (ORDER BY COALESCE(f.submitted, 0) DESC) AS rank
FROM people p LEFT JOIN f ON f.staff_id = p.id"""
    return sql, q.params


def _in_model_order(model, wanted: set[str]) -> tuple[str, ...]:
    """Columns in the order of the model's fields, the order `Model.from_db` reads values in."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


# The people's order everywhere they are listed: by rank, then amount lent, then employee number.
PERSON_ORDER = "r.rank, r.disbursed_amount DESC, s.employee_no"
# What a person's row carries besides its figures: for the tables' labels, links and sorts.
PERSON_FIELDS = _in_model_order(Staff, {"id", "employee_no", "name", "institution_id"})
PERSON_INSTITUTION_FIELDS = _in_model_order(Institution, {"id", "code", "name", "kind", "path", "parent_id"})


def referral_person_figures(
    *, scope: Institution, period: Period, campaign: Campaign | None = None, with_funnel: bool = False, staff: Staff | None = None
) -> list[Staff]:
    """One row per person (`referral_person_figures_sql`: who is listed and how they rank), in rank
    order (then by amount lent, then employee number): Staff objects with their institution and its
    parent loaded (for labels) and the figures submitted, approved, rejected, disbursed_count,
    disbursed_amount, credited_institution_id and rank — with `with_funnel`, also the scans of their
    codes and their leads booked in the scope during the period. With `staff`, only that person's
    row (ranked among everyone; an empty list when they are not listed). One statement, whatever
    the scope's size."""
    connection = connections[read_alias()]
    ranked, params = referral_person_figures_sql(scope=scope, period=period, campaign=campaign, connection=connection)
    funnel = ""
    if with_funnel:
        lo, hi = (connection.ops.adapt_datetimefield_value(v) for v in period.bounds())
        e_in_scope, e_params = subtree_sql("ei.path", scope, connection)
        l_in_scope, l_params = subtree_sql("li.path", scope, connection)
        # Counted for the rows shown only (correlated): the person page asks for one of a bank.
        funnel = f""",
       (SELECT COUNT(*) FROM referrals_scanevent e JOIN referrals_referralcode c ON c.id = e.code_id JOIN org_institution ei ON ei.id = e.institution_id
        WHERE c.staff_id = r.id AND e.at >= %s AND e.at < %s AND {e_in_scope}) AS scans,
       (SELECT COUNT(*) FROM referrals_lead l JOIN org_institution li ON li.id = l.institution_id
        WHERE l.staff_id = r.id AND l.created_at >= %s AND l.created_at < %s AND {l_in_scope}) AS leads"""
        params = [lo, hi, *e_params, lo, hi, *l_params, *params]  # the select list comes before the ranked rows
    only = ""
    if staff is not None:
        only = "WHERE r.id = %s"
        params.append(staff.pk)
    columns = ", ".join([*(f"s.{c}" for c in PERSON_FIELDS), *(f"i.{c}" for c in PERSON_INSTITUTION_FIELDS)])
    sql = f"""
SELECT r.submitted, r.approved, r.rejected, r.disbursed_count, r.disbursed_amount, r.credited_institution_id, r.rank,
       {columns}, pi.id, pi.name{funnel}
FROM ({ranked}) r JOIN org_staff s ON s.id = r.id JOIN org_institution i ON i.id = s.institution_id
LEFT JOIN org_institution pi ON pi.id = i.parent_id
{only}
ORDER BY {PERSON_ORDER}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    alias = connection.alias
    rows, institutions = [], {}
    at_institution = 7 + len(PERSON_FIELDS)
    at_parent = at_institution + len(PERSON_INSTITUTION_FIELDS)
    for row in fetched:
        submitted, approved, rejected, disbursed_count, amount, credited, rank = row[:7]
        person = Staff.from_db(alias, PERSON_FIELDS, row[7:at_institution])
        key = person.institution_id
        if key not in institutions:  # one object per institution, as select_related would not
            institution = Institution.from_db(alias, PERSON_INSTITUTION_FIELDS, row[at_institution:at_parent])
            if row[at_parent] is not None:
                institution.parent = Institution.from_db(alias, ("id", "name"), row[at_parent:at_parent + 2])
            institutions[key] = institution
        person.institution = institutions[key]
        person.submitted, person.approved, person.rejected, person.disbursed_count = submitted, approved, rejected, disbursed_count
        person.disbursed_amount, person.credited_institution_id, person.rank = db_decimal(amount), credited, rank
        if with_funnel:
            person.scans, person.leads = row[at_parent + 2], row[at_parent + 3]
        rows.append(person)
    return rows


def referral_people_without_applications(*, scope: Institution, period: Period, campaign: Campaign | None = None) -> QuerySet[Staff]:
    """Employees now in the scope, active through the period, with no counted application submitted
    in it (the people half of the 约谈 list)."""
    apps = Application.objects.filter(counted(), staff=OuterRef("pk"), institution__path__startswith=scope.path).filter(
        within("submitted_at", period)
    )
    if campaign is not None:
        apps = apps.filter(campaign=campaign)
    return (
        Staff.objects.filter(institution__path__startswith=scope.path, active_from__lte=period.end)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=period.end))
        .filter(~Exists(apps))
        .select_related("institution")
        .order_by("institution__path", "employee_no")
    )


# --- Per institution (children of a node) -------------------------------------------------------------


@dataclass
class InstitutionFigures:
    institution: Institution
    is_self: bool = False  # figures booked on the scope node itself (e.g. staff of a sub-branch office)
    scans: int = 0
    leads: int = 0
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    disbursed_count: int = 0
    disbursed_amount: Decimal = ZERO
    target_applications: int | None = None
    target_amount: Decimal | None = None
    time_progress: float = 1.0  # share of the period elapsed when the figures were read (org.progress)
    extra: dict = field(default_factory=dict)

    @property
    def approval_rate(self) -> float | None:
        decided = self.approved + self.rejected
        return self.approved / decided if decided else None

    @property
    def approval_pct(self) -> float | None:
        rate = self.approval_rate
        return None if rate is None else 100 * rate

    @property
    def attainment_pct(self) -> float | None:
        rate = self.attainment
        return None if rate is None else 100 * rate

    @property
    def attainment(self) -> float | None:
        if not self.target_applications:
            return None
        return self.submitted / self.target_applications

    @property
    def amount_attainment(self) -> float | None:
        if not self.target_amount:
            return None
        return float(self.disbursed_amount / self.target_amount)

    @property
    def progress(self) -> Attainment:
        return Attainment(actual=self.submitted, target=self.target_applications, time_progress=self.time_progress)

    @property
    def behind(self) -> bool:
        """落后序时进度: applications against the target below the share of the period elapsed."""
        return self.progress.behind


def _week_starts(period: Period) -> list[dt.date]:
    first = period.start - dt.timedelta(days=period.start.weekday())
    out, day = [], first
    while day <= period.end:
        out.append(day)
        day += dt.timedelta(days=7)
    return out


@dataclass(frozen=True)
class Target:
    applications: int
    amount: Decimal


def campaign_context(campaign: Campaign) -> str:
    """The `targets.Target.context` of a campaign's weekly targets."""
    return f"campaign:{campaign.code}"


def referral_targets(*, nodes: list[Institution], period: Period, campaign: Campaign | None) -> dict[int, Target]:
    """The one rule for "the campaign target of a node and period" (every widget reads it from here),
    read from targets.Target: a node's own weekly target, else the sum of the nearest targets below
    it (a branch's target is never added to its outlets'); a month sums its weeks. Nodes with no
    target anywhere below are absent. One query for all the nodes."""
    from targets.selectors import institution_targets_of

    if campaign is None or not nodes:
        return {}
    both = institution_targets_of(metrics=[APPLICATIONS_METRIC, AMOUNT_METRIC], nodes=nodes, period=period, context=campaign_context(campaign))
    apps, amounts = both[APPLICATIONS_METRIC], both[AMOUNT_METRIC]
    return {
        pk: Target(int(apps[pk].value) if pk in apps else 0, amounts[pk].value if pk in amounts else ZERO)
        for pk in set(apps) | set(amounts)
    }


def referral_weekly_targets(*, node: Institution, weeks: list[Period], campaign: Campaign | None) -> dict[str, Target]:
    """`referral_targets` of one node for each of several weeks ({week code: Target}), in one query."""
    from targets.selectors import institution_targets_by_period

    if campaign is None:
        return {}
    both = institution_targets_by_period(metrics=[APPLICATIONS_METRIC, AMOUNT_METRIC], node=node, periods=weeks, context=campaign_context(campaign))
    apps, amounts = both[APPLICATIONS_METRIC], both[AMOUNT_METRIC]
    return {code: Target(int(apps.get(code, 0)), amounts.get(code, ZERO)) for code in set(apps) | set(amounts)}


@dataclass
class CampaignWeekTarget:
    """A campaign's target set on one institution for one ISO week (both halves of it)."""

    institution: Institution
    week_start: dt.date
    applications: int = 0
    disbursed_amount: Decimal = ZERO


def campaign_week_targets(*, campaign: Campaign, under: Institution, period: Period) -> list[CampaignWeekTarget]:
    """The weekly targets set on institutions of a subtree for the weeks starting in `period`."""
    from targets.selectors import targets_set_on

    ctx = campaign_context(campaign)
    rows: dict[tuple[int, dt.date], CampaignWeekTarget] = {}
    for metric in (APPLICATIONS_METRIC, AMOUNT_METRIC):
        for t in targets_set_on(metric=metric, context=ctx, under=under, period=period):
            row = rows.setdefault((t.institution_id, t.period_start), CampaignWeekTarget(t.institution, t.period_start))
            if metric == APPLICATIONS_METRIC:
                row.applications = int(t.value)
            else:
                row.disbursed_amount = t.value
    return sorted(rows.values(), key=lambda r: (r.institution.path, r.week_start))


class ChildFigures(list):
    """The rows of `referral_institution_figures`, with the scope node's own target (`referral_targets`,
    None when it has none), read in the same query as its children's."""

    def __init__(self, rows, *, target: Target | None):
        super().__init__(rows)
        self.target = target


def referral_institution_figures(
    *, scope: Institution, period: Period, campaign: Campaign | None = None, at: dt.datetime | None = None
) -> ChildFigures:
    """The funnel and campaign progress of each child of `scope` (and of the scope node itself when
    something is booked there), in three queries: children, the applications', scans' and leads'
    rollup, and the targets of the children and of the scope node itself (`.target` of the rows).
    Targets are `referral_targets` (the one rule); `behind` compares with time progress at `at`."""
    sp = scope.path
    children = {i.path: i for i in Institution.objects.filter(parent=scope).order_by("path")}
    for child in children.values():
        child.parent = scope  # labels name the parent without asking the database again
    rows: dict[str, InstitutionFigures] = {p: InstitutionFigures(institution=i) for p, i in children.items()}

    def row(path: str) -> InstitutionFigures:
        if path not in rows:
            rows[path] = InstitutionFigures(institution=scope, is_self=True)
        return rows[path]

    # The applications', scans' and leads' rollups by child in one statement (one round trip, no
    # ORM composition: the sub-branch's page reads it on every view).
    connection = connections[read_alias()]
    q = _Statement(connection, period)
    child = child_path_sql("ai.path", sp, connection)
    sql = f"""
SELECT 'a', {child}, {q.figures()}
FROM referrals_application a JOIN org_institution ai ON ai.id = a.institution_id
WHERE {q.counted_in_scope(scope, campaign)} GROUP BY {child}
UNION ALL
SELECT 's', {child}, COUNT(*), 0, 0, 0, 0 FROM referrals_scanevent e JOIN org_institution ai ON ai.id = e.institution_id
WHERE {q.within('e.at')} AND {q.in_subtree('ai.path', scope)} GROUP BY {child}
UNION ALL
SELECT 'l', {child}, COUNT(*), 0, 0, 0, 0 FROM referrals_lead l JOIN org_institution ai ON ai.id = l.institution_id
WHERE {q.within('l.created_at')} AND {q.in_subtree('ai.path', scope)}{f" AND l.campaign_id = {q.values(campaign.pk)}" if campaign else ""}
GROUP BY {child}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, q.params)
        fetched = cursor.fetchall()
    # A scan is booked where its code's holder worked on the day of the scan (stored with it).
    for source, path, n, approved, rejected, disbursed_count, amount in fetched:
        f = row(path)
        if source == "a":
            f.submitted, f.approved, f.rejected, f.disbursed_count, f.disbursed_amount = n, approved, rejected, disbursed_count, db_decimal(amount)
        elif source == "s":
            f.scans = n
        else:
            f.leads = n

    targets = referral_targets(nodes=[scope, *children.values()], period=period, campaign=campaign)
    progress = time_progress(period, at=at or clock.now())
    for f in rows.values():
        target = None if f.is_self else targets.get(f.institution.pk)
        if target is not None:
            f.target_applications, f.target_amount = target.applications, target.amount
        f.time_progress = progress
    return ChildFigures(sorted(rows.values(), key=lambda f: (f.is_self, f.institution.path)), target=targets.get(scope.pk))


def referral_rejection_reasons(*, scope: Institution, period: Period, limit: int = 5) -> list[dict]:
    """Top rejection reasons of applications rejected in the period: [{reason, n}], most frequent first."""
    return list(
        Application.objects.filter(counted(), institution__path__startswith=scope.path, status=ApplicationStatus.REJECTED)
        .filter(within("rejected_at", period))
        .annotate(reason=Coalesce("reject_reason", Value("")))
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")[:limit]
    )


def referral_targets_behind(*, scope: Institution, period: Period, campaign: Campaign, at: dt.datetime | None = None) -> list[CampaignWeekTarget]:
    """Institutions in scope behind time progress (落后序时进度) on their target for the week(s) of
    the period (the institution half of the 约谈 list), each target row with `actual`,
    `actual_amount`, `shortfall` and `progress` (org.progress.Attainment).

    Two queries: the targets, and the counted applications grouped by credited institution; a
    target's actual is the sum over its subtree, rolled up along the materialised paths (a few
    thousand aggregated rows, never the applications themselves)."""
    targets = campaign_week_targets(campaign=campaign, under=scope, period=Period(_week_starts(period)[0], period.end, "span", "span"))
    if not targets:
        return []
    by_path: dict[str, list] = {}
    for r in (
        Application.objects.filter(counted(), campaign=campaign, institution__path__startswith=scope.path)
        .filter(within("submitted_at", period) | within("disbursed_at", period))
        .values("institution__path")
        .annotate(
            n=Count("pk", filter=within("submitted_at", period)),
            amount=Coalesce(Sum("disbursed_amount", filter=within("disbursed_at", period)), Value(ZERO), output_field=MONEY),
        )
        .order_by()
    ):
        # Credit each institution's figures to it and to every ancestor (the path has ≤ 5 levels).
        for path in Institution(path=r["institution__path"]).ancestors_paths():
            total = by_path.setdefault(path, [0, ZERO])
            total[0] += r["n"]
            total[1] += r["amount"]
    behind = []
    progress = time_progress(period, at=at or clock.now())
    for t in targets:
        t.actual, t.actual_amount = by_path.get(t.institution.path, [0, ZERO])
        t.shortfall = t.applications - t.actual
        t.progress = Attainment(actual=t.actual, target=t.applications, time_progress=progress)
        if t.progress.behind:
            behind.append(t)
    return behind


# --- Honours (monthly, SPEC §3) ---------------------------------------------------------------------


def _employed_whole_period(period: Period) -> Q:
    return Q(staff__active_from__lte=period.start) & (Q(staff__active_to__isnull=True) | Q(staff__active_to__gte=period.end))


def _honour_values(*, root: Institution, period: Period, by: str, per_branch: bool, branch: Institution | None, whole_period: bool):
    base = Application.objects.filter(counted(), staff__isnull=False, institution__path__startswith=(branch or root).path)
    # Rewards by rank consider only people employed for the whole period (SPEC §6); the others are
    # listed beside the ranking, marked, without a rank.
    base = base.filter(_employed_whole_period(period)) if whole_period else base.exclude(_employed_whole_period(period))
    if by == "applications":
        base, value = base.filter(within("submitted_at", period)), Count("pk")
    else:
        base, value = base.filter(within("disbursed_at", period)), Sum("disbursed_amount")
    grouping = {"branch": child_path("institution__path", root.path)} if per_branch else {}
    return (
        base.annotate(**grouping)
        .values("staff_id", "staff__employee_no", "staff__name", "staff__institution__name", "staff__institution__path", *grouping)
        .annotate(value=value)
        .filter(value__gt=0)
    )


def _honour_rows(
    *, root: Institution, period: Period, by: str, top: int, per_branch: bool, branch: Institution | None = None
) -> list[dict]:
    qs = (
        _honour_values(root=root, period=period, by=by, per_branch=per_branch, branch=branch, whole_period=True)
        .annotate(rank=Window(Rank(), partition_by=[F("branch")] if per_branch else None, order_by=F("value").desc()))
        .filter(rank__lte=top)
        .order_by(*(["branch"] if per_branch else []), "rank", "staff__employee_no")
    )
    return list(qs)


def _honour_unranked(*, root, period, by, top, per_branch, branch, ranked: list[dict]) -> list[dict]:
    """People not employed the whole period whose figure would have placed them in the list: shown
    after it, marked, with no rank. Compared with the list's last figure (or any figure > 0 when the
    list is not full); the candidates are few (joiners and leavers of the month)."""
    lists: dict = defaultdict(list)
    for r in ranked:
        lists[r.get("branch")].append(r["value"])
    out = []
    for r in _honour_values(root=root, period=period, by=by, per_branch=per_branch, branch=branch, whole_period=False).order_by(
        "-value", "staff__employee_no"
    ):
        values = lists.get(r.get("branch"), [])
        if len(values) < top or r["value"] >= min(values):
            out.append({**r, "rank": None, "note": "统计期内未全期在岗，列出不排名"})
    return out


def _outside_scope_masked(rows: list[dict], viewer_scope: Institution | None) -> list[dict]:
    """Bank-wide honours are public recognition (通报表扬): name, institution and figure for
    everyone; the employee number only for people inside the viewer's scope (SPEC §2)."""
    prefix = viewer_scope.path if viewer_scope is not None and viewer_scope.parent_id is not None else ""
    for r in rows:
        r["in_scope"] = r["staff__institution__path"].startswith(prefix)
        if not r["in_scope"]:
            r["staff__employee_no"] = ""
    return rows


@dataclass
class Honours:
    period: Period
    top_applications: list[dict]
    top_amount: list[dict]
    branch_applications: list[dict]
    branch_amount: list[dict]
    branches: dict[str, Institution]
    unranked_applications: list[dict] = field(default_factory=list)
    unranked_amount: list[dict] = field(default_factory=list)


def head_office() -> Institution | None:
    return Institution.objects.filter(parent__isnull=True).order_by("path").first()


def referral_honours(
    *, period: Period, branch: Institution | None = None, top: int = 10, top_per_branch: int = 3, viewer_scope: Institution | None = None
) -> Honours:
    """转介进件营销明星 (top by applications) and 月投放营销能手 (top by disbursed amount), bank-wide,
    and the top of each branch (of `branch` only when given). Only people employed for the whole
    month are ranked; those who joined or left during it and would have placed are listed after the
    bank-wide lists, marked, without a rank. Honours are bank-wide whoever looks, but the employee
    number of someone outside `viewer_scope` is never shown. Ties share a rank, so a list may be
    longer."""
    root = head_office()
    if root is None:
        return Honours(period, [], [], [], [], {})
    branches = {i.path: i for i in Institution.objects.filter(parent=root)}
    if branch is not None:
        branches = {branch.path: branch}
    top_apps = _honour_rows(root=root, period=period, by="applications", top=top, per_branch=False)
    top_amount = _honour_rows(root=root, period=period, by="amount", top=top, per_branch=False)
    h = Honours(
        period=period,
        top_applications=top_apps,
        top_amount=top_amount,
        branch_applications=_honour_rows(root=root, period=period, by="applications", top=top_per_branch, per_branch=True, branch=branch),
        branch_amount=_honour_rows(root=root, period=period, by="amount", top=top_per_branch, per_branch=True, branch=branch),
        branches=branches,
        unranked_applications=_honour_unranked(root=root, period=period, by="applications", top=top, per_branch=False, branch=None, ranked=top_apps),
        unranked_amount=_honour_unranked(root=root, period=period, by="amount", top=top, per_branch=False, branch=None, ranked=top_amount),
    )
    for rows in (h.top_applications, h.top_amount, h.branch_applications, h.branch_amount, h.unranked_applications, h.unranked_amount):
        _outside_scope_masked(rows, viewer_scope)
    return h


# --- Circular sheets (registered with org.circular_sheets from ReferralsConfig.ready) ----------------

WAN = Decimal("10000")


def referral_circular_rule_version(period: Period) -> str:
    return referral_rule_label(period=period)


def referral_circular_sheet(*, period: Period, scope: Institution):
    """The 转介 sheet of INTERFACES.md: one row per person (see referral_person_figures for who)."""
    from org.circular_sheets import Column, SheetData

    rule = referral_rule_label(period=period)
    columns = [
        Column(
            "员工号",
            "员工号。列出本期在本机构范围内有计入业绩的进件（进件、批准或放款）的员工，以及现属本机构、期内在职且持有有效个人推荐码的员工（其业绩为 0）",
            width=12,
        ),
        Column("姓名", "员工姓名", width=10),
        Column("机构", "业绩归属机构：进件时员工所在机构（调岗不改历史）；期内无业绩者为当前所在机构", width=20),
        Column(
            "进件数",
            f"期内（北京时间）提交、按首触归属规则计入该员工的进件笔数；被标记为自荐/代客操作等异常的进件经管理人员核查放行后才计入（{rule}）",
            "int",
            9,
        ),
        Column("批准数", "期内审批通过的计入进件笔数（按审批时间；无审批事件而直接放款的，以放款时间为审批时间）", "int", 9),
        Column("放款笔数", "期内放款的计入进件笔数（按放款时间，不论何时进件）", "int", 9),
        Column("放款金额(万元)", "期内放款的计入进件放款金额合计，单位万元（元 ÷ 10000），显示两位小数", "wan", 14),
        Column("排名", "按进件数排名；并列同名次，下一名次跳过（1、2、2、4）", "int", 7),
        Column("进件目标", "本人的进件目标（目标分解）：按期设定的，否则按月度分解比例折算自年度目标；未分解到人为空", "decimal", 9),
        Column("达成率", "进件数 ÷ 进件目标", "percent", 9),
        Column("序时进度", "期间已过的工作日占比（按工作日历，含节假日与调休）；通报生成时期间已结束则为 100%", "percent", 9),
        Column("落后序时进度", "达成率低于序时进度时标“落后”", "text", 10),
    ]
    from targets.selectors import staff_target_rows

    # One statement: the ranked people, where each was credited (else where they work now) and
    # their target by the one rule, in the table's order — 20,000 rows of a head office without a
    # model object each.
    connection = connections[read_alias()]
    targets_sql, targets_params = staff_target_rows(metric=APPLICATIONS_METRIC, period=period).values("staff_id", "value").query.sql_with_params()
    ranked, params = referral_person_figures_sql(scope=scope, period=period, connection=connection)
    sql = f"""
WITH t(staff_id, value) AS ({targets_sql})
SELECT s.employee_no, s.name, place.name, r.submitted, r.approved, r.disbursed_count, r.disbursed_amount, r.rank, t.value
FROM ({ranked}) r JOIN org_staff s ON s.id = r.id JOIN org_institution place ON place.id = COALESCE(r.credited_institution_id, s.institution_id)
LEFT JOIN t ON t.staff_id = r.id
ORDER BY {PERSON_ORDER}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*targets_params, *params])
        fetched = cursor.fetchall()
    progress = time_progress(period, at=clock.now())
    rows = []
    for no, name, place, submitted, approved, disbursed_count, amount, rank, target in fetched:
        target = None if target is None else db_decimal(target)
        a = Attainment(submitted, target, progress)
        rows.append([
            no, name, place, submitted, approved, disbursed_count, db_decimal(amount) / WAN, rank, target, a.ratio, progress, "落后" if a.behind else "",
        ])
    return SheetData(columns=columns, rows=rows)


def honours_period(period: Period) -> Period:
    """Honours are monthly: a week shows the month it ends in, up to the week's end."""
    if period.kind != "week":
        return period
    month = Period.containing(period.end, "month")
    return Period(month.start, period.end, "month", f"{month.code}（截至 {period.end:%m-%d}）")


def referral_honours_sheet(*, period: Period, scope: Institution):
    """荣誉榜: bank-wide top 10 by applications and by disbursed amount, and each branch's top 3
    (a branch's circular shows its own top 3)."""
    from org.circular_sheets import Column, SheetData

    hp = honours_period(period)
    branch = None if scope.parent_id is None else branch_of(institution=scope)
    h = referral_honours(period=hp, branch=branch, viewer_scope=scope)
    columns = [
        Column("榜单", f"转介进件营销明星：按进件数；月投放营销能手：按放款金额（统计期间 {hp.code}）", width=20),
        Column("范围", "全行，或所在分行", width=14),
        Column("排名", "并列同名次，下一名次跳过；进件数或放款金额为 0 者、统计期间内入职或离职者不参与评选", "int", 7),
        Column("员工号", "员工号；本通报范围以外的人员只列姓名、机构和业绩（通报表扬），不列员工号", width=12),
        Column("姓名", "员工姓名", width=10),
        Column("机构", "员工当前所在机构", width=20),
        Column("进件数", "统计期间内计入的进件笔数（进件榜）", "int", 9),
        Column("放款金额(万元)", "统计期间内计入的放款金额（投放榜），单位万元", "wan", 14),
        Column("备注", "统计期间内入职或离职、业绩可入榜者：列出不排名", width=26),
    ]
    rows = []

    def add(title, scope_name, items, by):
        for r in items:
            rows.append(
                [
                    title,
                    scope_name,
                    r["rank"],
                    r["staff__employee_no"],
                    r["staff__name"],
                    r["staff__institution__name"],
                    r["value"] if by == "applications" else None,
                    r["value"] / WAN if by == "amount" else None,
                    r.get("note", ""),
                ]
            )

    add("转介进件营销明星", "全行", h.top_applications + h.unranked_applications, "applications")
    add("月投放营销能手", "全行", h.top_amount + h.unranked_amount, "amount")
    for path, inst in sorted(h.branches.items()):
        add("转介进件营销明星", inst.name, [r for r in h.branch_applications if r["branch"] == path], "applications")
        add("月投放营销能手", inst.name, [r for r in h.branch_amount if r["branch"] == path], "amount")
    return SheetData(columns=columns, rows=rows)


# --- Trend (dashboard) -----------------------------------------------------------------------------


def referral_weekly_trend(*, scope: Institution, last: Period, weeks: int = 8, campaign: Campaign | None = None) -> list[dict]:
    """The scope's applications and disbursed amount per ISO week for the `weeks` weeks ending with
    `last`, beside the week's target (`referral_targets`, the one rule).
    Two queries: applications by submission day and by disbursement day (one statement), and the
    weeks' targets."""
    from org.clock import SHANGHAI

    periods = [last]
    while len(periods) < weeks:
        periods.insert(0, periods[0].previous())
    span = Period(periods[0].start, last.end, "week", f"{periods[0].code}..{last.code}")
    week_of = {d: p.code for p in periods for d in p.days()}
    rows = {p.code: {"period": p, "submitted": 0, "disbursed_amount": ZERO, "target": None} for p in periods}
    connection = connections[read_alias()]
    q = _Statement(connection, span)

    def day(column: str) -> str:  # the day in Asia/Shanghai, as TruncDate says it on this database
        sql, params = connection.ops.datetime_cast_date_sql(column, [], str(SHANGHAI))
        q.params.extend(params)
        return sql

    sql = f"""
SELECT 's', {day('a.submitted_at')}, COUNT(*), 0 FROM referrals_application a JOIN org_institution ai ON ai.id = a.institution_id
WHERE {q.counted_in_scope(scope, campaign, touched=("submitted_at",))} GROUP BY 2
UNION ALL
SELECT 'd', {day('a.disbursed_at')}, 0, SUM(a.disbursed_amount) FROM referrals_application a JOIN org_institution ai ON ai.id = a.institution_id
WHERE {q.counted_in_scope(scope, campaign, touched=("disbursed_at",))} GROUP BY 2"""
    with connection.cursor() as cursor:
        cursor.execute(sql, q.params)
        fetched = cursor.fetchall()
    for source, on, n, amount in fetched:
        week = rows[week_of[on if isinstance(on, dt.date) else dt.date.fromisoformat(on)]]
        if source == "s":
            week["submitted"] += n
        else:
            week["disbursed_amount"] += db_decimal(amount)
    for code, target in referral_weekly_targets(node=scope, weeks=periods, campaign=campaign).items():
        rows[code]["target"] = target.applications
    out = list(rows.values())
    peak = max([r["submitted"] for r in out] + [r["target"] or 0 for r in out] + [1])
    for r in out:  # bar lengths for the page's chart, in percent of the highest value shown
        r["bar"] = round(100 * r["submitted"] / peak)
        r["target_bar"] = round(100 * (r["target"] or 0) / peak)
    return out
