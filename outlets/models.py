"""Outlet marketing (SPEC §11): the product points table, sales, the marketing rule (pay bands,
rankings, rewards, elite club) as versioned effective-dated data, and what a quarter decided.

Every figure names the version it used: a sale keeps the points-table rate in force on its sale
date (`Sale.rate`, re-resolved when a version is published), and every quarter's figures name the
`MarketingRule` version in force on the quarter's last day."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class PointsBasis(models.TextChoices):
    UNIT = "unit", "每件/每户"
    WAN = "wan", "每万元"


class PointsTable(models.Model):
    """One version of the product points table (产品计分表), in force from `effective_from` until the
    next version's start. A published version is never edited: a change is a new version."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效日期", unique=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("发布时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "产品计分表版本"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"产品计分表 v{self.version}（{self.effective_from:%Y-%m-%d} 起）"


class PointsRate(models.Model):
    table = models.ForeignKey(PointsTable, on_delete=models.CASCADE, related_name="rates")
    product = models.CharField("产品代码", max_length=32)
    name = models.CharField("产品名称", max_length=50)
    basis = models.CharField("计分方式", max_length=8, choices=PointsBasis.choices)
    points = models.DecimalField("积分", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "产品积分"
        ordering = ["table", "product"]
        constraints = [models.UniqueConstraint(fields=["table", "product"], name="outlets_rate_unique_product")]

    def points_for(self, *, quantity: Decimal, amount: Decimal | None) -> Decimal:
        base = (amount or Decimal(0)) / Decimal(10000) if self.basis == PointsBasis.WAN else quantity
        return (self.points * base).quantize(Decimal("0.01"))


class Sale(models.Model):
    """One sale from `import_data sales`, credited to the seller's institution on the sale date.
    `rate` is the points-table rate in force on `sold_on` (null: the product is not in that version,
    the sale counts no points) and `points` what it earned, both set again when a version is published."""

    sale_id = models.CharField("销售编号", max_length=64, unique=True)
    staff = models.ForeignKey("org.Staff", on_delete=models.PROTECT, related_name="sales")
    institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="sales")
    product = models.CharField("产品", max_length=32)
    quantity = models.DecimalField("数量", max_digits=12, decimal_places=2)
    amount = models.DecimalField("金额", max_digits=16, decimal_places=2, null=True, blank=True)
    sold_on = models.DateField("销售日期")
    rate = models.ForeignKey(PointsRate, null=True, blank=True, on_delete=models.PROTECT, related_name="sales")
    points = models.DecimalField("积分", max_digits=14, decimal_places=2, default=0)
    imported_at = models.DateTimeField()

    scope_path_field = "institution__path"

    class Meta:
        verbose_name = verbose_name_plural = "产品销售"
        indexes = [
            models.Index(fields=["sold_on", "staff"], name="outlets_sale_day_staff_idx"),
            models.Index(fields=["staff", "sold_on"], name="outlets_sale_staff_day_idx"),
        ]


def default_bands() -> list:
    return [[0, "计件", 0], [4000, "计件+绩效60%", 0.6], [8000, "计件+绩效100%", 1.0]]


def default_rewards() -> list:
    return [3000, 2000, 1000]


def default_positions() -> list:
    return ["wealth_manager", "loan_officer"]


