"""Reads of the organisation. Everything staff-level starts from a scoped queryset."""

from __future__ import annotations

import datetime as dt
import logging
from bisect import bisect_right
from decimal import Decimal

from django.db.models import CharField, F, Func, IntegerField, Q, QuerySet, Value
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import StrIndex, Substr

from .memo import memoised
from .models import CalendarDay, Institution, InstitutionKind, Staff, StaffAssignment
from .scoping import scope_filter, user_staff


def institution_subtree(*, institution: Institution) -> QuerySet[Institution]:
    """The institution and everything below it: one indexed prefix query."""
    return Institution.objects.filter(path__startswith=institution.path)


def subtree_sql(column: str, institution: Institution, connection) -> tuple[str, list]:
    """SQL for "`column` (an institution path) lies in `institution`'s subtree", for raw statements:
    Django's own `startswith` on this database, so a `_` or `%` in a code is a character (a bare
    `LIKE '/HO/A_1/%'` would also match `/HO/AB1/`). An index on the path serves it as it serves
    `path__startswith`."""
    return f"{column} {connection.operators['startswith']}", [connection.ops.prep_for_like_query(institution.path) + "%"]


def institutions_in_scope(*, user) -> QuerySet[Institution]:
    qs = scope_filter(Institution.objects.all(), user=user)
    if user_staff(user) is not None and getattr(user, "scope_institution", None) is None and not user.is_superuser:
        # A plain employee "sees" only their own institution (for breadcrumbs and labels).
        return Institution.objects.filter(pk=user.staff.institution_id)
    return qs


def staff_in_scope(*, user) -> QuerySet[Staff]:
    return scope_filter(Staff.objects.select_related("institution"), user=user)


def institution_path_names(*, institution: Institution) -> list[Institution]:
    """The chain head office → … → institution (for breadcrumbs), in one query."""
    return list(Institution.objects.filter(path__in=institution.ancestors_paths()).order_by("depth"))


def branch_of(*, institution: Institution) -> Institution | None:
    paths = institution.ancestors_paths()
    return Institution.objects.filter(path__in=paths, kind=InstitutionKind.BRANCH).first()


def branches_by_path() -> dict[str, Institution]:
    """Every branch by its path, in one query: `branch_for_path(path, branches)` then finds the
    branch of any institution without a query per row (a table of thousands of people)."""
    return {b.path: b for b in Institution.objects.filter(kind=InstitutionKind.BRANCH)}


def common_path(paths) -> str | None:
    """The deepest "/…/" path every one of `paths` starts with (None: nothing in common), so one
    indexed prefix condition reads the facts of many institutions at once."""
    import os

    prefix = os.path.commonprefix(list(paths))
    prefix = prefix[: prefix.rfind("/") + 1]
    return prefix if prefix.strip("/") else None


def roll_up(rows, institutions, *, zero=Decimal(0)) -> dict:
    """Each institution's total over its subtree, from figures already grouped by institution path
    in the database ((path, value) pairs, one per institution with facts): each figure is credited
    to every requested ancestor of its institution (≤ 5 levels), so one grouped query serves any
    number of institutions at any mix of levels. Totals start at `zero` (0 for counts)."""
    wanted = {inst.path: inst.pk for inst in institutions}
    totals = dict.fromkeys(wanted.values(), zero)
    as_decimal = isinstance(zero, Decimal)
    for path, value in rows:
        if not value:
            continue
        if as_decimal and not isinstance(value, Decimal):
            value = Decimal(str(value))
        end = path.find("/", 1)
        while end != -1:
            pk = wanted.get(path[: end + 1])
            if pk is not None:
                totals[pk] += value
            end = path.find("/", end + 1)
    return totals


def subtree_totals(queryset, *, path_field: str, value, institutions, zero=Decimal(0)) -> dict:
    """Each institution's total of `value` (an aggregate expression) over the rows of `queryset`
    credited to its subtree (`path_field`: the path of the institution a row was credited to).

    Institutions that are all children of one node (the branches of the bank, the sub-branches of a
    branch — every league table and circular ranking) are grouped in the database by the child's
    path prefix: one row per institution comes back. Any other mix is grouped by institution and
    rolled up along the paths (`roll_up`)."""
    return subtree_totals_each(queryset, path_field=path_field, values=[value], institutions=institutions, zero=zero)[0]


