"""The organisation's import kinds: institutions, staff, customers (INTERFACES.md "Files")."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from .. import pii
from ..errors import ApplicationError
from ..models import (
    ALLOWED_PARENT_KINDS,
    Customer,
    CustomerCard,
    EmploymentType,
    Institution,
    InstitutionKind,
    Position,
    Staff,
    StaffAssignment,
    join_positions,
)
from ..services import validate_institution_parent
from . import registry
from .base import Column, Importer, Outcome, Row, parsers


def _code(text: str) -> str:
    # Codes become segments of the materialised path, so "/" and spaces would corrupt the tree.
    if not re.fullmatch(r"[^/\s]+", text):
        raise ValueError(f"“{text}”无效，机构号不能包含空格或“/”")
    return text


def _card_numbers(text: str) -> dict[str, str]:
    """{keyed hash: masked form}: the clear number goes no further than this parser."""
    cards = [pii.normalise(c) for c in parsers.text_list(text)]
    if any(not re.fullmatch(r"[0-9]{12,19}", c) for c in cards):
        # Never echo a card number: the message ends up in logs and rejects files.
        raise ValueError("卡号无效（应为 12–19 位数字，多个卡号用;分隔）")
    return {pii.keyed_hash(c): pii.mask_card_number(c) for c in cards}


def _ensure_pks(model, objs: list, field_name: str) -> None:
    """Backends that cannot return ids from a bulk insert: read them back by natural key."""
    missing = [o for o in objs if o.pk is None]
    if not missing:
        return
    ids = dict(model.objects.filter(**{f"{field_name}__in": [getattr(o, field_name) for o in missing]}).values_list(field_name, "pk"))
    for obj in missing:
        obj.pk = ids[getattr(obj, field_name)]


# --- institutions --------------------------------------------------------------------------------


class InstitutionImporter(Importer):
    """Parents may come before or after their children in the file. A changed parent moves the
    whole subtree (paths rewritten in one UPDATE per moved institution)."""

    label = "机构"
    natural_key = ("code",)
    recheck = True  # a child whose parent row is rejected must be rejected too
    columns = (
        Column("code", "机构号", required=True, max_length=32, parser=_code),
        Column("name", "机构名称", required=True, max_length=100),
        Column("kind", "机构类型", required=True, parser=parsers.choice(InstitutionKind)),
        Column("parent_code", "上级机构号", max_length=32, parser=_code),
    )

    def check(self, rows: list[Row]) -> None:
        file_rows = {r["code"]: r for r in rows}
        wanted = set(file_rows) | {r["parent_code"] for r in rows if r["parent_code"]}
        db: dict[str, Institution] = self.fetch(Institution.objects.all(), "code", wanted)
        # Ancestors of loaded institutions are known from their paths, without another query.
        db_parent: dict[str, str | None] = {}
        for inst in db.values():
            parts = [p for p in inst.path.split("/") if p]
            for i, code in enumerate(parts):
                db_parent.setdefault(code, parts[i - 1] if i else None)

        def final_parent(code: str) -> str | None:
            if code in file_rows:
                return file_rows[code]["parent_code"] or None
            return db_parent.get(code)

        depth: dict[str, int] = {}
        for row in rows:
            code, parent_code = row["code"], row["parent_code"]
            if parent_code == code:
                row.error("parent_code", "上级机构不能是机构自己")
                continue
            if parent_code and parent_code not in file_rows and parent_code not in db:
                bad = self.bad_by_key.get((parent_code,))
                if bad is not None:
                    row.error("parent_code", f"上级机构 {parent_code} 所在的第 {bad.number} 行有错误，本行无法导入")
                else:
                    row.error("parent_code", f"上级机构 {parent_code} 不存在")
                continue
            parent = None
            if parent_code:
                parent_kind = file_rows[parent_code]["kind"] if parent_code in file_rows else db[parent_code].kind
                parent = Institution(code=parent_code, kind=parent_kind)
            try:
                validate_institution_parent(kind=row["kind"], parent=parent, code=code)
            except ApplicationError as exc:
                row.error("parent_code", exc.message)
                continue
            # Walk up the tree as it will be after the import: a loop means the file is circular.
            chain, cursor = [], code
            while cursor is not None and cursor not in depth:
                if cursor in chain:
                    row.error("parent_code", f"机构 {code} 的上级关系形成循环（{' → '.join([*chain, cursor])}）")
                    break
                chain.append(cursor)
                cursor = final_parent(cursor)
            else:
                base = -1 if cursor is None else depth[cursor]
                for offset, c in enumerate(reversed(chain), start=1):
                    depth[c] = base + offset

        self._check_kind_changes(rows, file_rows, db)
        self._check_single_head_office(rows, db)
        self.db, self.depth = db, depth

    def _check_kind_changes(self, rows, file_rows, db) -> None:
        """An institution that changes kind must still fit the children that stay under it."""
        changed = {r["code"]: r for r in rows if r.ok and r["code"] in db and db[r["code"]].kind != r["kind"]}
        if not changed:
            return
        misfits: dict[str, list[dict]] = {}
        children = [
            child
            for batch in self.batches(sorted(changed))
            for child in Institution.objects.filter(parent__code__in=batch).order_by("code").values("code", "kind", "parent__code")
        ]
        for child in children:
            # Children listed in the file are checked against their own row's parent instead.
            if child["code"] in file_rows:
                continue
            if changed[child["parent__code"]]["kind"] not in ALLOWED_PARENT_KINDS[child["kind"]]:
                misfits.setdefault(child["parent__code"], []).append(child)
        for code, kids in misfits.items():
            row = changed[code]
            listed = "、".join(f"{InstitutionKind(k['kind']).label} {k['code']}" for k in kids[:5])
            more = f" 等 {len(kids)} 个下级机构" if len(kids) > 5 else ""
            row.error("kind", f"机构 {code} 下有{listed}{more}，不能改为{InstitutionKind(row['kind']).label}")

    def _check_single_head_office(self, rows, db) -> None:
        new_heads = [r for r in rows if r.ok and r["kind"] == InstitutionKind.HEAD_OFFICE and r["code"] not in db]
        if not new_heads:
            return
        existing = Institution.objects.filter(kind=InstitutionKind.HEAD_OFFICE).exclude(code__in=[r["code"] for r in new_heads])
        existing_code = existing.values_list("code", flat=True).first()
        for i, row in enumerate(new_heads):
            if existing_code is not None:
                row.error("kind", f"已存在总行 {existing_code}，不能再导入总行 {row['code']}")
            elif i > 0:
                row.error("kind", f"文件中有多个总行（{new_heads[0]['code']} 在第 {new_heads[0].number} 行）")

    def apply(self, rows: list[Row]) -> None:
        db, depth = self.db, self.depth
        paths = {code: inst.path for code, inst in db.items()}
        ids = {code: inst.pk for code, inst in db.items()}
        changed: list[Institution] = []
        for level in sorted({depth[r["code"]] for r in rows}):
            new: list[Institution] = []
            for row in sorted((r for r in rows if depth[r["code"]] == level), key=lambda r: r.number):
                code, parent_code = row["code"], row["parent_code"] or None
                new_path = f"{paths[parent_code] if parent_code else '/'}{code}/"
                inst = db.get(code)
                if inst is None:
                    parent_id = ids[parent_code] if parent_code else None
                    new.append(
                        Institution(
                            code=code, name=row["name"], kind=row["kind"], parent_id=parent_id, path=new_path, depth=new_path.count("/") - 2
                        )
                    )
                    row.outcome = Outcome.CREATED
                    continue
                moved = paths[code] != new_path
                if moved:
                    self._move_subtree(old_path=paths[code], new_path=new_path, paths=paths)
                    inst.parent_id = ids[parent_code] if parent_code else None
                if moved or inst.name != row["name"] or inst.kind != row["kind"]:
                    inst.name, inst.kind = row["name"], row["kind"]
                    changed.append(inst)
                    row.outcome = Outcome.UPDATED
                else:
                    row.outcome = Outcome.UNCHANGED
            self.bulk_create(Institution, new)
            _ensure_pks(Institution, new, "code")
            for inst in new:
                ids[inst.code], paths[inst.code] = inst.pk, inst.path
        self.bulk_update(Institution, changed, ["name", "kind", "parent"])

    @staticmethod
    def _move_subtree(*, old_path: str, new_path: str, paths: dict[str, str]) -> None:
        delta = new_path.count("/") - old_path.count("/")
        Institution.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
            depth=F("depth") + delta,
        )
        for code, path in paths.items():
            if path.startswith(old_path):
                paths[code] = new_path + path[len(old_path) :]


# --- staff ---------------------------------------------------------------------------------------


class StaffImporter(Importer):
    """The HR roster. A known employee with a new institution is a transfer from 生效日期: the open
    StaffAssignment is closed the day before and a new one opened, as `services.staff_transfer`
    does; earlier assignments are never rewritten. ID numbers are kept only as keyed hash + mask."""

    label = "员工"
    natural_key = ("employee_no",)
    columns = (
        Column("employee_no", "员工号", required=True, max_length=32),
        Column("name", "姓名", required=True, max_length=50),
        Column("mobile", "手机号", required=True, parser=parsers.mobile),
        Column("institution_code", "机构号", required=True, max_length=32),
        Column("positions", "岗位", required=True, parser=parsers.choice_list(Position)),
        Column("employment_type", "用工类型", required=True, parser=parsers.choice(EmploymentType)),
        Column("effective_date", "生效日期", required=True, parser=parsers.date),
        Column("active_to", "离职日期", parser=parsers.date),
        Column("id_number", "身份证号", parser=parsers.id_number),
        Column("tier", "梯队", parser=parsers.integer(min_value=1, max_value=5)),
    )

    def check(self, rows: list[Row]) -> None:
        self.institutions = self.fetch(Institution.objects.only("id", "code"), "code", {r["institution_code"] for r in rows})
        self.existing = self.fetch(Staff.objects.all(), "employee_no", {r["employee_no"] for r in rows})
        self.open_assignments: dict[int, StaffAssignment] = {}
        for batch in self.batches(sorted(s.pk for s in self.existing.values())):
            for a in StaffAssignment.objects.filter(staff_id__in=batch, valid_to__isnull=True).order_by("valid_from"):
                self.open_assignments[a.staff_id] = a  # the latest open one wins
        for row in rows:
            inst = self.institutions.get(row["institution_code"])
            if inst is None:
                row.error("institution_code", f"机构 {row['institution_code']} 不存在")
                continue
            staff = self.existing.get(row["employee_no"])
            effective: dt.date = row["effective_date"]
            start = staff.active_from if staff else effective
            if row["active_to"] and row["active_to"] < start:
                row.error("active_to", f"离职日期 {row['active_to']:%Y-%m-%d} 不能早于入职/生效日期 {start:%Y-%m-%d}")
            if staff is not None and staff.institution_id != inst.pk:
                current = self.open_assignments.get(staff.pk)
                if current is not None and effective <= current.valid_from:
                    row.error(
                        "effective_date",
                        f"员工 {staff.employee_no} 的调岗生效日期 {effective:%Y-%m-%d} 必须晚于当前任职开始日期 {current.valid_from:%Y-%m-%d}",
                    )

    def apply(self, rows: list[Row]) -> None:
        new_staff: list[Staff] = []
        changed: list[Staff] = []
        fields: set[str] = set()
        closed: list[StaffAssignment] = []
        opened: list[tuple[Staff, int, dt.date]] = []
        for row in rows:
            inst = self.institutions[row["institution_code"]]
            staff = self.existing.get(row["employee_no"])
            values = {
                "name": row["name"],
                "mobile": row["mobile"],
                "positions": join_positions(row["positions"]),
                "employment_type": row["employment_type"],
            }
            if "active_to" in self.present:
                values["active_to"] = row["active_to"]
            if row["id_number"]:
                values["id_hash"] = pii.keyed_hash(row["id_number"])
                values["id_masked"] = pii.mask_id_number(row["id_number"])
            if "tier" in self.present:
                values["tier"] = row["tier"]
            if staff is None:
                staff = Staff(employee_no=row["employee_no"], institution_id=inst.pk, active_from=row["effective_date"], **values)
                new_staff.append(staff)
                opened.append((staff, inst.pk, row["effective_date"]))
                row.outcome = Outcome.CREATED
                continue
            diff = {k for k, v in values.items() if getattr(staff, k) != v}
            if staff.institution_id != inst.pk:
                current = self.open_assignments.get(staff.pk)
                if current is not None:
                    current.valid_to = row["effective_date"] - dt.timedelta(days=1)
                    closed.append(current)
                opened.append((staff, inst.pk, row["effective_date"]))
                values["institution_id"] = inst.pk
                diff.add("institution_id")
            if diff:
                for k in diff:
                    setattr(staff, k, values[k])
                fields |= diff
                changed.append(staff)
                row.outcome = Outcome.UPDATED
            else:
                row.outcome = Outcome.UNCHANGED
        self.bulk_create(Staff, new_staff)
        _ensure_pks(Staff, new_staff, "employee_no")
        self.bulk_update(Staff, changed, sorted(fields))
        self.bulk_update(StaffAssignment, closed, ["valid_to"])
        # A recorded departure ends the person's API tokens now, not when they next expire.
        departed = [s.user_id for s in changed if s.active_to is not None and s.user_id is not None]
        if departed:
            from org.tokens import tokens_revoke_for_users

            tokens_revoke_for_users(departed)
        self.bulk_create(StaffAssignment, [StaffAssignment(staff_id=s.pk, institution_id=i, valid_from=d) for s, i, d in opened])


# --- customers -----------------------------------------------------------------------------------


class CustomerImporter(Importer):
    """The CRM's customers. An empty 管户员工号 puts the customer in the potential-customer pool;
    card numbers and ID numbers are kept only as keyed hash + mask (SPEC §8)."""

    label = "客户"
    natural_key = ("customer_no",)
    columns = (
        Column("customer_no", "客户号", required=True, max_length=32),
        Column("name", "姓名", required=True, max_length=50),
        Column("mobile", "手机号", required=True, parser=parsers.mobile),
        Column("id_number", "身份证号", parser=parsers.id_number),
        Column("card_numbers", "卡号", parser=_card_numbers),
        Column("manager_employee_no", "管户员工号", max_length=32),
        Column("deposit_balance", "存款余额", parser=parsers.decimal(places=2, min_value=0)),
        Column("balance_date", "余额日期", parser=parsers.date),
    )

    def check(self, rows: list[Row]) -> None:
        self.managers = self.fetch(Staff.objects.only("id", "employee_no"), "employee_no", {r["manager_employee_no"] for r in rows})
        self.existing = self.fetch(Customer.objects.all(), "customer_no", {r["customer_no"] for r in rows})
        card_rows: dict[str, Row] = {}
        for row in rows:
            no = row["manager_employee_no"]
            if no and no not in self.managers:
                row.error("manager_employee_no", f"员工 {no} 不存在")
            if row["deposit_balance"] is not None and row["balance_date"] is None:
                row.error("balance_date", "填写存款余额时必须填写余额日期")
            for h, masked in (row["card_numbers"] or {}).items():
                other = card_rows.get(h)
                if other is not None:
                    row.error("card_numbers", f"卡号 {masked} 与第 {other.number} 行重复")
                else:
                    card_rows[h] = row
        self.card_owner: dict[str, str] = {}
        for batch in self.batches(sorted(card_rows)):
            self.card_owner.update(CustomerCard.objects.filter(card_hash__in=batch).values_list("card_hash", "customer__customer_no"))
        for h, owner in self.card_owner.items():
            row = card_rows[h]
            if owner != row["customer_no"]:
                row.error("card_numbers", f"卡号 {row['card_numbers'][h]} 已属于客户 {owner}")

    def apply(self, rows: list[Row]) -> None:
        new: list[Customer] = []
        changed: list[Customer] = []
        fields: set[str] = set()
        wanted_cards: dict[str, dict[str, str]] = {}  # customer_no -> {hash: masked}
        for row in rows:
            values = {"name": row["name"], "mobile": row["mobile"], "mobile_hash": self._mobile_hash(row["mobile"])}
            if row["id_number"]:
                values["id_hash"] = pii.keyed_hash(row["id_number"])
                values["id_masked"] = pii.mask_id_number(row["id_number"])
            if "manager_employee_no" in self.present:
                manager = self.managers.get(row["manager_employee_no"])
                values["manager_id"] = manager.pk if manager else None
            if "deposit_balance" in self.present:
                values["deposit_balance"] = row["deposit_balance"]
            if "balance_date" in self.present:
                values["balance_date"] = row["balance_date"]
            if "card_numbers" in self.present:
                wanted_cards[row["customer_no"]] = row["card_numbers"] or {}
            customer = self.existing.get(row["customer_no"])
            if customer is None:
                new.append(Customer(customer_no=row["customer_no"], **values))
                row.outcome = Outcome.CREATED
                continue
            diff = {k for k, v in values.items() if getattr(customer, k) != v}
            for k in diff:
                setattr(customer, k, values[k])
            fields |= diff
            if diff:
                changed.append(customer)
            row.outcome = Outcome.UPDATED if diff else Outcome.UNCHANGED
        self.bulk_create(Customer, new)
        _ensure_pks(Customer, new, "customer_no")
        self.bulk_update(Customer, changed, sorted(fields))
        self._sync_cards(rows, new, wanted_cards)

    def _mobile_hash(self, mobile: str) -> str:
        return pii.keyed_hash(mobile) if mobile else ""

    def _sync_cards(self, rows: list[Row], new: list[Customer], wanted: dict[str, dict[str, str]]) -> None:
        """Make each listed customer's cards exactly those of the file: add missing, drop the rest."""
        if not wanted:
            return
        customers = {c.customer_no: c for c in new} | {no: c for no, c in self.existing.items() if no in wanted}
        have: dict[int, set[str]] = {}
        for batch in self.batches(sorted(c.pk for no, c in customers.items() if no in self.existing)):
            for customer_id, h in CustomerCard.objects.filter(customer_id__in=batch).values_list("customer_id", "card_hash"):
                have.setdefault(customer_id, set()).add(h)
        add: list[CustomerCard] = []
        drop: dict[int, set[str]] = {}
        touched: set[str] = set()
        for no, cards in wanted.items():
            customer = customers[no]
            current = have.get(customer.pk, set())
            add += [CustomerCard(customer_id=customer.pk, card_hash=h, card_masked=m) for h, m in cards.items() if h not in current]
            if current - set(cards):
                drop[customer.pk] = set(cards)
            if set(cards) != current:
                touched.add(no)
        for batch in self.batches(sorted(drop)):
            keep = sorted(set().union(*(drop[pk] for pk in batch)))
            CustomerCard.objects.filter(customer_id__in=batch).exclude(card_hash__in=keep).delete()
        self.bulk_create(CustomerCard, add)
        for row in rows:
            if row.outcome == Outcome.UNCHANGED and row["customer_no"] in touched:
                row.outcome = Outcome.UPDATED


registry.register("institutions", InstitutionImporter)
registry.register("staff", StaffImporter)
registry.register("customers", CustomerImporter)