class MarketingRule(models.Model):
    """The rule of pay bands, rankings, exits, rewards and the elite club, versioned by effective date.

    `bands`: [[lower points, label, performance-pay ratio], …] ascending; a person is in the highest
    band whose lower edge they reached (defaults: < 4,000 piece-rate only; 4,000–8,000 60 %; ≥ 8,000 100 %).
    `rewards`: amounts in 元 by rank position 1, 2, 3 (ties: everyone sharing a rank gets that
    position's amount). `positions`: who is ranked as a customer manager."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效日期", unique=True)
    bands = models.JSONField("档位", default=default_bands)
    rewards = models.JSONField("前三名奖励(元)", default=default_rewards)
    positions = models.JSONField("参加排名的岗位", default=default_positions)
    exit_bottom = models.PositiveSmallIntegerField("末位人数", default=5)
    exit_quarters = models.PositiveSmallIntegerField("连续季度数", default=2)
    elite_share = models.DecimalField("精英俱乐部比例", max_digits=4, decimal_places=3, default=Decimal("0.100"))
    elite_cap = models.PositiveIntegerField("精英俱乐部人数上限", default=50)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = verbose_name_plural = "网点营销规则"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"营销规则 v{self.version}（{self.effective_from:%Y-%m-%d} 起）"


class EliteMember(models.Model):
    """Membership of the elite club (营销精英俱乐部) for one quarter: re-chosen each quarter, history kept."""

    quarter = models.CharField("季度", max_length=8)
    staff = models.ForeignKey("org.Staff", on_delete=models.CASCADE, related_name="elite_memberships")
    institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("积分", max_digits=14, decimal_places=2)
    rank = models.PositiveIntegerField("全行排名")
    rule = models.ForeignKey(MarketingRule, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField()

    scope_path_field = "institution__path"

    class Meta:
        verbose_name = verbose_name_plural = "营销精英俱乐部成员"
        ordering = ["-quarter", "rank"]
        constraints = [models.UniqueConstraint(fields=["quarter", "staff"], name="outlets_elite_unique")]


# --- outlet grades --------------------------------------------------------------------------------


class Grade(models.TextChoices):
    LEADING = "leading", "龙头"
    BACKBONE = "backbone", "骨干"
    ADVANCING = "advancing", "进位"
    POTENTIAL = "potential", "潜力"


GRADE_ORDER = [Grade.LEADING, Grade.BACKBONE, Grade.ADVANCING, Grade.POTENTIAL]


class GradeRule(models.Model):
    """How outlets are graded each quarter (SPEC §11), versioned by effective date. Default: by
    quartile of the outlet's weighted target attainment within its branch. `weights`: {metric code:
    weight}; empty = every metric with a target for the outlet, weighted equally. Each metric's
    attainment counts at most `cap` (default 150 %)."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效日期", unique=True)
    weights = models.JSONField("指标权重", default=dict, blank=True)
    cap = models.DecimalField("单项达成率上限", max_digits=5, decimal_places=2, default=Decimal("1.50"))
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = verbose_name_plural = "网点评级规则"
        ordering = ["-effective_from"]

    @property
    def label(self) -> str:
        return f"网点评级规则 v{self.version}（{self.effective_from:%Y-%m-%d} 起，分行内按加权达成率四分位）"


