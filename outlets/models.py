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
