"""Demo activity of the referral programme (the `referrals` step of `seed_demo`).

A running credit-card campaign 全民营销 邀享好礼 with its products, incentive rule v1, weekly
targets for every outlet and department, responsible persons (包保责任人) for branches and
sub-branches, a personal code for every active employee, and weeks of scans, leads and
applications across every status (submitted, approved, rejected with a reason, disbursed,
withdrawn, and flagged ones: one pending, one cleared by a manager).

* `small`: the last ~6 weeks. Applications go through `application_events_apply`, the very
  service the webhook uses, so attribution, flags and earnings are the real ones.
* `regional`: a quarter (13 weeks) at the scale of SPEC §9, 200,000 applications. The events are
  generated the same way but rows are inserted directly (COPY on PostgreSQL, via
  `org.demo.copy_rows`) because 600,000 events through the service would take an hour: each
  customer applies once (so first-touch attribution credits the code's holder), the credited
  institution is the holder's on the submission day (from the transfer history), a small share
  carries a staff-mobile flag (half cleared), and earnings are computed by the real
  `earnings_sync` over the inserted applications, in chunks.
* `national`: as regional, a quarter (13 weeks) of the national bank: 1,250,000 applications (SPEC §9's
  5 M a year, over four), about 5 M scans streamed to COPY.

Idempotent: when the campaign exists the step changes nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal

from django.db import connection

from org import demo
from org.clock import SHANGHAI
from org.demo_data.bank import id_check_digit
from org.models import Institution, InstitutionKind, Staff, StaffAssignment, User

from .models import (
    Application,
    ApplicationEvent,
    Campaign,
    CodeKind,
    FlagKind,
    FlagStatus,
    IncentiveRule,
    Lead,
    ReferralCode,
    ReferralProduct,
    ResponsiblePerson,
    ScanEvent,
)

CAMPAIGN_CODE = "CC-QMYX"
CAMPAIGN_NAME = "全民营销 邀享好礼"
WEEKS = {"small": 6, "regional": 13, "national": 13}
APPLICATIONS = {"small": 700, "regional": 200_000, "national": 1_250_000}
REJECT_REASONS = ["征信记录不良", "收入证明不足", "负债率过高", "资料不全", "工作单位无法核实"]
WITHDRAW_REASONS = ["客户主动撤销", "客户另行办理"]
# product: (share, min 元, max 元); credit cards are approved but never disbursed.
PRODUCT_MIX = {"consumer_loan": (0.45, 20_000, 300_000), "card_instalment": (0.25, 5_000, 60_000), "credit_card": (0.30, 0, 0)}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣佳雪婷琳晨阳"


def register() -> None:
    demo.register("referrals", seed_referrals, order=20)


def seed_referrals(*, size: str, rng: random.Random, ctx) -> str | None:
    if Campaign.objects.filter(code=CAMPAIGN_CODE).exists():
        return None
    today = ctx.today
    weeks = WEEKS[size]
    start = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))  # Monday, `weeks` weeks ago
    campaign = Campaign.objects.create(
        code=CAMPAIGN_CODE,
        name=CAMPAIGN_NAME,
        tagline="推荐好友办卡用信，好礼相送",
        start_date=start,
        end_date=start + dt.timedelta(weeks=weeks + 8) - dt.timedelta(days=1),
    )
    for code, name, description in [
        ("consumer_loan", "信用卡消费贷", "线上申请，最快当天放款"),
        ("card_instalment", "信用卡分期", "大额消费分期，手续费优惠"),
        ("credit_card", "信用卡", "新客户办卡礼"),
    ]:
        ReferralProduct.objects.get_or_create(code=code, defaults={"name": name, "description": description})
    campaign.products.set(ReferralProduct.objects.filter(code__in=PRODUCT_MIX))
    IncentiveRule.objects.create(campaign=campaign, version=1, effective_from=start, rate=Decimal("0.003"), cap_per_loan=Decimal("300"))
    _responsible_people(campaign)
    from .services.codes import referral_codes_issue_missing

    codes = referral_codes_issue_missing(staff_qs=Staff.objects.all())
    n_apps = max(50, round(APPLICATIONS[size] * ctx.scale)) if demo.is_large(size) else APPLICATIONS[size]
    now = dt.datetime.combine(today, dt.time(8), SHANGHAI)
    cases = _cases(rng=rng, start=start, today=today, n=n_apps, campaign=campaign, now=now)
    n_targets = _targets(rng=rng, campaign=campaign, start=start, weeks=weeks, n_apps=n_apps)
    scans, leads = _scans_and_leads(rng=rng, cases=cases, campaign=campaign)
    if demo.is_large(size):
        _load_applications_directly(cases, campaign=campaign, now=now)
    else:
        _apply_through_service(cases)
    from targets.models import Target

    demo.analyze(Application, ApplicationEvent, ScanEvent, Lead, Target)
    return (
        f"活动「{CAMPAIGN_NAME}」, {codes:,} 个推荐码, {scans:,} 次扫码, {leads:,} 条留资, {len(cases):,} 笔进件, {n_targets:,} 条周目标 "
        f"(campaign, codes, scans, leads, applications, weekly targets)"
    )


def _responsible_people(campaign: Campaign) -> None:
    """A 包保责任人 for each branch and sub-branch: its manager if it has one, else anyone there."""
    nodes = Institution.objects.filter(kind__in=[InstitutionKind.BRANCH, InstitutionKind.SUB_BRANCH])
    people = Staff.objects.filter(institution__in=nodes, active_to__isnull=True).order_by("employee_no")
    managers = [";branch_manager;", ";sub_branch_vp;"]
    rows = list(people.values_list("pk", "institution_id", "positions"))
    chosen: dict[int, int] = {}
    for staff_id, inst_id, _positions in sorted(rows, key=lambda r: not any(m in r[2] for m in managers)):
        chosen.setdefault(inst_id, staff_id)
    ResponsiblePerson.objects.bulk_create(
        [ResponsiblePerson(campaign=campaign, institution_id=i, staff_id=s) for i, s in chosen.items()], batch_size=1000
    )


def _targets(*, rng, campaign, start: dt.date, weeks: int, n_apps: int) -> int:
    """Weekly targets for every outlet and department, this week and the next included, set a
    little above the average pace so some places are behind."""
    outlets = list(Institution.objects.filter(kind__in=[InstitutionKind.OUTLET, InstitutionKind.DEPARTMENT]).values_list("pk", flat=True))
    if not outlets:
        return 0
    pace = n_apps / (len(outlets) * weeks)
    rows = []
    for w in range(weeks + 1):
        monday = start + dt.timedelta(weeks=w)
        for pk in outlets:
            apps = max(1, round(pace * rng.uniform(0.8, 1.5)))
            rows.append((pk, monday, apps, Decimal(apps * 40_000)))
    # targets.Target rows, one per half (applications, amount), as the campaign page writes them.
    from targets.models import Target

    from .metrics import AMOUNT, APPLICATIONS
    from .selectors.reporting import campaign_context

    now = dt.datetime.combine(start, dt.time(8), SHANGHAI)
    ctx = campaign_context(campaign)
    targets = []
    for pk, monday, apps, amount in rows:
        iso = monday.isocalendar()
        code = f"{iso.year}-W{iso.week:02d}"
        for metric, value in ((APPLICATIONS, Decimal(apps)), (AMOUNT, amount)):
            targets.append(("week", code, monday, monday + dt.timedelta(days=6), pk, ctx, metric, value, 1, now))
    cols = ["period_kind", "period", "period_start", "period_end", "institution_id", "context", "metric", "value", "version", "set_at"]
    return demo.copy_rows(Target, cols, targets) // 2


class _Case:
    __slots__ = ("app_id", "staff_id", "code_id", "token", "product", "name", "mobile", "id_number", "submitted", "outcomes", "flag")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)


def _id_number(rng) -> str:
    born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
    body = f"220{rng.randrange(100, 999)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_digit(body)


def _cases(*, rng, start: dt.date, today: dt.date, n: int, campaign, now: dt.datetime) -> list[_Case]:
    """n applications: who referred them (a skewed pick, so tables have leaders and laggards),
    the customer, and the outcome events up to now."""
    codes = list(
        ReferralCode.objects.filter(kind=CodeKind.PERSONAL, revoked_at__isnull=True, staff__active_to__isnull=True)
        .exclude(staff__positions__contains=";head_office;")
        .order_by("staff__employee_no")
        .values_list("pk", "token", "staff_id", "staff__mobile")
    )
    if not codes:
        return []
    # Pareto weights, capped: a few stars (up to 6× the typical pace), a long tail, and some who never
    # refer (weight 0). Uncapped, one person drew a third of a branch's applications.
    weights = [0.0 if rng.random() < 0.25 else min(rng.paretovariate(1.6), 6.0) for _ in codes]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    products, shares = zip(*[(p, v[0]) for p, v in PRODUCT_MIX.items()], strict=True)
    span = (today - start).days + 1
    staff_mobiles = [c[3] for c in codes if c[3]]
    cases = []
    for i in range(n):
        code_id, token, staff_id, _mobile = codes[bisect.bisect(cumulative, rng.random() * total)]
        product = rng.choices(products, shares)[0]
        submitted = dt.datetime.combine(
            start + dt.timedelta(days=rng.randrange(span)), dt.time(rng.randrange(9, 21), rng.randrange(60)), SHANGHAI
        )
        if submitted >= now:
            submitted = now - dt.timedelta(hours=rng.randrange(1, 48))
        flag = ""
        mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        if i % 97 == 13 and staff_mobiles:  # the employee's colleague's mobile: 代客操作, flagged
            mobile, flag = rng.choice(staff_mobiles), FlagKind.STAFF_MOBILE
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        outcomes = _outcomes(rng, product=product, submitted=submitted, now=now)
        cases.append(
            _Case(
                app_id=f"LN{submitted:%Y%m%d}{i:07d}",
                staff_id=staff_id,
                code_id=code_id,
                token=token,
                product=product,
                name=name,
                mobile=mobile,
                id_number=_id_number(rng),
                submitted=submitted,
                outcomes=outcomes,
                flag=flag,
            )
        )
    return cases


def _outcomes(rng, *, product: str, submitted: dt.datetime, now: dt.datetime) -> list[tuple]:
    """(status, at, amount, reason) after submission, none in the future."""
    out = []
    at = submitted + dt.timedelta(hours=rng.randrange(6, 72))
    roll = rng.random()
    if at > now or roll < 0.12:
        return out  # still under review
    if roll < 0.16:
        return [("withdrawn", at, None, rng.choice(WITHDRAW_REASONS))]
    if roll < 0.34:
        return [("rejected", at, None, rng.choice(REJECT_REASONS))]
    out.append(("approved", at, None, ""))
    share, lo, hi = PRODUCT_MIX[product]
    disbursed_at = at + dt.timedelta(hours=rng.randrange(4, 96))
    if hi and disbursed_at <= now and rng.random() < 0.85:
        amount = Decimal(rng.randrange(lo // 100, hi // 100) * 100)
        out.append(("disbursed", disbursed_at, amount, ""))
    return out


def _scans_and_leads(*, rng, cases: list[_Case], campaign) -> tuple[int, int]:
    """Scans (about four per application, from distinct clients) and leads (one in two)."""
    products = dict(ReferralProduct.objects.values_list("code", "pk"))
    staff_inst = dict(Staff.objects.values_list("pk", "institution_id"))
    leads = []

    def scans():
        # Streamed to COPY (the national bank's 5 M scans are never all in memory); the leads are
        # drawn in the same pass, so the draws are those of one loop.
        for i, c in enumerate(cases):
            for k in range(rng.randrange(2, 7)):
                at = c.submitted - dt.timedelta(minutes=rng.randrange(5, 60 * 24 * 3))
                yield (c.code_id, staff_inst[c.staff_id], at, rng.choice(["wechat", "wechat", "alipay", "browser"]), f"{i:x}{k}{rng.randrange(16**8):08x}"[:32])
            if rng.random() < 0.5:
                at = c.submitted - dt.timedelta(minutes=rng.randrange(1, 600))
                leads.append(
                    (c.code_id, c.staff_id, staff_inst[c.staff_id], campaign.pk, products[c.product], c.name, c.mobile, at, "v1", at, f"{i:x}")
                )

    n_scans = demo.copy_rows(ScanEvent, ["code_id", "institution_id", "at", "client_type", "client_hash"], scans())
    n_leads = demo.copy_rows(
        Lead,
        ["code_id", "staff_id", "institution_id", "campaign_id", "product_id", "name", "mobile", "consent_at", "consent_version"]
        + ["created_at", "client_hash"],
        leads,
    )
    return n_scans, n_leads


def _events(c: _Case) -> list[dict]:
    events = [
        {
            "event_id": f"{c.app_id}-S",
            "application_id": c.app_id,
            "referral_code": c.token,
            "product": c.product,
            "customer_id_number": c.id_number,
            "customer_name": c.name,
            "customer_mobile": c.mobile,
            "status": "submitted",
            "occurred_at": c.submitted.isoformat(),
        }
    ]
    for status, at, amount, reason in c.outcomes:
        event = {"event_id": f"{c.app_id}-{status[0].upper()}", "application_id": c.app_id, "status": status, "occurred_at": at.isoformat()}
        if amount is not None:
            event["amount"] = str(amount)
        if reason:
            event["reason"] = reason
        events.append(event)
    return events


def _apply_through_service(cases: list[_Case]) -> None:
    from .services.applications import application_events_apply, application_flag_review

    events = [e for c in cases for e in _events(c)]
    for i in range(0, len(events), 500):
        application_events_apply(events=events[i : i + 500], source="file")
    # A manager clears one flagged application (it then counts and earns); the others stay pending.
    reviewer = User.objects.filter(username="HQ001").first() or User.objects.filter(is_superuser=True).first()
    flagged = Application.objects.filter(flag_status=FlagStatus.PENDING).order_by("application_id").first()
    if reviewer is not None and flagged is not None:
        application_flag_review(application=flagged, by=reviewer, decision=FlagStatus.CLEARED, note="演示：核实为客户本人办理")


def _institution_on(history: dict[int, list], staff_id: int, day: dt.date, fallback: int) -> int:
    rows = history.get(staff_id)
    if not rows:
        return fallback
    inst = rows[0][1]
    for valid_from, institution_id in rows:  # sorted by valid_from; a handful per person
        if valid_from <= day:
            inst = institution_id
    return inst


def _load_applications_directly(cases: list[_Case], *, campaign, now: dt.datetime) -> None:
    """Regional scale: rows in the state the services would leave them in (see module docstring)."""
    from org.demo import _fast_pii

    from .selectors.reporting import referral_rule_for
    from .services.earnings import earnings_sync

    keyed_hash, mask_id, _card = _fast_pii()
    history: dict[int, list] = defaultdict(list)
    for staff_id, valid_from, inst in StaffAssignment.objects.order_by("staff_id", "valid_from").values_list(
        "staff_id", "valid_from", "institution_id"
    ):
        history[staff_id].append((valid_from, inst))
    current = dict(Staff.objects.values_list("pk", "institution_id"))
    rule = referral_rule_for(period=_period_of(cases))

    def app_rows():  # streamed to COPY
        flagged = 0
        for c in cases:
            last = c.outcomes[-1] if c.outcomes else ("submitted", c.submitted, None, "")
            by = {o[0]: o for o in c.outcomes}
            flag_status = ""
            if c.flag:
                flagged += 1
                flag_status = FlagStatus.CLEARED if flagged % 2 == 0 else FlagStatus.PENDING
            day = c.submitted.astimezone(SHANGHAI).date()
            yield (
                c.app_id,
                c.product,
                c.token,
                c.code_id,
                c.staff_id,
                _institution_on(history, c.staff_id, day, current[c.staff_id]),
                campaign.pk,
                rule.pk if rule else None,
                "首触：本推荐码（30 天内无他人在先进件）",
                keyed_hash(c.id_number),
                mask_id(c.id_number),
                c.name,
                c.mobile,
                last[0],
                last[1],
                c.submitted,
                by["approved"][1] if "approved" in by else None,
                by["rejected"][1] if "rejected" in by else None,
                by["rejected"][3] if "rejected" in by else "",
                by["disbursed"][1] if "disbursed" in by else None,
                by["disbursed"][2] if "disbursed" in by else None,
                by["withdrawn"][1] if "withdrawn" in by else None,
                by["withdrawn"][3] if "withdrawn" in by else "",
                c.flag,
                flag_status,
                now,
            )
    demo.copy_rows(
        Application,
        ["application_id", "product", "referral_token", "code_id", "staff_id", "institution_id", "campaign_id", "rule_id"]
        + ["attribution_note", "customer_id_hash", "customer_id_masked", "customer_name", "customer_mobile", "status", "status_at"]
        + ["submitted_at", "approved_at", "rejected_at", "reject_reason", "disbursed_at", "disbursed_amount", "withdrawn_at"]
        + ["withdraw_reason", "flag", "flag_status", "updated_at"],
        app_rows(),
    )
    ids = dict(Application.objects.filter(campaign=campaign).values_list("application_id", "pk"))
    demo.copy_rows(
        ApplicationEvent,
        ["event_id", "application_id", "status", "occurred_at", "amount", "reason", "payload", "source", "received_at"],
        (
            (f"{c.app_id}-{status[0].upper()}", ids[c.app_id], status, at, amount, reason, payload, "file", now)
            for c in cases
            for status, at, amount, reason, payload in _event_tuples(c, keyed_hash, mask_id)
        ),
    )
    # Earnings by the real rule, a chunk of applications at a time (bounded memory and statements).
    pks = sorted(ids.values())
    for i in range(0, len(pks), 5000):
        earnings_sync(applications=list(Application.objects.filter(pk__in=pks[i : i + 5000])))


def _event_tuples(c: _Case, keyed_hash, mask_id):
    """(status, at, amount, reason, payload) of a case's events, payload as stored by the service
    (never the clear ID number): JSON text for COPY, a dict for bulk_create."""
    payload = {
        "product": c.product,
        "referral_code": c.token,
        "customer_id_hash": keyed_hash(c.id_number),
        "customer_id_masked": mask_id(c.id_number),
        "customer_name": c.name,
        "customer_mobile": c.mobile,
    }
    encode = (lambda p: json.dumps(p, ensure_ascii=False)) if connection.vendor == "postgresql" else (lambda p: p)
    yield "submitted", c.submitted, None, "", encode(payload)
    for status, at, amount, reason in c.outcomes:
        yield status, at, amount, reason, encode({})


def _period_of(cases: list[_Case]):
    from org.periods import Period

    day = max(c.submitted for c in cases).astimezone(SHANGHAI).date() if cases else dt.date.today()
    return Period.containing(day, "month")