class OutletGrade(models.Model):
    """An outlet's grade of one quarter: the computed one (with the attainment behind it and the
    rule version) and, when a manager overrides it, the override with the reason."""

    quarter = models.CharField("季度", max_length=8)
    institution = models.ForeignKey("org.Institution", on_delete=models.CASCADE, related_name="outlet_grades")
    computed = models.CharField("计算评级", max_length=16, choices=Grade.choices, blank=True)
    attainment = models.DecimalField("加权达成率", max_digits=8, decimal_places=4, null=True, blank=True)
    position = models.PositiveIntegerField("分行内名次", null=True, blank=True)
    of = models.PositiveIntegerField("分行内参评网点数", default=0)
    rule = models.ForeignKey(GradeRule, on_delete=models.PROTECT, related_name="+")
    override = models.CharField("调整评级", max_length=16, choices=Grade.choices, blank=True)
    override_reason = models.CharField("调整原因", max_length=300, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    scope_path_field = "institution__path"

    class Meta:
        verbose_name = verbose_name_plural = "网点评级"
        ordering = ["-quarter", "institution__path"]
        constraints = [models.UniqueConstraint(fields=["quarter", "institution"], name="outlets_grade_unique")]

    @property
    def grade(self) -> str:
        return self.override or self.computed

    @property
    def grade_label(self) -> str:
        return Grade(self.grade).label if self.grade else "未评级"


# --- VIP customers and service inspections --------------------------------------------------------


class ServiceRule(models.Model):
    """VIP threshold and contact interval, inspection quota and the quarter's red flags and
    penalties, versioned by effective date (SPEC §11 defaults)."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效日期", unique=True)
    vip_threshold = models.DecimalField("贵宾客户存款门槛(元)", max_digits=16, decimal_places=2, default=Decimal("100000"))
    no_contact_days = models.PositiveSmallIntegerField("未联系预警天数", default=90)
    inspection_quota = models.PositiveSmallIntegerField("每半月检查网点数", default=12)
    flag_top = models.PositiveSmallIntegerField("流动红旗网点数(每分行)", default=3)
    penalty_bottom = models.PositiveSmallIntegerField("扣分网点数(每分行)", default=3)
    penalty_points = models.DecimalField("处罚积分", max_digits=6, decimal_places=2, default=Decimal("5"))
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = verbose_name_plural = "贵宾客户与服务检查规则"
        ordering = ["-effective_from"]

    @property
    def label(self) -> str:
        return f"服务规则 v{self.version}（{self.effective_from:%Y-%m-%d} 起）"


class VipSource(models.TextChoices):
    BALANCE = "balance", "存款达标"
    MANUAL = "manual", "人工认定"


class VipCustomer(models.Model):
    """A VIP (贵宾客户): from the deposit balance (threshold of the ServiceRule) or marked by hand;
    the maintaining manager and the responsible outlet (its head is the responsible person)."""

    customer = models.OneToOneField("org.Customer", on_delete=models.CASCADE, related_name="vip")
    source = models.CharField("认定方式", max_length=16, choices=VipSource.choices)
    manager = models.ForeignKey("org.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="vip_customers")
    outlet = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="vip_customers")
    since = models.DateField("认定日期")
    reason = models.CharField("认定原因", max_length=200, blank=True)
    active = models.BooleanField("有效", default=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_path_field = "outlet__path"

    class Meta:
        verbose_name = verbose_name_plural = "贵宾客户"
        indexes = [models.Index(fields=["manager", "active"], name="outlets_vip_manager_idx")]


class ContactKind(models.TextChoices):
    CALL = "call", "电话"
    VISIT = "visit", "拜访"
    SMS = "sms", "短信"
    GREETING = "greeting", "生日/节日祝福"
    WEALTH_REVIEW = "wealth_review", "财富诊断"
    EVENT = "event", "客户活动"


class VipContact(models.Model):
    vip = models.ForeignKey(VipCustomer, on_delete=models.CASCADE, related_name="contacts")
    staff = models.ForeignKey("org.Staff", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("方式", max_length=16, choices=ContactKind.choices)
    contacted_on = models.DateField("联系日期")
    note = models.CharField("备注", max_length=300, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "贵宾客户联系记录"
        indexes = [models.Index(fields=["vip", "contacted_on"], name="outlets_vipcontact_idx")]


class InspectionSheet(models.Model):
    """A version of the service inspection score sheet (窗口服务检查计分表)."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效日期", unique=True)
    name = models.CharField("名称", max_length=100, default="窗口服务检查计分表")
    created_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = verbose_name_plural = "服务检查计分表"
        ordering = ["-effective_from"]

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}（{self.effective_from:%Y-%m-%d} 起）"


class InspectionItem(models.Model):
    sheet = models.ForeignKey(InspectionSheet, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField("序号")
    text = models.CharField("检查项目", max_length=200)
    max_points = models.DecimalField("满分", max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["sheet", "order"]
        constraints = [models.UniqueConstraint(fields=["sheet", "order"], name="outlets_item_unique_order")]


class Inspection(models.Model):
    sheet = models.ForeignKey(InspectionSheet, on_delete=models.PROTECT, related_name="inspections")
    outlet = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey("org.Staff", on_delete=models.PROTECT, related_name="inspections_done")
    inspected_on = models.DateField("检查日期")
    total = models.DecimalField("得分", max_digits=8, decimal_places=2)
    max_total = models.DecimalField("满分", max_digits=8, decimal_places=2)
    note = models.CharField("备注", max_length=500, blank=True)
    recorded_at = models.DateTimeField()

    scope_path_field = "outlet__path"

    class Meta:
        verbose_name = verbose_name_plural = "服务检查"
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["inspected_on", "outlet"], name="outlets_insp_day_idx")]


class InspectionScore(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(InspectionItem, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("得分", max_digits=6, decimal_places=2)
    note = models.CharField("扣分说明", max_length=200, blank=True)


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="outlets/inspections/", max_length=200)
    name = models.CharField(max_length=200)
