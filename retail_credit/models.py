"""Retail-credit capacity (SPEC §5, seed 002): loans from the loan system, the capacity scheme as
versioned effective-dated data, each loan officer's tier per year, recorded leave and role start
(exemptions), exit decisions, pairing, the three daily field visits and the weekly plan.

Every figure names the scheme version it used: a month's points, target and lifeline come from the
scheme in force on the month's first day (a scheme starts on the first day of a month)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class Product(models.TextChoices):
    MORTGAGE = "mortgage", "按揭"
    CONSUMER = "consumer", "消费"
    BUSINESS = "business", "经营"


class Source(models.TextChoices):
    IMPORT = "import", "批量文件"
    WEBHOOK = "webhook", "接口推送"
    DEMO = "demo", "演示数据"


class Loan(models.Model):
    """One disbursed loan, credited to the officer's institution on the disbursement date."""

    loan_id = models.CharField("贷款编号", max_length=64, unique=True)
    staff = models.ForeignKey("org.Staff", verbose_name="客户经理", on_delete=models.PROTECT, related_name="loans")
    institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="loans")
    product = models.CharField("产品", max_length=16, choices=Product.choices)
    amount = models.DecimalField("金额", max_digits=16, decimal_places=2)
    disbursed_on = models.DateField("放款日期")
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.IMPORT)
    received_at = models.DateTimeField("接收时间")

    scope_path_field = "institution__path"
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "贷款"
        indexes = [
            models.Index(fields=["disbursed_on", "staff"], name="rc_loan_day_staff_idx"),
            models.Index(fields=["staff", "disbursed_on"], name="rc_loan_staff_day_idx"),
        ]

    def __str__(self) -> str:
        return self.loan_id