def subtree_totals_each(queryset, *, path_field: str, values: list, institutions, zero=Decimal(0)) -> list[dict]:
    """`subtree_totals` of several aggregates (each with its own filter: a period and the one before
    it) in one scan of `queryset`: one {institution id: total} per aggregate, in order."""
    institutions = list(institutions)
    if not institutions:
        return [{} for _ in values]
    named = {f"_v{i}": v for i, v in enumerate(values)}
    parents = {inst.path[: inst.path.rstrip("/").rfind("/") + 1] for inst in institutions}
    if len(parents) == 1 and (parent := parents.pop()) != "/":
        segments = (queryset.filter(**{f"{path_field}__startswith": parent}).annotate(_child=ChildSegment(path_field, parent))
                    .values("_child").annotate(**named).values_list("_child", *named).order_by())
        grouped = [(f"{parent}{seg}/" if seg else parent, *figures) for seg, *figures in segments]
    else:
        prefixes = Q()
        for inst in institutions:
            prefixes |= Q(**{f"{path_field}__startswith": inst.path})
        grouped = queryset.filter(prefixes).values(path_field).annotate(**named).values_list(path_field, *named).order_by()
    rows = list(grouped)
    return [roll_up(((r[0], r[i + 1]) for r in rows), institutions, zero=zero) for i in range(len(values))]


def branch_for_path(path: str, branches: dict[str, Institution]) -> Institution | None:
    return next((b for p, b in branches.items() if path.startswith(p)), None)


