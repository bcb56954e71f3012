"""Referral programme (全员转介, SPEC §3): codes, scans, leads, applications, campaigns, earnings.

Personal information follows SPEC §8: ID numbers only as keyed hash + masked form; names and
mobiles are kept for the responsible employee and shown masked to everyone else.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from org.models import Institution, Staff, User


class ReferralRule(models.Model):
    """Programme-wide rules, versioned and effective-dated (a computation names the version)."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效日期")
    attribution_window_days = models.PositiveIntegerField("首触归属窗口(天)", default=30)
    clawback_days = models.PositiveIntegerField("追回窗口(天)", default=90)
    burst_limit = models.PositiveIntegerField("同一推荐码单位时间进件上限", default=10)
    burst_window_minutes = models.PositiveIntegerField("进件频率统计窗口(分钟)", default=60)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "转介规则版本"
        ordering = ["-effective_from", "-version"]

    def __str__(self) -> str:
        return f"转介规则 v{self.version}（{self.effective_from:%Y-%m-%d} 起）"


class ReferralProduct(models.Model):
    code = models.CharField("产品代码", max_length=32, unique=True)
    name = models.CharField("产品名称", max_length=50)
    description = models.CharField("产品亮点", max_length=200, blank=True)
    is_active = models.BooleanField("在售", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "转介产品"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    code = models.CharField("活动编号", max_length=32, unique=True)
    name = models.CharField("活动名称", max_length=100)
    tagline = models.CharField("海报标语", max_length=100, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    products = models.ManyToManyField(ReferralProduct, verbose_name="活动产品", related_name="campaigns")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "转介活动"
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return self.name


class IncentiveRule(models.Model):
    """A campaign's incentive, versioned: rate of the disbursed amount capped per loan, plus an
    optional flat bonus per approved application. Earnings record the version they used."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="incentive_rules")
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateField("生效日期")
    rate = models.DecimalField("放款金额比例", max_digits=7, decimal_places=5, default=Decimal("0.003"))
    cap_per_loan = models.DecimalField("单笔上限(元)", max_digits=12, decimal_places=2, default=Decimal("300"))
    flat_bonus_per_approved = models.DecimalField("审批通过奖励(元/笔)", max_digits=12, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "激励规则版本"
        ordering = ["campaign_id", "-effective_from", "-version"]
        constraints = [models.UniqueConstraint(fields=["campaign", "version"], name="ref_incentive_unique_version")]

    def __str__(self) -> str:
        return f"{self.campaign.code} 激励 v{self.version}"


class ResponsiblePerson(models.Model):
    """包保责任人 of an institution for a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responsible_people")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")

    scope_path_field = "institution__path"
    scope_staff_field = "staff"

    class Meta:
        verbose_name = verbose_name_plural = "包保责任人"
        constraints = [models.UniqueConstraint(fields=["campaign", "institution"], name="ref_responsible_unique")]


class CodeKind(models.TextChoices):
    PERSONAL = "personal", "个人推荐码"
    MGM = "mgm", "二级码(MGM)"


class IntermediaryKind(models.TextChoices):
    ESTATE_AGENCY = "estate_agency", "房产中介"
    MERCHANT = "merchant", "商户"
    PROPERTY_PROJECT = "property_project", "楼盘项目"
    KEY_PERSON = "key_person", "关键人"


class ReferralCode(models.Model):
    """An unguessable token (≥128 bits) whose QR encodes `/r/<token>`. Revoked codes never resolve."""

    token = models.CharField(max_length=64, unique=True)
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="referral_codes")
    kind = models.CharField("类型", max_length=16, choices=CodeKind.choices, default=CodeKind.PERSONAL)
    intermediary_kind = models.CharField("中介类型", max_length=32, choices=IntermediaryKind.choices, blank=True)
    intermediary_name = models.CharField("中介名称", max_length=100, blank=True)
    intermediary_contact = models.CharField("中介联系人", max_length=100, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The scan page shows the referrer as 张* unless the employee agreed to show the full name.
    show_full_name = models.BooleanField("扫码页显示全名（本人同意）", default=False)

    scope_path_field = "staff__institution__path"
    scope_staff_field = "staff"

    class Meta:
        verbose_name = verbose_name_plural = "推荐码"
        constraints = [
            models.UniqueConstraint(
                fields=["staff"], condition=Q(kind="personal", revoked_at__isnull=True), name="ref_one_active_personal_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.staff.employee_no}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ScanEvent(models.Model):
    """One counted scan: a flood from one client within the dedupe window is counted once.
    `client_hash` is a keyed hash of address and user agent, never the raw IP."""

    code = models.ForeignKey(ReferralCode, on_delete=models.CASCADE, related_name="scans")
    # Where the code's holder worked on the day of the scan: a later transfer never moves past scans.
    # Indexed with the time below, not alone: an institution's week (a sub-branch's page) read through
    # the time index once per outlet took 17 ms on the regional bank, through this one 0.5 ms.
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField()
    client_type = models.CharField(max_length=16)
    client_hash = models.CharField(max_length=32)

    class Meta:
        indexes = [
            models.Index(fields=["code", "at"], name="ref_scan_code_at_idx"),
            models.Index(fields=["at"], name="ref_scan_at_idx"),
            models.Index(fields=["institution", "at"], name="ref_scan_inst_at_idx"),
        ]

    scope_path_field = "institution__path"
    scope_staff_field = "code__staff"


class Lead(models.Model):
    """A customer's details left on the scan page, with recorded consent."""

    code = models.ForeignKey(ReferralCode, on_delete=models.PROTECT, related_name="leads")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="referral_leads")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+", db_index=False)  # with the time: Meta
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    product = models.ForeignKey(ReferralProduct, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    mobile = models.CharField("手机号", max_length=20)
    amount = models.DecimalField("意向金额(元)", max_digits=14, decimal_places=2, null=True, blank=True)
    consent_at = models.DateTimeField("同意隐私声明时间")
    consent_version = models.CharField("隐私声明版本", max_length=16)
    created_at = models.DateTimeField(db_index=True)
    client_hash = models.CharField(max_length=32, blank=True)

    scope_path_field = "institution__path"
    scope_staff_field = "staff"

    class Meta:
        verbose_name = verbose_name_plural = "线索"
        indexes = [
            models.Index(fields=["staff", "created_at"], name="ref_lead_staff_at_idx"),
            models.Index(fields=["institution", "created_at"], name="ref_lead_inst_at_idx"),  # as ScanEvent's
        ]


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已进件"
    APPROVED = "approved", "审批通过"
    REJECTED = "rejected", "已拒绝"
    DISBURSED = "disbursed", "已放款"
    WITHDRAWN = "withdrawn", "已撤销"


# Precedence when two events carry the same time: later stages win (order-independence).
STATUS_ORDER = {"submitted": 0, "approved": 1, "rejected": 1, "disbursed": 2, "withdrawn": 3}


class FlagKind(models.TextChoices):
    SELF_REFERRAL = "self_referral", "自我推荐"
    STAFF_MOBILE = "staff_mobile", "员工代客操作"
    BURST = "burst", "推荐码进件异常集中"


class FlagStatus(models.TextChoices):
    NONE = "", "无"
    PENDING = "pending", "待核查"
    CLEARED = "cleared", "已核查放行"
    CONFIRMED = "confirmed", "确认违规"


# "Counts in tables" (SPEC §3): unflagged, or flagged and cleared. One home for every selector,
# service and page: `Application.counts` in Python, `counted_q()` in a query.
COUNTED_FLAG_STATUSES = ("", FlagStatus.CLEARED)


def counted_q(prefix: str = "") -> models.Q:
    return models.Q(**{f"{prefix}flag_status__in": COUNTED_FLAG_STATUSES})


class Application(models.Model):
    """An application (进件) from the loan system, in the state folded from all its events."""

    application_id = models.CharField("进件编号", max_length=64)
    product = models.CharField("产品", max_length=32)
    referral_token = models.CharField("推荐码", max_length=64, blank=True)
    code = models.ForeignKey(ReferralCode, null=True, blank=True, on_delete=models.PROTECT, related_name="applications", db_index=False)
    # Credited employee and institution (at submission time), after first-touch attribution.
    staff = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="referral_applications", db_index=False)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications")
    rule = models.ForeignKey(ReferralRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    attribution_note = models.CharField("归属说明", max_length=200, blank=True)
    first_touch = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A customer managed by another employee: credited to the referrer but shown to both.
    relationship_manager = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when a manager upholds a dispute and re-credits the application: survives every recompute.
    credit_override = models.ForeignKey(
        Staff, verbose_name="申诉改判归属", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    customer_id_hash = models.CharField(max_length=64, blank=True)
    customer_id_masked = models.CharField(max_length=32, blank=True)
    customer_name = models.CharField(max_length=50, blank=True)
    customer_mobile = models.CharField(max_length=20, blank=True)

    status = models.CharField("状态", max_length=16, choices=ApplicationStatus.choices)
    status_at = models.DateTimeField("状态时间")
    submitted_at = models.DateTimeField("进件时间", null=True, blank=True, db_index=True)
    approved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField("拒绝原因", max_length=200, blank=True)
    disbursed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    disbursed_amount = models.DecimalField("放款金额(元)", max_digits=16, decimal_places=2, null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(max_length=200, blank=True)

    flag = models.CharField("风险标记", max_length=16, choices=FlagKind.choices, blank=True)
    flag_status = models.CharField("核查状态", max_length=16, choices=FlagStatus.choices, blank=True, default="")
    flag_reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    flag_reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path_field = "institution__path"
    scope_staff_field = "staff"

    class Meta:
        verbose_name = verbose_name_plural = "进件"
        indexes = [
            models.Index(fields=["staff", "submitted_at"], name="ref_app_staff_sub_idx"),
            models.Index(fields=["institution", "submitted_at"], name="ref_app_inst_sub_idx"),
            models.Index(fields=["code", "submitted_at"], name="ref_app_code_sub_idx"),
            models.Index(fields=["customer_id_hash"], name="ref_app_customer_hash_idx"),
            models.Index(fields=["customer_mobile"], name="ref_app_customer_mobile_idx"),
        ]
        # Every index is written on each of the webhook's inserts and updates, so the table keeps
        # only those a query uses: no single-column twins of the composites above, no LIKE
        # (varchar_pattern_ops) twins of exact-match columns, none on references to rule versions.
        # References to staff, users and applications keep theirs: deleting one of those rows
        # checks every application referring to it.
        constraints = [models.UniqueConstraint(fields=["application_id"], name="ref_app_unique_application_id")]

    @property
    def institution_label(self) -> str:
        from org.selectors import institution_label

        return institution_label(self.institution)

    @property
    def counts(self) -> bool:
        """Flagged applications count in no table, earn nothing and hold no first touch until a
        manager clears them (SPEC §3). The one rule; `counted_q` is its database form."""
        return self.flag_status in COUNTED_FLAG_STATUSES


class ApplicationEvent(models.Model):
    """Every accepted event, unique by the loan system's event id (idempotency), stored without
    the clear ID number. The application's state is a fold over its events sorted by their own
    time and the status order, so the final state never depends on arrival order."""

    event_id = models.CharField(max_length=64)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events", db_index=False)
    status = models.CharField(max_length=16, choices=ApplicationStatus.choices)
    occurred_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    source = models.CharField(max_length=16)  # webhook | file
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["application", "occurred_at"], name="ref_event_app_at_idx")]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="ref_event_unique_event_id")]


class EarningStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    PAID = "paid", "已发放"
    REVERSED = "reversed", "已冲回"
    NONE = "none", "无收益"


class PayoutSheet(models.Model):
    """A branch's monthly payout sheet (.xlsx) for payroll; an uploaded confirmation marks it paid."""

    branch = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    month = models.CharField("月份", max_length=7)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="payouts/", blank=True)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmation_file = models.FileField(upload_to="payouts/confirmations/", blank=True)

    scope_path_field = "branch__path"
    scope_staff_field = None

    class Meta:
        verbose_name = verbose_name_plural = "转介收益发放表"
        constraints = [models.UniqueConstraint(fields=["branch", "month"], name="ref_payout_unique")]


