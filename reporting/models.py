"""Circulars (通报): one stored workbook per (kind, period, scope, rule versions)."""

from __future__ import annotations

from django.db import models

from org.models import Institution


class CircularKind(models.TextChoices):
    WEEKLY = "weekly", "周通报"
    MONTHLY = "monthly", "月通报"
    QUARTERLY = "quarterly", "季度通报"


# Period.kind → circular kind.
KIND_OF_PERIOD = {"week": CircularKind.WEEKLY, "month": CircularKind.MONTHLY, "quarter": CircularKind.QUARTERLY}


class Circular(models.Model):
    """A built circular edition. The unique constraint is the guarantee of SPEC §8: two beats or two
    workers building the same edition leave one row (the loser of the insert returns the winner's).
    A change of any rule version makes a new circular, a change of the figures a corrected edition;
    what was published stays as it was."""

    kind = models.CharField("类型", max_length=16, choices=CircularKind.choices)
    period = models.CharField("期间", max_length=16)
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    scope = models.ForeignKey(Institution, verbose_name="机构", on_delete=models.PROTECT, related_name="+")
    rule_versions = models.CharField("规则版本", max_length=500)
    # 1 is what was sent; a later build that finds the figures changed stores 2, 3 … beside it.
    edition = models.PositiveSmallIntegerField("版次", default=1)
    figures_sha256 = models.CharField("数字指纹", max_length=64, blank=True)
    changed_rows = models.PositiveIntegerField("更正行数", default=0)
    changes = models.JSONField("更正内容", default=list, blank=True)
    file = models.FileField(upload_to="circulars/", max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField("生成时间")

    scope_path_field = "scope__path"
    scope_staff_field = None

    class Meta:
        verbose_name = verbose_name_plural = "通报"
        ordering = ["-period_start", "scope__path"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period", "scope", "rule_versions", "edition"], name="reporting_circular_edition_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope.name} {self.period} {self.get_kind_display()}{self.edition_label}"

    @property
    def edition_label(self) -> str:
        return f" 第{self.edition}版（更正）" if self.edition > 1 else ""

    @property
    def download_name(self) -> str:
        suffix = f"第{self.edition}版" if self.edition > 1 else ""
        return f"{self.scope.name}{self.period}{self.get_kind_display()}{suffix}.xlsx"