def staff_institution_on(*, staff: Staff, day: dt.date) -> Institution:
    """Which institution the person belonged to on `day` (the transfer history)."""
    assignment = (
        StaffAssignment.objects.filter(staff=staff, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("institution")
        .order_by("-valid_from")
        .first()
    )
    if assignment is None:  # before the first record: the earliest known institution
        assignment = StaffAssignment.objects.filter(staff=staff).select_related("institution").order_by("valid_from").first()
    return assignment.institution if assignment else staff.institution


class InstitutionsOn:
    """{staff_id → institution of a day} for many people and days: one query for the histories."""

    def __init__(self, staff_ids):
        self.history: dict[int, tuple[list[dt.date], list[int]]] = {}
        rows = StaffAssignment.objects.filter(staff_id__in=list(staff_ids)).order_by("staff_id", "valid_from").values_list("staff_id", "valid_from", "institution_id")
        for staff_id, start, inst in rows:
            starts, insts = self.history.setdefault(staff_id, ([], []))
            starts.append(start)
            insts.append(inst)

    def get(self, staff: Staff, day: dt.date) -> int:
        entry = self.history.get(staff.pk)
        if not entry:
            return staff.institution_id
        starts, insts = entry
        i = bisect_right(starts, day) - 1
        return insts[max(i, 0)]


def staff_institution_ids_on(*, staff_ids, day: dt.date) -> dict[int, int]:
    """Bulk form of `staff_institution_on`: {staff_id: institution_id} in one query."""
    rows = (
        StaffAssignment.objects.filter(staff_id__in=staff_ids, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values_list("staff_id", "institution_id")
    )
    return dict(rows)


def is_working_day(day: dt.date, overrides: dict[dt.date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = dict(CalendarDay.objects.filter(date=day).values_list("date", "is_working"))
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


@memoised  # a page reads time progress for its tiles and again for its tables: one query (org.memo)
def working_days(*, start: dt.date, end: dt.date) -> list[dt.date]:
    overrides = dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working"))
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if is_working_day(d, overrides)]


def active_staff_count_subquery(*, day: dt.date, outer_path: str = "path"):
    """Active staff whose institution lies under the outer institution's path, as a correlated
    subquery: annotating a page of institutions with it costs one query, whatever the tree size."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    counted = (
        Staff.objects.active_on(day)
        .filter(institution__path__startswith=OuterRef(outer_path))
        .order_by()
        .values(one=Value(1))
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def institutions_with_staff_counts(*, queryset: QuerySet[Institution], day: dt.date) -> QuerySet[Institution]:
    return queryset.annotate(staff_count=active_staff_count_subquery(day=day))


def staff_history(*, staff: Staff) -> QuerySet[StaffAssignment]:
    """Where the person belonged over time, newest first (the transfer history of SPEC §2)."""
    return StaffAssignment.objects.filter(staff=staff).select_related("institution").order_by("-valid_from")


def staff_with_wechat_status():
    """Staff with their institution and whether their WeChat is bound: the one staff queryset of the
    staff pages and the staff API (scoped by their callers)."""
    from django.db.models import Exists, OuterRef

    from .models import WeChatBinding

    return Staff.objects.select_related("institution").annotate(wechat_bound=Exists(WeChatBinding.objects.filter(staff=OuterRef("pk"))))


AMBIGUOUS_NAMES_CACHE_KEY = "org:ambiguous-institution-names"


_ambiguous_local: tuple[float, frozenset[str]] | None = None  # this process's copy: (monotonic deadline, names)
AMBIGUOUS_LOCAL_SECONDS = 5.0


def ambiguous_institution_names() -> frozenset[str]:
    """Names held by more than one institution (many outlets have a 个人金融部); cached for 5 minutes
    in the shared cache, and for 5 seconds in this process (a page labels dozens of institutions:
    one cache round trip, not one per label)."""
    global _ambiguous_local
    import time

    from django.core.cache import cache
    from django.db.models import Count

    if _ambiguous_local is not None and time.monotonic() < _ambiguous_local[0]:
        return _ambiguous_local[1]
    try:
        names = cache.get(AMBIGUOUS_NAMES_CACHE_KEY)
    except Exception:  # a stopped Redis: compute it, never fail the page (logged)
        logging.getLogger(__name__).warning("cache unavailable for ambiguous institution names", exc_info=True)
        names, cache_ok = None, False
    else:
        cache_ok = True
    if names is None:
        names = frozenset(Institution.objects.values("name").annotate(n=Count("pk")).filter(n__gt=1).values_list("name", flat=True))
        if cache_ok:
            try:
                cache.set(AMBIGUOUS_NAMES_CACHE_KEY, names, 300)
            except Exception:
                logging.getLogger(__name__).warning("cache unavailable for ambiguous institution names", exc_info=True)
    _ambiguous_local = (time.monotonic() + AMBIGUOUS_LOCAL_SECONDS, names)
    return names


def ambiguous_names_forget(**_signal_kwargs) -> None:
    global _ambiguous_local
    from django.core.cache import cache

    _ambiguous_local = None
    try:
        cache.delete(AMBIGUOUS_NAMES_CACHE_KEY)
    except Exception:  # a stopped Redis must not stop an institution from being saved
        logging.getLogger(__name__).warning("cache unavailable: ambiguous institution names not forgotten", exc_info=True)


def institution_label(inst: Institution | None) -> str:
    """An institution's name, with its parent's where the name alone is ambiguous
    ("人民广场网点·个人金融部"). Callers listing many use select_related("parent")."""
    if inst is None:
        return "—"
    if inst.parent_id and (inst.kind == InstitutionKind.DEPARTMENT or inst.name in ambiguous_institution_names()):
        return f"{inst.parent.name}·{inst.name}"
    return inst.name


def child_path_sql(column: str, scope_path: str, connection) -> str:
    """`child_path` for raw statements: SQL of the path of the child of the scope node under which
    the path in `column` lies (the scope's own path on the scope node itself). Same text functions
    as the expression, on this database (test: both agree on every institution of a tree)."""
    n = len(scope_path)
    find = "strpos" if connection.vendor == "postgresql" else "instr"
    return f"substr({column}, 1, {n} + {find}(substr({column}, {n + 1}), '/'))"


class ChildSegment(Func):
    """Expression: the path segment (institution code) of the child of the scope node under which
    `path_field` lies — `BR1` for `/HO/BR1/SB1/` under `/HO/`, "" on the scope node itself. Grouping
    by it costs PostgreSQL one `split_part` per row (a fifth less than slicing the child's path:
    `bench/`'s branch league)."""

    output_field = CharField()

    def __init__(self, path_field: str, scope_path: str):
        super().__init__(F(path_field))
        self.scope_length = len(scope_path)
        self.index = scope_path.count("/") + 1

    def as_sql(self, compiler, connection, template=None, **extra):
        if template is None:  # SQLite and others: the text between the scope's end and the next "/"
            rest = f"substr(%(expressions)s, {self.scope_length + 1})"
            template = f"substr({rest}, 1, instr({rest}, '/') - 1)"
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=f"split_part(%(expressions)s, '/', {self.index})", **extra)


def child_path(path_field: str, scope_path: str):
    """Expression: the path of the child of the scope node under which `path_field` lies.

    `/HO/BR1/SB1/OUT1/` under scope `/HO/` gives `/HO/BR1/`; a row on the scope node itself gives
    the scope's own path (StrIndex finds no "/" in the empty rest, so the prefix is the scope)."""
    n = len(scope_path)
    rest = Substr(path_field, n + 1)
    length = ExpressionWrapper(Value(n) + StrIndex(rest, Value("/")), output_field=IntegerField())
    return Substr(path_field, 1, length)
