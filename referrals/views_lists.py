"""Pages of stock-customer lists (存量客户名单): the lists a manager sees with their funnels, one
list's funnel by level or person with the outlet head's split, head office's name and period, and
a member of staff's own customers with a call link and the contact form. Thin: the rules are in
`services.lists`, the figures in `selectors.lists`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from org import clock, pii
from org.errors import ApplicationError
from org.kit.charts import funnel_chart
from org.kit.tables import Column, Table
from org.models import Institution, InstitutionKind, Staff
from org.scoping import NotInScope, is_head_office, object_for, scope_filter, user_staff
from org.selectors import institution_label
from org.text import ascii_digits
from org.views import InstitutionChoiceMixin, ManagerPageMixin, ScopedPageMixin

from .models import ContactOutcome, CustomerList, ListedCustomer, ListSegment
from .selectors.lists import STAGE_LABELS, STAGES, funnel_rows, funnel_total, lists_visible, my_customers
from .services.lists import customer_list_update, list_close, list_contact_record, list_split


def _close_if_ended(lst: CustomerList) -> None:
    """An ended list is frozen on first view if the nightly job has not done it yet."""
    if lst.closed_at is None and lst.end_date < clock.today():
        list_close(lst)


def _rate(part, whole) -> float | None:
    return 100 * part / whole if whole else None


class ListsView(ManagerPageMixin, TemplateView):
    template_name = "referrals/lists/lists.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        in_scope = Q() if is_head_office(user) else Q(customers__in=scope_filter(ListedCustomer.objects.all(), user=user))
        rows = lists_visible(user=user).annotate(
            n_customers=Count("customers", filter=in_scope, distinct=True),
            n_contacted=Count("customers", filter=in_scope & Q(customers__contacts__isnull=False), distinct=True),
        )
        today = clock.today()
        ctx["table"] = Table(
            self.request, "lists", title="存量客户名单", rows=rows, default_sort="-start_date",
            columns=[
                Column("name", "名单", search="name", link=lambda r: reverse("referrals:list", args=[r.code])),
                Column("code", "名单编号", search="code"),
                Column("segment", "类型", choices=dict(ListSegment.choices)),
                Column("start_date", "开始", kind="date"),
                Column("end_date", "结束", kind="date"),
                Column("n_customers", "客户", kind="int", unit="户"),
                Column("n_contacted", "已联系", kind="int", unit="户"),
                Column("closed_at", "状态", sort="closed_at", fmt=lambda v: "已结束（冻结）" if v else "进行中"),
            ],
            empty="您的范围内还没有存量客户名单（由总行通过 import_data customer_lists 导入）",
        )
        ctx["today"] = today
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)


class ListDetailView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    """One list's funnel at a node of the viewer's scope: by child institution, or by person at an
    outlet (where the outlet head splits the list)."""

    template_name = "referrals/lists/detail.html"

    def get_list(self) -> CustomerList:
        lst = object_for(lists_visible(user=self.request.user), "名单", code=self.kwargs["code"])
        _close_if_ended(lst)
        return lst

    def get_context_data(self, errors=None, posted=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lst = self.get_list()
        node = self.node()
        at_outlet = node.kind == InstitutionKind.OUTLET
        rows = funnel_rows(lst, under=node, by="assignee" if at_outlet else "child")
        total = funnel_total(rows)
        if at_outlet:
            people = {s.pk: s for s in Staff.objects.filter(pk__in=[r["assignee_id"] for r in rows if r["assignee_id"]])}
            for r in rows:
                person = people.get(r["assignee_id"])
                r["label"] = f"{person.name}（{person.employee_no}）" if person else "未分配"
                r["link"] = None
        else:
            nodes = {i.path: i for i in Institution.objects.filter(path__in=[r["key"] for r in rows]).select_related("parent")}
            for r in rows:
                inst = nodes.get(r["key"])
                r["label"] = institution_label(inst) if inst else r["key"]
                r["link"] = f"?inst={inst.code}" if inst and inst.pk != node.pk else None
        for r in rows:
            r["contact_rate"] = _rate(r["contacted"], r["customers"])
            r["conversion"] = _rate(r["applied"], r["customers"])
        columns = [Column("label", "人员" if at_outlet else "机构", link=lambda r: r["link"])]
        columns += [Column(s, STAGE_LABELS[s], kind="int", unit="户") for s in STAGES]
        columns += [Column("amount", "放款金额", kind="wan"), Column("contact_rate", "联系率", kind="pct"), Column("conversion", "进件转化率", kind="pct")]
        ctx.update(
            lst=lst, node=node, at_outlet=at_outlet, total=total, errors=errors or [], posted=posted or {},
            chart=funnel_chart(title=f"{lst.name} · {node.name}", stages=[(STAGE_LABELS[s], total[s]) for s in STAGES], unit="户"),
            table=Table(self.request, "funnel", title="转化漏斗", rows=rows, columns=columns, default_sort="label", empty="该范围内没有名单客户"),
            can_edit=is_head_office(self.request.user) and lst.closed_at is None,
            can_split=at_outlet and lst.closed_at is None,
            split_rows=self.split_rows(node, rows, posted) if at_outlet else [],
        )
        return ctx

    @staticmethod
    def split_rows(node, rows, posted) -> list[dict]:
        """The outlet's staff for the split form: customers held now, ticked, the typed count."""
        held = {r["assignee_id"]: r["customers"] for r in rows}
        ticked = set(posted.getlist("staff")) if posted else None
        return [
            {"staff": s, "held": held.get(s.pk, 0), "checked": ticked is None or str(s.pk) in ticked, "count": posted.get(f"count_{s.pk}", "") if posted else ""}
            for s in Staff.objects.filter(institution=node).active_on(clock.today()).order_by("employee_no")
        ]

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        lst, node, p = self.get_list(), self.node(), request.POST
        try:
            if p.get("action") == "edit":
                customer_list_update(by=request.user, customer_list=lst, name=p.get("name", ""),
                                     start_date=_date(p.get("start_date"), _("开始日期")), end_date=_date(p.get("end_date"), _("结束日期")))
                messages.success(request, _("已保存名单的名称和期间"))
            else:
                chosen = [object_for(Staff.objects.filter(institution=node), "员工", pk=_int(v, _("员工"))) for v in p.getlist("staff")]
                counts = None
                if p.get("mode") == "manual":
                    counts = {s.pk: _int(p.get(f"count_{s.pk}") or "0", _("%(name)s的户数") % {"name": s.name}) for s in chosen}
                held = list_split(by=request.user, customer_list=lst, outlet=node, staff=chosen, counts=counts)
                messages.success(request, _("已分配：%(parts)s") % {"parts": "，".join(_("%(name)s %(n)s 户") % {"name": s.name, "n": held.get(s.pk, 0)} for s in chosen)})
        except NotInScope:
            raise
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise NotInScope() from exc
            return self.render_to_response(self.get_context_data(errors=[m for msgs in (exc.fields or {}).values() for m in msgs] or [exc.message], posted=p), status=400)
        return HttpResponseRedirect(request.get_full_path())


