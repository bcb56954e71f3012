"""Writing 2053 facts: calls logged in the mini-program, visits, follow-ups, pool prospects and
do-not-call marks. Keyword-only, atomic, ApplicationError with a Chinese message."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from org import clock, pii, uploads
from org.errors import ApplicationError
from org.models import Customer, CustomerCard, Staff
from org.selectors import staff_institution_on

from ..models import Call, Channel, DoNotCall, FollowUp, Outcome, PoolProspect, Product, Source, Visit, VisitMethod, VisitProduct

MAX_DURATION_S = 24 * 3600
MAX_PRODUCTS = 20


def customer_by_phone(phone: str) -> Customer | None:
    """The customer whose mobile is `phone` (normalised); None when none or several match."""
    found = list(Customer.objects.filter(mobile_hash=pii.keyed_hash(phone))[:2]) if pii.normalise(phone) else []
    return found[0] if len(found) == 1 else None


def _customer(number: str) -> Customer:
    customer = Customer.objects.filter(customer_no=(number or "").strip()).first()
    if customer is None:
        raise ApplicationError(_("客户号“%(no)s”不存在") % {"no": (number or "").strip()[:32]}, code="not_found")
    return customer


@transaction.atomic
def call_log(
    *, staff: Staff, customer_no: str = "", phone: str = "", started_at: dt.datetime, duration_s: int, connected: bool,
    channel: str, recording=None, recording_url: str = "",
) -> Call:
    """A call the employee logs in the mini-program (mobile or call-back)."""
    if channel not in Channel.values:
        raise ApplicationError(_("渠道“%(channel)s”无效，应为 %(choices)s 之一") % {"channel": channel, "choices": "、".join(Channel.values)})
    if not 0 <= duration_s <= MAX_DURATION_S:
        raise ApplicationError(_("通话时长应在 0–86400 秒之间"))
    if started_at > clock.now() + dt.timedelta(minutes=5):
        raise ApplicationError(_("开始时间不能晚于现在"))
    customer = None
    if customer_no:
        customer = _customer(customer_no)
    elif phone:
        if not pii.is_valid_mobile(phone) and not pii.normalise(phone).isdigit():
            raise ApplicationError(_("电话号码无效"))
        customer = customer_by_phone(phone)
    else:
        raise ApplicationError(_("请填写客户号或电话"))
    number = pii.normalise(phone) if phone else (customer.mobile if customer else "")
    day = clock.local(started_at).date()
    call = Call(
        call_id=f"APP-{uuid.uuid4().hex}", staff=staff, institution=staff_institution_on(staff=staff, day=day), customer=customer,
        phone_hash=pii.keyed_hash(number) if number else "", phone_masked=pii.mask_mobile(number) if number else "",
        started_at=started_at, local_date=day, duration_s=duration_s, connected=connected, channel=channel, source=Source.APP,
        recording_url=recording_url[:500],
    )
    if recording is not None:
        uploads.accept(recording, kinds=("audio",), label=_("录音"))
        uploads.store(call.recording, recording, prefix="wealth/recordings")
    call.save()
    return call


def card_customer(card_number: str) -> tuple[Customer, str]:
    """The customer whose card was read (the number is hashed, never stored)."""
    digits = pii.normalise(card_number)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise ApplicationError(_("卡号无效（应为 12–19 位数字）"))
    card = CustomerCard.objects.filter(card_hash=pii.keyed_hash(digits)).select_related("customer").first()
    if card is None:
        raise ApplicationError(_("卡号 %(card)s 未匹配到客户") % {"card": pii.mask_card_number(digits)}, code="not_found")
    return card.customer, card.card_masked


@transaction.atomic
def visit_register(
    *, staff: Staff, card_number: str = "", customer_no: str = "", products: list[str] = (), pad_used: bool = False, at: dt.datetime | None = None,
) -> Visit:
    """Register a visit by card read or customer number; a second one with the same customer on the
    same day adds its products to the day's visit (one counted visit per customer per day)."""
    at = at or clock.now()
    if card_number:
        customer, masked = card_customer(card_number)
        method = VisitMethod.CARD
    elif customer_no:
        customer, masked, method = _customer(customer_no), "", VisitMethod.CUSTOMER_NO
    else:
        raise ApplicationError(_("请读卡或填写客户号"))
    codes = sorted({str(c).strip() for c in products or () if str(c).strip()})
    if len(codes) > MAX_PRODUCTS:
        raise ApplicationError(_("产品最多选择 %(max)s 个") % {"max": MAX_PRODUCTS})
    catalogue = {p.code: p for p in Product.objects.filter(code__in=codes, active=True)}
    unknown = [c for c in codes if c not in catalogue]
    if unknown:
        raise ApplicationError(_("产品“%(codes)s”不存在或已停用") % {"codes": "、".join(c[:32] for c in unknown[:5])})
    day = clock.local(at).date()
    visit = Visit.objects.select_for_update().filter(staff=staff, customer=customer, local_date=day).first()
    if visit is None:
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    staff=staff, institution=staff_institution_on(staff=staff, day=day), customer=customer, visited_at=at, local_date=day,
                    method=method, card_masked=masked, pad_used=pad_used,
                )
        except IntegrityError:  # the same visit registered twice at once
            visit = Visit.objects.get(staff=staff, customer=customer, local_date=day)
    if pad_used and not visit.pad_used:
        visit.pad_used = True
        visit.save(update_fields=["pad_used"])
    VisitProduct.objects.bulk_create([VisitProduct(visit=visit, product=catalogue[c]) for c in codes], ignore_conflicts=True)
    return visit