class Scheme(models.Model):
    """One version of the capacity scheme, in force from `effective_from` (a month's first day)
    until the next version's start. A published version is never edited: a change is a new one."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效月份（1 日）", unique=True)
    clamp_low = models.DecimalField("笔均调节下限", max_digits=6, decimal_places=2, default=Decimal("0.5"))
    clamp_high = models.DecimalField("笔均调节上限", max_digits=6, decimal_places=2, default=Decimal("2.0"))
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("发布时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "产能方案版本"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"产能方案 v{self.version}（{self.effective_from:%Y-%m} 起）"


class SchemeProduct(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="products")
    product = models.CharField("产品", max_length=16, choices=Product.choices)
    coefficient = models.DecimalField("产品系数", max_digits=6, decimal_places=2)
    benchmark = models.DecimalField("基准笔均(元)", max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "产品系数与基准笔均"
        ordering = ["scheme", "product"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "product"], name="rc_scheme_product_unique"),
            models.CheckConstraint(condition=models.Q(benchmark__gt=0), name="rc_scheme_benchmark_positive"),
        ]


class SchemeTier(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="tiers")
    tier = models.PositiveSmallIntegerField("梯队")
    target = models.DecimalField("月度提升目标(元)", max_digits=16, decimal_places=2)
    lifeline = models.DecimalField("月度放款生命线(元)", max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "梯队目标与生命线"
        ordering = ["scheme", "tier"]
        constraints = [models.UniqueConstraint(fields=["scheme", "tier"], name="rc_scheme_tier_unique")]


class TierSource(models.TextChoices):
    ROSTER = "roster", "花名册"
    MANAGER = "manager", "管理人员设定"
    GRADING = "grading", "年度定级"


class OfficerTier(models.Model):
    """An officer's tier for a year. Without a row, the roster's current tier (`Staff.tier`) applies."""

    staff = models.ForeignKey("org.Staff", on_delete=models.CASCADE, related_name="capacity_tiers")
    year = models.PositiveSmallIntegerField("年度")
    tier = models.PositiveSmallIntegerField("梯队")
    source = models.CharField("来源", max_length=16, choices=TierSource.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField()

    scope_path_field = "staff__institution__path"
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "年度梯队"
        constraints = [models.UniqueConstraint(fields=["staff", "year"], name="rc_tier_one_per_year")]


class TierChange(models.Model):
    """History of tiers: every setting, with the previous tier (never rewritten)."""

    staff = models.ForeignKey("org.Staff", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    previous = models.PositiveSmallIntegerField("原梯队", null=True, blank=True)
    tier = models.PositiveSmallIntegerField("梯队")
    source = models.CharField("来源", max_length=16, choices=TierSource.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "梯队变更记录"
        ordering = ["-set_at"]


class OfficerRole(models.Model):
    """When a person started as a loan officer (the first 3 months are exempt from warnings).
    Without a row, the date they joined (`Staff.active_from`) applies."""

    staff = models.OneToOneField("org.Staff", on_delete=models.CASCADE, related_name="officer_role")
    since = models.DateField("任客户经理日期")

    class Meta:
        verbose_name = verbose_name_plural = "客户经理任职日期"


class LeaveMonth(models.Model):
    """A month on recorded leave: exempt (neither warns nor breaks a run of months below the lifeline)."""

    staff = models.ForeignKey("org.Staff", on_delete=models.CASCADE, related_name="leave_months")
    month = models.DateField("月份（1 日）")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    scope_path_field = "staff__institution__path"
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "请假月份"
        constraints = [models.UniqueConstraint(fields=["staff", "month"], name="rc_leave_one_per_month")]


class ExitOutcome(models.TextChoices):
    LEFT = "left", "已退出"
    MOVED = "moved", "已调岗"
    KEPT = "kept", "留用并制定计划"


class ExitDecision(models.Model):
    """What happened to an exit candidate (SPEC §5): left, moved to another role, kept with a plan."""

    staff = models.ForeignKey("org.Staff", on_delete=models.PROTECT, related_name="exit_decisions")
    month = models.DateField("退出候选月份（1 日）")
    months = models.CharField("低于生命线的月份", max_length=100)
    outcome = models.CharField("结果", max_length=16, choices=ExitOutcome.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    action = models.ForeignKey("targets.LaggardAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    scope_path_field = "staff__institution__path"
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "退出候选处理结果"
        constraints = [models.UniqueConstraint(fields=["staff", "month"], name="rc_exit_one_per_month")]


class Pairing(models.Model):
    """结对子: a manager paired with an officer from `start` until `end` (inclusive, null = ongoing)."""

    manager = models.ForeignKey("org.Staff", verbose_name="帮扶人", on_delete=models.PROTECT, related_name="pairings_led")
    officer = models.ForeignKey("org.Staff", verbose_name="客户经理", on_delete=models.PROTECT, related_name="pairings")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True)
    goal = models.CharField("帮扶目标", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    scope_path_field = "officer__institution__path"
    scope_staff_field = "officer_id"

    class Meta:
        verbose_name = verbose_name_plural = "结对帮扶"
        ordering = ["-start"]


class VisitKind(models.TextChoices):
    PROPERTY = "property", "走访楼盘"
    AGENCY = "agency", "走访中介"
    MERCHANT = "merchant", "走访商户"


class FieldVisit(models.Model):
    """One of the three daily visits (三走访): a property project (sales status), an estate agency
    (the MGM code promoted) or a merchant (product recommended, MGM code promoted)."""

    staff = models.ForeignKey("org.Staff", on_delete=models.PROTECT, related_name="field_visits")
    institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField("走访日期")
    kind = models.CharField("走访类型", max_length=16, choices=VisitKind.choices)
    place = models.CharField("走访对象", max_length=100)
    sales_status = models.CharField("楼盘销售情况", max_length=300, blank=True)
    product = models.CharField("推荐产品", max_length=50, blank=True)
    mgm_code = models.ForeignKey("referrals.ReferralCode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="推广的二级码")
    note = models.CharField("备注", max_length=300, blank=True)
    created_at = models.DateTimeField()

    scope_path_field = "institution__path"
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "三走访"
        ordering = ["-visited_on", "-created_at"]
        indexes = [models.Index(fields=["visited_on", "staff"], name="rc_visit_day_staff_idx")]


class WeeklyPlan(models.Model):
    """Next week's visit plan (the week starting `week_start`, a Monday) and the problems needing help."""

    staff = models.ForeignKey("org.Staff", on_delete=models.PROTECT, related_name="weekly_plans")
    week_start = models.DateField("周一日期")
    plan = models.TextField("走访计划")
    filed_at = models.DateTimeField()

    scope_path_field = "staff__institution__path"
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "周营销计划"
        constraints = [models.UniqueConstraint(fields=["staff", "week_start"], name="rc_plan_one_per_week")]


class PlanProblem(models.Model):
    plan = models.ForeignKey(WeeklyPlan, on_delete=models.CASCADE, related_name="problems")
    text = models.CharField("需协调解决的问题", max_length=500)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "plan__staff__institution__path"
    scope_staff_field = "plan__staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "计划中的问题"
        ordering = ["plan", "pk"]
