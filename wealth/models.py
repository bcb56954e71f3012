"""Wealth team "2053" (SPEC §4): rule versions, product catalogue, calls, visits, follow-ups,
do-not-call marks, pool prospects and recording spot checks.

Customers are `org.models.Customer` (imported by `import_data customers`): a customer without a
manager is in the potential-customer pool (潜力客户外环池). Whether a call is effective is decided in
the database when figures are read (`wealth.selectors.rules`), so a rule version, a calendar edit
or a do-not-call mark made later is honoured by every figure without rewriting calls.
"""

from __future__ import annotations

from django.db import models

from org.models import Customer, Institution, Staff


class Rule(models.Model):
    """One version of the 2053 rule, effective from a day until the next version's start."""

    version = models.PositiveIntegerField("版本", unique=True)
    effective_from = models.DateField("生效日期", unique=True)
    calls_required = models.PositiveSmallIntegerField("每日有效电访", default=20)
    visits_required = models.PositiveSmallIntegerField("每日面访", default=5)
    products_required = models.PositiveSmallIntegerField("每次面访产品数", default=3)
    min_call_seconds = models.PositiveSmallIntegerField("有效电访最短时长(秒)", default=60)
    not_called_days = models.PositiveSmallIntegerField("未电访标签天数", default=30)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "2053规则版本"
        ordering = ["effective_from"]

    def __str__(self) -> str:
        return f"2053规则 v{self.version}（{self.effective_from:%Y-%m-%d} 起）"

    @property
    def label(self) -> str:
        return f"v{self.version}"


class Product(models.Model):
    """A product category that can be pitched on a visit (the catalogue is data)."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50)
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "面访产品"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    LANDLINE = "landline", "座机"
    MOBILE = "mobile", "手机"
    CALLBACK = "callback", "客户回拨"


class Source(models.TextChoices):
    IMPORT = "import", "外呼平台导入"
    APP = "app", "小程序登记"


class DoNotCall(models.Model):
    """拒绝来电: the customer leaves call lists, the not-called tag and the coverage denominator."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="do_not_call")
    recorded_on = models.DateField("登记日期")
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = models.ForeignKey(Staff, verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "拒绝来电"


class PoolProspect(models.Model):
    """Who added a prospect to the pool, and when (the customer itself is an org Customer)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="pool_entry")
    added_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "潜力客户"


class Call(models.Model):
    """A telephone call, imported from the telephony platform or logged in the mini-program.

    `local_date` is the Asia/Shanghai day of `started_at`; `institution` the caller's institution
    on that day. The phone number is kept only as keyed hash + mask."""

    call_id = models.CharField("通话编号", max_length=64, unique=True)
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="wealth_calls")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="wealth_calls")
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_masked = models.CharField("电话(脱敏)", max_length=20, blank=True)
    started_at = models.DateTimeField("开始时间")
    local_date = models.DateField("日期")
    duration_s = models.PositiveIntegerField("通话时长(秒)")
    connected = models.BooleanField("是否接通")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.IMPORT)
    recording = models.FileField("录音", upload_to="wealth/recordings", blank=True)
    recording_url = models.URLField("录音地址", max_length=500, blank=True)

    scope_path_field = "institution__path"  # org.scoping: the outlet of the day
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "电访"
        indexes = [
            models.Index(fields=["local_date", "staff"], name="wealth_call_day_staff"),
            models.Index(fields=["staff", "local_date"], name="wealth_call_staff_day"),
            models.Index(fields=["customer", "local_date"], name="wealth_call_customer_day"),
        ]


class VisitMethod(models.TextChoices):
    CARD = "card", "读卡"
    CUSTOMER_NO = "customer_no", "客户号"


class Visit(models.Model):
    """A face-to-face visit; one per person, customer and day (a second registration adds its
    products to the day's visit)."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="wealth_visits")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="wealth_visits")
    visited_at = models.DateTimeField("面访时间")
    local_date = models.DateField("日期")
    method = models.CharField("登记方式", max_length=16, choices=VisitMethod.choices)
    card_masked = models.CharField("卡号(脱敏)", max_length=32, blank=True)
    pad_used = models.BooleanField("使用营销垫板", default=False)
    products = models.ManyToManyField(Product, through="VisitProduct", related_name="+")

    scope_path_field = "institution__path"
    scope_staff_field = "staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "面访"
        constraints = [models.UniqueConstraint(fields=["staff", "customer", "local_date"], name="wealth_visit_once_a_day")]
        indexes = [models.Index(fields=["local_date", "staff"], name="wealth_visit_day_staff")]


class VisitProduct(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="pitched")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "product"], name="wealth_visit_product_once")]


class Outcome(models.TextChoices):
    NOT_REACHED = "not_reached", "未接通"
    NO_INTEREST = "no_interest", "无意向"
    INTERESTED = "interested", "有意向"
    DEAL = "deal", "已成交"


class FollowUp(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="wealth_follow_ups")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups")
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    next_action = models.CharField("下一步", max_length=200, blank=True)
    next_date = models.DateField("下次跟进日期", null=True, blank=True)
    done = models.BooleanField("已完成", default=False)
    created_at = models.DateTimeField()
    local_date = models.DateField()

    class Meta:
        verbose_name = verbose_name_plural = "跟进"
        indexes = [models.Index(fields=["staff", "next_date"], name="wealth_followup_due")]


class SpotCheck(models.Model):
    """A recorded call drawn for the month's spot check of a branch, and its score."""

    month = models.CharField("月份", max_length=7)
    branch = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="spot_checks")
    score = models.PositiveSmallIntegerField("得分", null=True, blank=True)
    comment = models.CharField("点评", max_length=500, blank=True)
    reviewer = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "call__institution__path"
    scope_staff_field = "call__staff_id"

    class Meta:
        verbose_name = verbose_name_plural = "录音抽查"
        constraints = [models.UniqueConstraint(fields=["month", "call"], name="wealth_spot_check_once")]