@transaction.atomic
def follow_up_record(
    *, staff: Staff, customer_no: str, outcome: str, product: str = "", next_action: str = "", next_date: dt.date | None = None,
    call: Call | None = None, visit: Visit | None = None,
) -> FollowUp:
    if outcome not in Outcome.values:
        raise ApplicationError(_("跟进结果“%(outcome)s”无效，应为 %(choices)s 之一") % {"outcome": outcome[:20], "choices": "、".join(Outcome.values)})
    customer = _customer(customer_no)
    item = None
    if outcome == Outcome.DEAL:
        item = Product.objects.filter(code=product).first()
        if item is None:
            raise ApplicationError(_("已成交请选择成交的产品"))
    if next_date is not None and next_date < clock.today():
        raise ApplicationError(_("下次跟进日期不能早于今天"))
    if len(next_action) > 200:
        raise ApplicationError(_("下一步不能超过 200 个字"))
    now = clock.now()
    # An open follow-up of the same customer is superseded by the new one.
    FollowUp.objects.filter(staff=staff, customer=customer, done=False).update(done=True)
    return FollowUp.objects.create(
        staff=staff, customer=customer, call=call, visit=visit, outcome=outcome, product=item, next_action=next_action,
        next_date=next_date, created_at=now, local_date=clock.local(now).date(),
    )


@transaction.atomic
def prospect_add(*, staff: Staff, name: str, mobile: str) -> Customer:
    """Add a prospect to the potential-customer pool (a customer with no manager)."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ApplicationError(_("请填写客户姓名（不超过 50 个字）"))
    if not pii.is_valid_mobile(mobile):
        raise ApplicationError(_("手机号无效，应为 11 位手机号"))
    mobile = pii.normalise(mobile)
    if Customer.objects.filter(mobile=mobile).exists():
        raise ApplicationError(_("该手机号已是本行客户或已在潜力客户池中"), code="duplicate")
    customer = Customer.objects.create(customer_no=f"P{uuid.uuid4().hex[:15].upper()}", name=name, mobile=mobile, manager=None)
    PoolProspect.objects.create(customer=customer, added_by=staff, added_at=clock.now())
    return customer


@transaction.atomic
def do_not_call_mark(*, customer: Customer, by: Staff | None, note: str = "") -> DoNotCall:
    if len(note) > 200:
        raise ApplicationError(_("说明不能超过 200 个字"))
    now = clock.now()
    mark, _created = DoNotCall.objects.get_or_create(
        customer=customer, defaults={"recorded_on": clock.local(now).date(), "recorded_at": now, "recorded_by": by, "note": note}
    )
    return mark


@transaction.atomic
def do_not_call_clear(*, customer: Customer) -> None:
    DoNotCall.objects.filter(customer=customer).delete()
