"""Institution tree, staff with transfer history, users and their scopes, calendar, audit log."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class InstitutionKind(models.TextChoices):
    HEAD_OFFICE = "head_office", "总行"
    BRANCH = "branch", "分行"
    SUB_BRANCH = "sub_branch", "一级支行"
    OUTLET = "outlet", "二级支行/网点"
    DEPARTMENT = "department", "支行部门"


# Which kinds may sit under which: the tree of SPEC §2.
ALLOWED_PARENT_KINDS = {
    InstitutionKind.HEAD_OFFICE: set(),
    InstitutionKind.BRANCH: {InstitutionKind.HEAD_OFFICE},
    InstitutionKind.SUB_BRANCH: {InstitutionKind.BRANCH},
    InstitutionKind.OUTLET: {InstitutionKind.SUB_BRANCH},
    InstitutionKind.DEPARTMENT: {InstitutionKind.SUB_BRANCH},
}


class Institution(models.Model):
    """A node of the tree. `path` is the materialised path of codes, e.g. `/HO/CC/CC01/CC0101/`,
    so "everything under X" is one indexed prefix query: `path__startswith=x.path`."""

    code = models.CharField("机构号", max_length=32, unique=True)
    name = models.CharField("机构名称", max_length=100)
    kind = models.CharField("机构类型", max_length=16, choices=InstitutionKind.choices)
    parent = models.ForeignKey("self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "机构"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="org_inst_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "path"], name="org_inst_kind_path_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors_paths(self) -> list[str]:
        parts = [p for p in self.path.split("/") if p]
        return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]

    def is_within(self, other: Institution) -> bool:
        return self.path.startswith(other.path)


class Position(models.TextChoices):
    WEALTH_MANAGER = "wealth_manager", "理财经理"
    LOAN_OFFICER = "loan_officer", "客户经理(零售信贷)"
    LOBBY_MANAGER = "lobby_manager", "大堂经理"
    MARKET_MANAGER = "market_manager", "市场经理"
    COMMUNITY_MANAGER = "community_manager", "社区经理"
    TELLER = "teller", "柜员"
    PRODUCT_MANAGER = "product_manager", "产品经理"
    OUTLET_HEAD = "outlet_head", "网点负责人"
    SUB_BRANCH_VP = "sub_branch_vp", "支行主管行长"
    BRANCH_MANAGER = "branch_manager", "分行管理人员"
    HEAD_OFFICE = "head_office", "总行人员"


MANAGER_POSITIONS = {Position.OUTLET_HEAD, Position.SUB_BRANCH_VP, Position.BRANCH_MANAGER, Position.HEAD_OFFICE}


class EmploymentType(models.TextChoices):
    FORMAL = "formal", "正式"
    OUTSOURCED = "outsourced", "外包"


class StaffQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> StaffQuerySet:
        return self.filter(Q(active_from__lte=day), Q(active_to__isnull=True) | Q(active_to__gte=day))

    def with_position(self, position: str) -> StaffQuerySet:
        # positions is a ";"-joined list wrapped in ";" so a LIKE finds exactly one code.
        return self.filter(positions__contains=f";{position};")


class Staff(models.Model):
    employee_no = models.CharField("员工号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    mobile = models.CharField("手机号", max_length=20, blank=True, db_index=True)
    institution = models.ForeignKey(Institution, verbose_name="当前机构", on_delete=models.PROTECT, related_name="staff")
    positions = models.CharField("岗位", max_length=255, default=";", help_text="以分号包围的岗位代码，如 ;wealth_manager;")
    employment_type = models.CharField("用工类型", max_length=16, choices=EmploymentType.choices, default=EmploymentType.FORMAL)
    active_from = models.DateField("入职/生效日期")
    active_to = models.DateField("离职日期", null=True, blank=True)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField("身份证号(脱敏)", max_length=32, blank=True, editable=False)
    tier = models.PositiveSmallIntegerField("梯队", null=True, blank=True)
    user = models.OneToOneField("org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff")

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "员工"
        ordering = ["employee_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    @property
    def position_list(self) -> list[str]:
        return [p for p in self.positions.split(";") if p]

    @property
    def position_labels_text(self) -> str:
        """Positions by their Chinese names ("理财经理、大堂经理")."""
        labels = dict(Position.choices)
        return "、".join(str(labels.get(code, code)) for code in self.position_list) or "—"

    @property
    def institution_label(self) -> str:
        from .selectors import institution_label

        return institution_label(self.institution)

    def set_positions(self, codes) -> None:
        self.positions = join_positions(codes)

    def has_position(self, code: str) -> bool:
        return f";{code};" in self.positions

    def is_active_on(self, day: dt.date) -> bool:
        return self.active_from <= day and (self.active_to is None or self.active_to >= day)


def join_positions(codes) -> str:
    unique = sorted({c.strip() for c in codes if c and c.strip()})
    return ";" + ";".join(unique) + (";" if unique else "")


class StaffAssignment(models.Model):
    """Where a person belonged from `valid_from` until `valid_to` (inclusive, null = still).
    A transfer closes the current row and opens a new one; rows are never rewritten."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="assignments")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="assignments")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "任职记录"
        ordering = ["staff_id", "valid_from"]
        indexes = [models.Index(fields=["staff", "valid_from"], name="org_assign_staff_from_idx")]
        constraints = [models.UniqueConstraint(fields=["staff", "valid_from"], name="org_assign_unique_start")]