def _date(raw, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(ascii_digits(raw or "").strip())
    except ValueError:
        raise ApplicationError(_("%(label)s应为 YYYY-MM-DD 格式的日期") % {"label": label}) from None


def _int(raw, label: str) -> int:
    text = ascii_digits(str(raw or "")).strip()
    if not text.isdigit() or len(text) > 9:
        raise ApplicationError(_("%(label)s应为不小于 0 的整数") % {"label": label})
    return int(text)


class MyListView(ScopedPageMixin, TemplateView):
    """A member of staff's customers on open lists: call (tel:), then record the outcome."""

    template_name = "referrals/lists/mine.html"

    def get_context_data(self, errors=None, posted=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        staff = user_staff(self.request.user)
        if staff is None:
            raise NotInScope()
        outcomes = dict(ContactOutcome.choices)

        def call(c):
            return format_html('<a class="button small" href="tel:{}">拨打 {}</a>', c.mobile, pii.mask_mobile(c.mobile))

        ctx["table"] = Table(
            self.request, "mine", title="我的名单客户", rows=my_customers(staff=staff), default_sort="next_contact_on",
            columns=[
                Column("name", "客户", search="name", link=lambda c: f"?customer={c.pk}#contact"),
                Column("customer_list.name", "名单", sort="customer_list__name"),
                Column("mobile", "电话", sort=None, html=call),
                Column("last_outcome", "最近结果", choices=outcomes),
                Column("last_at", "最近联系", kind="datetime"),
                Column("next_contact_on", "下次联系", kind="date"),
                Column("contacts_count", "联系次数", kind="int", unit="次"),
            ],
            empty="您目前没有待联系的名单客户",
        )
        chosen = self.request.GET.get("customer") or (posted or {}).get("customer")
        customer = None
        if chosen:
            customer = object_for(my_customers(staff=staff), "客户", pk=_int(chosen, _("客户")))
        ctx.update(customer=customer, outcomes=ContactOutcome.choices, errors=errors or [], posted=posted or {},
                   history=customer.contacts.order_by("-at")[:10] if customer else [], today=clock.today())
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        p = request.POST
        staff = user_staff(request.user)
        try:
            customer = object_for(my_customers(staff=staff) if staff else ListedCustomer.objects.none(), "客户", pk=_int(p.get("customer"), _("客户")))
            next_on = _date(p["next_contact_on"], _("下次联系日期")) if p.get("next_contact_on") else None
            list_contact_record(by=request.user, customer=customer, outcome=p.get("outcome", ""), note=p.get("note", ""), next_contact_on=next_on)
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise NotInScope() from exc
            return self.render_to_response(self.get_context_data(errors=[m for msgs in (exc.fields or {}).values() for m in msgs] or [exc.message], posted=p), status=400)
        messages.success(request, _("已记录对 %(name)s 的联系：%(outcome)s") % {"name": pii.mask_name(customer.name), "outcome": ContactOutcome(p["outcome"]).label})
        return HttpResponseRedirect(reverse("referrals:my-list"))


