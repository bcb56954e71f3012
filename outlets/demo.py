"""The `outlets` step of seed_demo: the product points table, a year of sales for every customer
manager, VIP customers from the demo balances with some contacts, a quarter of inspections by the
branch leaders, the last quarter's grades and elite club. Bulk inserts only (fast at every size); sales
and contacts through `org.demo.copy_rows` (COPY on PostgreSQL). The national bank gets the last
quarter of sales and contacts (`org.demo.since`), at the same pace."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Q

from org import clock, demo
from org.models import Institution, InstitutionKind, Position, Staff
from org.periods import Period

from .models import Inspection, InspectionScore, InspectionSheet, PointsTable, Sale, VipContact, VipCustomer

RATES = [
    ("deposit", "新增存款", "wan", "10"), ("wealth", "理财产品", "unit", "20"), ("fund", "基金", "unit", "15"),
    ("insurance", "保险", "unit", "40"), ("card", "信用卡", "unit", "30"), ("mbank", "手机银行签约", "unit", "5"),
    ("pos", "POS 机具", "unit", "50"), ("loan", "个人贷款", "wan", "8"),
]
SALES_PER_PERSON = {"small": 160, "regional": 40, "national": 40}  # a year's, for a full year's span


def register() -> None:
    demo.register("outlets", seed_outlets, order=70)


def seed_outlets(*, size: str, rng: random.Random, ctx) -> str | None:
    if PointsTable.objects.exists():
        return None
    from .services.points import points_table_publish

    today = ctx.today
    start = today - dt.timedelta(days=365)
    first_day = demo.since(size, start, today)
    table = points_table_publish(by=None, effective_from=start, note="演示计分表",
                                 rates=[{"product": p, "name": n, "basis": b, "points": Decimal(v)} for p, n, b, v in RATES])
    rates = {r.product: r for r in table.rates.all()}
    role = Q(positions__contains=f";{Position.WEALTH_MANAGER};") | Q(positions__contains=f";{Position.LOAN_OFFICER};")
    people = list(Staff.objects.filter(role).values_list("pk", "institution_id", "active_from", "active_to"))
    now = clock.now()
    sales, n = [], 0
    per_person = SALES_PER_PERSON[size]
    for pk, inst, active_from, active_to in people:
        skill = rng.uniform(0.3, 2.0)
        first = max(first_day, active_from)
        last = min(today, active_to) if active_to else today
        if first > last:
            continue
        span = (last - first).days
        for _ in range(max(1, int(per_person * skill * (span + 1) / 366))):
            product = rng.choice(list(rates))
            rate = rates[product]
            quantity = Decimal(1 if rate.basis == "wan" else rng.choice((1, 1, 1, 2, 3)))
            amount = Decimal(rng.randrange(10_000, 500_000, 1000)) if rate.basis == "wan" else None
            n += 1
            sales.append((f"DEMO-{n:08d}", pk, inst, product, quantity, amount, first + dt.timedelta(days=rng.randint(0, span)), rate.pk,
                          rate.points_for(quantity=quantity, amount=amount), now))
    demo.copy_rows(Sale, ["sale_id", "staff_id", "institution_id", "product", "quantity", "amount", "sold_on", "rate_id", "points", "imported_at"], sales)
    from .services.vip import vips_refresh

    with clock.frozen(dt.datetime.combine(today - dt.timedelta(days=120), dt.time(9), clock.SHANGHAI)):
        vips = vips_refresh()
    contacts = []
    back = min(150, (today - first_day).days)
    for vip_pk, manager_pk in VipCustomer.objects.filter(manager__isnull=False).values_list("pk", "manager_id"):
        for _ in range(rng.choice((0, 1, 2, 3))):
            contacts.append((vip_pk, manager_pk, rng.choice(("call", "visit", "sms", "greeting", "wealth_review", "event")),
                             today - dt.timedelta(days=rng.randint(0, back)), "", now))
    demo.copy_rows(VipContact, ["vip_id", "staff_id", "kind", "contacted_on", "note", "recorded_at"], contacts)
    inspections = _inspections(rng=rng, today=today, now=now)
    last_quarter = Period.containing(today, "quarter").previous()
    from .services.grades import outlet_grades_compute
    from .services.rankings import elite_club_choose

    graded = outlet_grades_compute(by=None, quarter=last_quarter)
    elite = len(elite_club_choose(by=None, quarter=last_quarter))
    demo.analyze(Sale, VipCustomer, VipContact, Inspection, InspectionScore)
    return (f"计分表 v{table.version}, {len(sales):,} 笔产品销售, {vips:,} 位贵宾客户, {len(contacts):,} 条联系, {inspections:,} 次服务检查, "
            f"{graded:,} 个网点评级, {elite} 位营销精英 (points table, sales, VIPs, contacts, inspections, grades, elite club)")


def _inspections(*, rng, today: dt.date, now) -> int:
    sheet = InspectionSheet.objects.order_by("-effective_from").first()
    items = list(sheet.items.all())
    leaders = list(Staff.objects.filter(positions__contains=f";{Position.BRANCH_MANAGER};").select_related("institution")[:40])
    outlets_by_branch: dict[str, list[int]] = {}
    for pk, path in Institution.objects.filter(kind=InstitutionKind.OUTLET).values_list("pk", "path"):
        outlets_by_branch.setdefault("/".join(path.split("/")[:3]) + "/", []).append(pk)
    made, scores = [], []
    for leader in leaders:
        outlets = outlets_by_branch.get(leader.institution.path, [])
        if not outlets:
            continue
        for half in range(6):  # the last quarter's half months: 12 outlets each (fewer in small banks)
            day = today - dt.timedelta(days=15 * half + 1)
            for outlet in rng.sample(outlets, min(12, len(outlets))):
                points = [min(i.max_points, max(Decimal(0), i.max_points - rng.choice((0, 0, 0, 1, 2, 3)))) for i in items]
                made.append((Inspection(sheet=sheet, outlet_id=outlet, inspector=leader, inspected_on=day, total=sum(points),
                                        max_total=sum(i.max_points for i in items), recorded_at=now), points))
    Inspection.objects.bulk_create([m for m, _ in made], batch_size=2000)
    if any(m.pk is None for m, _ in made):
        return len(made)
    for m, points in made:
        scores += [InspectionScore(inspection=m, item=i, points=p) for i, p in zip(items, points, strict=True)]
    InspectionScore.objects.bulk_create(scores, batch_size=5000)
    return len(made)
