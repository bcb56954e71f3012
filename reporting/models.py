"""Circulars (通报): one stored workbook per (kind, period, scope, rule versions)."""

from __future__ import annotations

from django.db import models

from org.models import Institution


class CircularKind(models.TextChoices):
    WEEKLY = "weekly", "周通报"
    MONTHLY = "monthly", "月通报"
    QUARTERLY = "quarterly", "季度通报"
    YEARLY = "yearly", "年度通报"


# Period.kind → circular kind.
KIND_OF_PERIOD = {"week": CircularKind.WEEKLY, "month": CircularKind.MONTHLY, "quarter": CircularKind.QUARTERLY, "year": CircularKind.YEARLY}


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


# --- Delivery (SPEC §6: circulars and daily reports go to the people responsible) ------------------


class DeliveryKind(models.TextChoices):
    CIRCULAR = "circular", "通报"
    DAILY = "daily", "日报"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "邮件"
    WECOM = "wecom", "企业微信群机器人"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    CANCELLED = "cancelled", "已取消"


class DeliveryRecipient(models.Model):
    """An extra recipient of an institution's circulars and reports, beside the managers scoped to
    it: a mailbox (a team address) and/or a WeCom group robot. Kept by the system administrators."""

    institution = models.ForeignKey(Institution, verbose_name="机构", on_delete=models.CASCADE, related_name="delivery_recipients")
    email = models.EmailField("邮箱", blank=True)
    # The robot's key is in the URL: whoever has it can post to the group. Shown only in the admin.
    wecom_webhook_url = models.URLField("企业微信群机器人地址", max_length=500, blank=True)
    note = models.CharField("说明", max_length=100, blank=True)
    active = models.BooleanField("启用", default=True)

    scope_path_field = "institution__path"
    scope_staff_field = None

    class Meta:
        verbose_name = verbose_name_plural = "通报接收人"
        ordering = ["institution__path", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", wecom_webhook_url=""), name="reporting_delivery_recipient_has_address",
                violation_error_message="请填写邮箱或企业微信群机器人地址（至少一项）",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution.name} {self.email or '企业微信群'}"


class Delivery(models.Model):
    """One recipient's copy of one circular or report, and how its sending went.

    The unique constraint makes delivery idempotent: the same circular to the same recipient is one
    row, and a row already `sent` is never sent again, however often delivery is asked for (two
    beats, a retried task, the 重新发送 button)."""

    kind = models.CharField("类型", max_length=16, choices=DeliveryKind.choices)
    key = models.CharField("对象", max_length=64, help_text="通报：通报编号")
    scope = models.ForeignKey(Institution, verbose_name="机构", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("渠道", max_length=8, choices=DeliveryChannel.choices)
    # An e-mail address, or for WeCom a name of the robot derived from its URL (never the key itself).
    recipient = models.CharField("接收人", max_length=254)
    status = models.CharField("状态", max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间")
    claimed_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    scope_path_field = "scope__path"
    scope_staff_field = None

    class Meta:
        verbose_name = verbose_name_plural = "通报发送记录"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "channel", "recipient"], name="reporting_delivery_once_per_recipient"),
        ]
        indexes = [models.Index(fields=["status", "attempts"], name="reporting_delivery_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} → {self.recipient}（{self.get_status_display()}）"