class Earning(models.Model):
    """What one application earns its credited employee, with the incentive version used."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="earning")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="referral_earnings")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    incentive = models.ForeignKey(IncentiveRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("收益(元)", max_digits=12, decimal_places=2, default=Decimal("0"))
    status = models.CharField("状态", max_length=16, choices=EarningStatus.choices)
    explanation = models.CharField("计算说明", max_length=300, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paid_in = models.ForeignKey(PayoutSheet, null=True, blank=True, on_delete=models.SET_NULL, related_name="paid_earnings")
    reversed_at = models.DateTimeField(null=True, blank=True)
    deducted_in = models.ForeignKey(PayoutSheet, null=True, blank=True, on_delete=models.SET_NULL, related_name="deducted_earnings")

    scope_path_field = "institution__path"
    scope_staff_field = "staff"

    class Meta:
        verbose_name = verbose_name_plural = "转介收益"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "待处理"
    UPHELD = "upheld", "申诉成立"
    DISMISSED = "dismissed", "申诉驳回"


class Dispute(models.Model):
    """An employee disputes an attribution; a manager in scope resolves it. Both steps logged."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("申诉理由", max_length=500)
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True)

    scope_path_field = "application__institution__path"
    scope_staff_field = "raised_by"

    class Meta:
        verbose_name = verbose_name_plural = "归属申诉"


