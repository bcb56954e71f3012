"""Targets (SPEC §10): one model for every figure that carries a target, per institution or per
person, per period (year, quarter, month, ISO week), versioned with its history; the monthly
distribution that splits a year into months."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class PeriodKind(models.TextChoices):
    YEAR = "year", "年"
    QUARTER = "quarter", "季度"
    MONTH = "month", "月"
    WEEK = "week", "周"


class Target(models.Model):
    """The target of one metric for one institution (its whole subtree) or one person, for one
    period. `context` tells apart targets of the same metric and period set for a purpose, such as a
    referral campaign's weekly targets ("campaign:CC2024"); empty for the yearly decomposition."""

    metric = models.CharField("指标", max_length=64)
    period_kind = models.CharField("期间类型", max_length=8, choices=PeriodKind.choices)
    period = models.CharField("期间", max_length=10)  # Period.code: 2026, 2026-Q1, 2026-03, 2026-W10
    period_start = models.DateField()
    period_end = models.DateField()
    institution = models.ForeignKey("org.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="targets")
    staff = models.ForeignKey("org.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="targets")
    context = models.CharField("用途", max_length=64, blank=True, default="")
    # A person's target belongs to the institution whose grid it was split in: it stays there when
    # the person transfers, until a manager moves it (targets.services.target_move, recorded).
    home = models.ForeignKey("org.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField("目标值", max_digits=18, decimal_places=2)
    version = models.PositiveIntegerField("版本", default=1)
    previous_value = models.DecimalField("上一版目标值", max_digits=18, decimal_places=2, null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField("设定时间")

    scope_path_field = "institution__path"

    class Meta:
        verbose_name = verbose_name_plural = "目标"
        constraints = [
            models.CheckConstraint(
                condition=(Q(institution__isnull=False, staff__isnull=True) | Q(institution__isnull=True, staff__isnull=False)),
                name="target_institution_xor_staff",
            ),
            models.UniqueConstraint(
                fields=["metric", "period", "context", "institution"], condition=Q(institution__isnull=False), name="target_one_per_institution"
            ),
            models.UniqueConstraint(fields=["metric", "period", "context", "staff"], condition=Q(staff__isnull=False), name="target_one_per_staff"),
        ]
        indexes = [
            models.Index(fields=["metric", "context", "period"], name="target_metric_period_idx"),
            models.Index(fields=["metric", "context", "period_start"], name="target_metric_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period} {self.value}"


class TargetChange(models.Model):
    """Every value a target ever had: who set it, when, from what (the audit of 任务分解)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    value = models.DecimalField(max_digits=18, decimal_places=2)
    previous_value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["target_id", "version"]


def calendar_days_percentages(year: int) -> list[Decimal]:
    """The default monthly distribution: each month's share of the year's calendar days, in percent
    with four decimals, the last month taking the rounding remainder so the twelve add up to 100."""
    import calendar

    days = [calendar.monthrange(year, m)[1] for m in range(1, 13)]
    total = sum(days)
    parts = [(Decimal(d) * 100 / total).quantize(Decimal("0.0001")) for d in days[:-1]]
    return [*parts, Decimal(100) - sum(parts)]


class MonthlyDistribution(models.Model):
    """How a metric's yearly target spreads over the months (percentages adding up to 100); with no
    row, by calendar days."""

    metric = models.CharField("指标", max_length=64)
    year = models.PositiveSmallIntegerField("年度")
    percentages = models.JSONField("各月占比(%)")  # 12 strings, e.g. ["8.4932", …]
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "月度分解比例"
        constraints = [models.UniqueConstraint(fields=["metric", "year"], name="monthly_distribution_one_per_year")]

    def shares(self) -> list[Decimal]:
        return [Decimal(str(p)) for p in self.percentages]


class ActionKind(models.TextChoices):
    TALK = "talk", "约谈"
    PLAN = "plan", "一人一策"
    PAIRING = "pairing", "结对帮扶"
    TRANSFER = "transfer", "调岗"
    EXIT = "exit", "退出"


class LaggardAction(models.Model):
    """What a manager did about a person or institution behind (SPEC §10): a talk (约谈: date,
    attendees, outcome), a one-person plan (一人一策: steps, follow-up date) and the follow-up's
    result. Overdue follow-ups show to every manager above the subject."""

    kind = models.CharField("措施", max_length=16, choices=ActionKind.choices)
    staff = models.ForeignKey("org.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="laggard_actions")
    institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="laggard_actions")  # the subject's, when recorded
    reason = models.CharField("落后情况", max_length=300, blank=True)
    on_date = models.DateField("日期")
    attendees = models.CharField("参加人员", max_length=200, blank=True)
    outcome = models.TextField("结果", blank=True)
    steps = models.TextField("措施步骤", blank=True)
    follow_up_on = models.DateField("跟进日期", null=True, blank=True)
    follow_up_result = models.TextField("跟进结果", blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    scope_path_field = "institution__path"

    class Meta:
        verbose_name = verbose_name_plural = "约谈与帮扶记录"
        indexes = [models.Index(fields=["follow_up_on", "followed_up_at"], name="laggard_follow_up_idx")]

    @property
    def institution_label(self) -> str:
        from org.selectors import institution_label

        return institution_label(self.institution)


class ContestKind(models.TextChoices):
    PERSON = "person", "个人"
    INSTITUTION = "institution", "机构"
    TEAM = "team", "团队"


class ContestScoring(models.TextChoices):
    VALUE = "value", "按数值排名"
    ATTAINMENT = "attainment", "按目标达成率排名"


class Contest(models.Model):
    """A PK contest (SPEC §10): entrants compete on one metric over one period, ranked by value (per
    head if asked) or by attainment of their targets; frozen when the period ends."""

    name = models.CharField("竞赛名称", max_length=100)
    metric = models.CharField("指标", max_length=64)
    period = models.CharField("期间", max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    kind = models.CharField("参赛方", max_length=16, choices=ContestKind.choices)
    scoring = models.CharField("计分方式", max_length=16, choices=ContestScoring.choices, default=ContestScoring.VALUE)
    per_head = models.BooleanField("按人均计", default=False)
    stakes = models.TextField("奖惩", blank=True)
    scope = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")  # the organiser's node
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=list, blank=True)  # the standings as frozen: never recomputed
    rule_version = models.CharField(max_length=200, blank=True)

    scope_path_field = "scope__path"

    class Meta:
        verbose_name = verbose_name_plural = "PK 竞赛"

    def __str__(self) -> str:
        return self.name

    @property
    def status_label(self) -> str:
        from org import clock

        if self.frozen_at:
            return "已结束（结果已冻结）"
        return "已结束（待冻结）" if self.period_end < clock.today() else "进行中"


class ContestEntrant(models.Model):
    """One side of a contest: a person, an institution, or a named team of persons or institutions."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entrants")
    name = models.CharField("名称", max_length=100)
    staff = models.ManyToManyField("org.Staff", blank=True, related_name="+")
    institutions = models.ManyToManyField("org.Institution", blank=True, related_name="+")

    class Meta:
        ordering = ["pk"]


class ItemKind(models.TextChoices):
    METRIC = "metric", "考核指标"
    BONUS = "bonus", "加分项"
    DEDUCTION = "deduction", "扣分项"


class Scorecard(models.Model):
    """An assessment scorecard (考核) of one role, versioned and effective-dated: weighted metrics,
    each scored from its attainment between a floor and a cap, plus bonus and deduction items."""

    role = models.CharField("岗位", max_length=32)  # a Position code
    name = models.CharField("名称", max_length=100)
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateField("生效日期")
    cap_pct = models.DecimalField("封顶(%)", max_digits=6, decimal_places=2, default=Decimal("120"))
    floor_pct = models.DecimalField("保底(%)", max_digits=6, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "考核方案"
        constraints = [models.UniqueConstraint(fields=["role", "version"], name="scorecard_role_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ScorecardItem(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("类型", max_length=16, choices=ItemKind.choices, default=ItemKind.METRIC)
    metric = models.CharField("指标", max_length=64)
    weight = models.DecimalField("权重(分)", max_digits=8, decimal_places=2, default=Decimal("0"))  # metric items
    points_per_unit = models.DecimalField("每单位分值", max_digits=8, decimal_places=2, default=Decimal("0"))  # bonus/deduction
    max_points = models.DecimalField("最多(分)", max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["pk"]


# --- Supervision checklists (督导清单) --------------------------------------------------------------


class EvidenceKind(models.TextChoices):
    TEXT = "text", "文字说明"
    PHOTO = "photo", "照片"
    FILE = "file", "文件"


class ChecklistTask(models.Model):
    """A task issued down the tree (head office, or a branch for its own tree): what, to which
    institutions (one `ChecklistItem` each), by when, and what counts as evidence."""

    title = models.CharField("任务", max_length=200)
    body = models.TextField("要求", blank=True)
    evidence = models.CharField("佐证要求", max_length=8, choices=EvidenceKind.choices, default=EvidenceKind.TEXT)
    due_on = models.DateField("完成期限")
    issuer = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField()
    from_action = models.ForeignKey("targets.LaggardAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_path_field = "issuer__path"
    scope_staff_field = None

    class Meta:
        verbose_name = verbose_name_plural = "督导任务"
        ordering = ["-issued_at"]


class ItemStatus(models.TextChoices):
    OPEN = "open", "待完成"
    DONE = "done", "已完成"
    RETURNED = "returned", "已退回"


class ChecklistItem(models.Model):
    """One recipient institution's part of a task: done with its evidence, or sent back."""

    task = models.ForeignKey(ChecklistTask, on_delete=models.CASCADE, related_name="items")
    institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    evidence_text = models.TextField("说明", blank=True)
    evidence_file = models.FileField(upload_to="checklists/", blank=True, max_length=255)
    evidence_name = models.CharField("文件名", max_length=200, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    return_comment = models.TextField("退回意见", blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "institution__path"
    scope_staff_field = None

    class Meta:
        verbose_name = verbose_name_plural = "督导任务（机构）"
        constraints = [models.UniqueConstraint(fields=["task", "institution"], name="checklist_item_unique")]


# --- Product cards, training materials, exams (营销小卡片、培训、通关测试) ----------------------------


class ProductCard(models.Model):
    """A product card published by head office; a change is a new version of the same code."""

    code = models.CharField("卡片编号", max_length=32)
    version = models.PositiveIntegerField("版本", default=1)
    title = models.CharField("标题", max_length=100)
    product = models.CharField("产品", max_length=100)
    highlights = models.TextField("产品亮点")
    target_customers = models.TextField("目标客户")
    pitch = models.TextField("营销话术")
    objections = models.TextField("异议应答", blank=True)
    positions = models.CharField("适用岗位", max_length=300, blank=True, default="")  # ";a;b;" or "" for everyone
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "营销小卡片"
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="card_code_version")]


class MaterialKind(models.TextChoices):
    VIDEO = "video", "视频"
    PDF = "pdf", "PDF"
    IMAGE = "image", "图片"


class Material(models.Model):
    """A training material (one file), versioned like cards, with its exam and pass mark."""

    code = models.CharField("资料编号", max_length=32)
    version = models.PositiveIntegerField("版本", default=1)
    title = models.CharField("标题", max_length=100)
    kind = models.CharField("类型", max_length=8, choices=MaterialKind.choices)
    file = models.FileField(upload_to="training/", max_length=255)
    file_name = models.CharField(max_length=200)
    positions = models.CharField("适用岗位", max_length=300, blank=True, default="")
    pass_mark = models.PositiveSmallIntegerField("及格分", default=80)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "培训资料"
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="material_code_version")]


class Question(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField("题号")
    text = models.CharField("题目", max_length=500)
    options = models.JSONField("选项")  # ["…", "…"]
    answer = models.JSONField("答案")  # sorted option indexes; more than one: a multiple-choice question

    class Meta:
        ordering = ["material", "number"]

    @property
    def multiple(self) -> bool:
        return len(self.answer) > 1


class MaterialRead(models.Model):
    """A person opened a material to its end (the video ended, the last page was reached)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="reads")
    staff = models.ForeignKey("org.Staff", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["material", "staff"], name="material_read_once")]


class ExamAttempt(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="attempts")
    staff = models.ForeignKey("org.Staff", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    score = models.PositiveSmallIntegerField("得分")
    passed = models.BooleanField("通过")
    answers = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["material", "staff"], name="exam_material_staff_idx")]


class TrainingSession(models.Model):
    """A branch's own training session, with its evidence and attendance list; head office
    spot-checks it and comments."""

    institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("培训主题", max_length=200)
    held_on = models.DateField("培训日期")
    attendees = models.PositiveIntegerField("参训人数")
    evidence = models.FileField("现场照片/视频", upload_to="training/sessions/", max_length=255)
    evidence_name = models.CharField(max_length=200)
    attendance = models.FileField("签到表", upload_to="training/sessions/", max_length=255)
    attendance_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()
    check_ok = models.BooleanField("抽查结论", null=True)
    check_comment = models.TextField("抽查意见", blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "institution__path"
    scope_staff_field = None

    class Meta:
        verbose_name = verbose_name_plural = "分行培训记录"
        ordering = ["-held_on"]