class User(AbstractUser):
    """A sign-in. Staff sign in with their employee number as username.

    `scope_institution` is the subtree a manager may see; a user without one sees only their own
    records, a superuser sees everything (see `org.scoping`)."""

    scope_institution = models.ForeignKey(
        Institution, verbose_name="管理范围", null=True, blank=True, on_delete=models.PROTECT, related_name="scoped_users"
    )

    class Meta:
        verbose_name = verbose_name_plural = "用户"


class CalendarDay(models.Model):
    """Exceptions to the Monday–Friday working week: public holidays and make-up days (调休)."""

    date = models.DateField("日期", primary_key=True)
    is_working = models.BooleanField("工作日")
    note = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工作日历"
        ordering = ["date"]


class ApiToken(models.Model):
    """An API credential of one signed-in device (the mini-program), see `org.tokens`.

    Only a hash of the token is kept, so a copy of the database signs nobody in. A token lives at
    most API_TOKEN_MAX_AGE_DAYS after it was issued and API_TOKEN_IDLE_DAYS after its last use, is
    refused once its employee has left, and is deleted when the staff import records the departure."""

    key_hash = models.CharField("令牌摘要", max_length=64, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField("签发时间")
    last_used_at = models.DateTimeField("最近使用")

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"


class WeChatBinding(models.Model):
    staff = models.OneToOneField(Staff, on_delete=models.CASCADE, related_name="wechat_binding")
    openid = models.CharField(max_length=64, unique=True)
    bound_at = models.DateTimeField()


class WeChatBindCode(models.Model):
    """A one-time code a manager issues so an employee can bind their WeChat once."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="wechat_bind_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class AuditLog(models.Model):
    """Who viewed or exported personal information, and other sensitive acts (SPEC §8)."""

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at"]


class Customer(models.Model):
    """A bank customer from the CRM. `manager` empty: in the potential-customer pool."""

    customer_no = models.CharField("客户号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    mobile = models.CharField("手机号", max_length=20, blank=True, db_index=True)
    # Keyed hash of the mobile (org.pii.keyed_hash): a call from the telephony platform finds its
    # customer by the number's hash, as every other number is matched (SPEC §8).
    mobile_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False, db_default="")
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField("身份证号(脱敏)", max_length=32, blank=True, editable=False)
    manager = models.ForeignKey(
        Staff, verbose_name="管户员工", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_customers"
    )
    deposit_balance = models.DecimalField("存款余额", max_digits=16, decimal_places=2, null=True, blank=True)
    balance_date = models.DateField("余额日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户"
        ordering = ["customer_no"]

    def save(self, *args, **kwargs):
        from .pii import keyed_hash

        self.mobile_hash = keyed_hash(self.mobile) if self.mobile else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "mobile" in update_fields:
            kwargs["update_fields"] = {*update_fields, "mobile_hash"}
        super().save(*args, **kwargs)


class CustomerCard(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cards")
    card_hash = models.CharField(max_length=64, unique=True)
    card_masked = models.CharField(max_length=32)