# --- Stock-customer lists (存量客户名单, SPEC §10) ------------------------------------------------------


class ListSegment(models.TextChoices):
    MORTGAGE = "mortgage", "按揭客户"
    DEPOSIT_WEALTH = "deposit_wealth", "存款理财客户"
    CREDIT_CARD = "credit_card", "信用卡客户"
    MATURING_LOAN = "maturing_loan", "90天内到期贷款客户"
    SETTLED_LOAN = "settled_loan", "结清优质贷款客户"
    MERCHANT = "merchant", "收单商户"


class CustomerList(models.Model):
    """A list imported for cross-selling (`import_data customer_lists`). Its period bounds the
    conversions it counts; after its end date it is closed: no more contacts, and its figures are
    frozen (`ListResult`) so later data never changes them."""

    code = models.CharField("名单编号", max_length=64, unique=True)
    segment = models.CharField("名单类型", max_length=32, choices=ListSegment.choices)
    name = models.CharField("名称", max_length=100)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    created_at = models.DateTimeField("导入时间")
    closed_at = models.DateTimeField("结束冻结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "存量客户名单"
        ordering = ["-start_date", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ListedCustomer(models.Model):
    """One customer of a list, at an outlet, assigned to one of its staff. The mobile is kept for
    the assignee to call (shown masked to everyone else); the ID number only as keyed hash + mask."""

    customer_list = models.ForeignKey(CustomerList, on_delete=models.CASCADE, related_name="customers")
    customer_no = models.CharField("客户号", max_length=64)
    name = models.CharField("姓名", max_length=50)
    mobile = models.CharField("手机号", max_length=20)
    id_hash = models.CharField(max_length=64, blank=True)
    id_masked = models.CharField("身份证号", max_length=32, blank=True)
    outlet = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="listed_customers")
    assigned_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "outlet__path"
    scope_staff_field = "assignee"

    class Meta:
        verbose_name = verbose_name_plural = "名单客户"
        constraints = [models.UniqueConstraint(fields=["customer_list", "customer_no"], name="ref_listed_unique_customer")]
        indexes = [
            models.Index(fields=["id_hash"], name="ref_listed_id_hash_idx"),
            models.Index(fields=["assignee", "customer_list"], name="ref_listed_assignee_idx"),
            models.Index(fields=["outlet", "customer_list"], name="ref_listed_outlet_idx"),
        ]


class ContactOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", "未接通"
    NOT_INTERESTED = "not_interested", "无意向"
    INTERESTED = "interested", "有意向"
    APPLIED = "applied", "已进件"


INTERESTED_OUTCOMES = (ContactOutcome.INTERESTED, ContactOutcome.APPLIED)


class ListContact(models.Model):
    """A contact with a listed customer and its outcome, by the employee who made it."""

    customer = models.ForeignKey(ListedCustomer, on_delete=models.CASCADE, related_name="contacts")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("联系时间")
    outcome = models.CharField("结果", max_length=16, choices=ContactOutcome.choices)
    note = models.CharField("备注", max_length=500, blank=True)
    next_contact_on = models.DateField("下次联系日期", null=True, blank=True)

    scope_path_field = "customer__outlet__path"
    scope_staff_field = "staff"

    class Meta:
        verbose_name = verbose_name_plural = "名单联系记录"
        indexes = [models.Index(fields=["customer", "at"], name="ref_listcontact_cust_idx")]


class ListResult(models.Model):
    """A closed list's frozen funnel, per outlet and assignee (assignee empty: not assigned)."""

    customer_list = models.ForeignKey(CustomerList, on_delete=models.CASCADE, related_name="results")
    outlet = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    customers = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    interested = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    disbursed = models.PositiveIntegerField(default=0)
    disbursed_amount = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))

    scope_path_field = "outlet__path"
    scope_staff_field = "assignee"

    class Meta:
        verbose_name = verbose_name_plural = "名单结果（冻结）"


def _list_period(self):
    from org.periods import Period

    return Period(self.start_date, self.end_date, "range", self.code)


CustomerList.period = property(_list_period)
