"""Referral codes (SPEC §3 "Codes"): personal codes and second-level (MGM) codes.

A token is `secrets.token_urlsafe(24)`: 192 random bits, far beyond the 128 the spec asks, so a
code cannot be guessed by scanning URLs. Revocation is final: a revoked code never resolves again,
and re-issuing a personal code revokes the previous one in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import zipfile
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Staff, User

from ..models import CodeKind, IntermediaryKind, ReferralCode

TOKEN_BYTES = 24
BULK_BATCH = 1000  # rows per INSERT: below SQLite's variable limit, few round trips


def referral_token_new() -> str:
    """A fresh token. One starting with "-" is drawn again: spreadsheets read a leading "-" as a
    formula and command lines as an option, and the redraw costs less than a bit of entropy."""
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if token[0].isalnum():
            return token


def _ensure_active(staff: Staff) -> None:
    if not staff.is_active_on(clock.today()):
        raise ApplicationError(
            _("员工 %(name)s（%(no)s）不在职，不能生成推荐码") % {"name": staff.name, "no": staff.employee_no},
            code="staff_inactive",
        )


def _user_or_none(user) -> User | None:
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def referral_code_issue(*, staff: Staff, issued_by: User | None) -> ReferralCode:
    """Issue a new personal code; the employee's previous active personal code is revoked."""
    _ensure_active(staff)
    now = clock.now()
    # Lock the staff row so two concurrent re-issues queue instead of tripping the unique index.
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    ReferralCode.objects.filter(staff=staff, kind=CodeKind.PERSONAL, revoked_at__isnull=True).update(revoked_at=now)
    return ReferralCode.objects.create(
        token=referral_token_new(), staff=staff, kind=CodeKind.PERSONAL, created_at=now, created_by=_user_or_none(issued_by)
    )


def referral_code_get_or_issue(*, staff: Staff, issued_by: User | None = None) -> ReferralCode:
    """The employee's active personal code, issued on first use (the mini-program's first call)."""
    code = ReferralCode.objects.filter(staff=staff, kind=CodeKind.PERSONAL, revoked_at__isnull=True).first()
    if code is not None:
        return code
    _ensure_active(staff)
    try:
        with transaction.atomic():
            return ReferralCode.objects.create(
                token=referral_token_new(),
                staff=staff,
                kind=CodeKind.PERSONAL,
                created_at=clock.now(),
                created_by=_user_or_none(issued_by),
            )
    except IntegrityError:
        # Two first calls at once: the other one won the unique index; use its code.
        return ReferralCode.objects.get(staff=staff, kind=CodeKind.PERSONAL, revoked_at__isnull=True)


@transaction.atomic
def referral_code_revoke(*, code: ReferralCode, by: User | None) -> ReferralCode:
    """Revoke a personal or MGM code. Revoking twice keeps the first revocation time."""
    if code.revoked_at is None:
        now = clock.now()
        ReferralCode.objects.filter(pk=code.pk, revoked_at__isnull=True).update(revoked_at=now)
        code.refresh_from_db(fields=["revoked_at"])
    return code


def referral_codes_issue_missing(*, staff_qs: QuerySet[Staff], issued_by: User | None = None) -> int:
    """Give every active employee of `staff_qs` without an active personal code a new one.

    One query finds who lacks a code and one bulk INSERT creates them, so a whole bank is a
    handful of statements. A code issued concurrently for the same person wins: the conflicting
    row is skipped by the partial unique index. Returns how many codes were created."""
    today = clock.today()
    has_code = ReferralCode.objects.filter(staff=OuterRef("pk"), kind=CodeKind.PERSONAL, revoked_at__isnull=True)
    missing = list(staff_qs.active_on(today).filter(~Exists(has_code)).values_list("pk", flat=True))
    if not missing:
        return 0
    now = clock.now()
    by = _user_or_none(issued_by)
    created = 0
    for start in range(0, len(missing), BULK_BATCH):
        rows = [
            ReferralCode(token=referral_token_new(), staff_id=pk, kind=CodeKind.PERSONAL, created_at=now, created_by=by)
            for pk in missing[start : start + BULK_BATCH]
        ]
        ReferralCode.objects.bulk_create(rows, ignore_conflicts=True)
        # ignore_conflicts leaves no primary keys behind, so count what actually landed.
        created += ReferralCode.objects.filter(token__in=[r.token for r in rows]).count()
    return created


@transaction.atomic
def mgm_code_create(
    *, staff: Staff, intermediary_kind: str, intermediary_name: str, intermediary_contact: str = "", by: User | None
) -> ReferralCode:
    """A second-level code for an intermediary (estate agency, merchant, property project, key
    person): scans and applications through it are credited to `staff`."""
    _ensure_active(staff)
    fields: dict[str, list[str]] = {}
    if intermediary_kind not in IntermediaryKind.values:
        choices = "、".join(label for _value, label in IntermediaryKind.choices)
        fields["intermediary_kind"] = [_("中介类型无效，请从%(choices)s中选择") % {"choices": choices}]
    name = (intermediary_name or "").strip()
    if not name:
        fields["intermediary_name"] = [_("请填写中介名称")]
    elif len(name) > 100:
        fields["intermediary_name"] = [_("中介名称不能超过 100 个字")]
    contact = (intermediary_contact or "").strip()
    if len(contact) > 100:
        fields["intermediary_contact"] = [_("中介联系人不能超过 100 个字")]
    if fields:
        raise ApplicationError(next(iter(fields.values()))[0], code="invalid", fields=fields)
    return ReferralCode.objects.create(
        token=referral_token_new(),
        staff=staff,
        kind=CodeKind.MGM,
        intermediary_kind=intermediary_kind,
        intermediary_name=name,
        intermediary_contact=contact,
        created_at=clock.now(),
        created_by=_user_or_none(by),
    )


def referral_posters_archive(
    *, staff_qs: QuerySet[Staff], issued_by: User | None, out: BinaryIO, day: dt.date | None = None, workers: int | None = None
) -> int:
    """Write a ZIP of the posters of every active employee in `staff_qs` into `out`, issuing the
    missing codes first (in bulk). Returns the number of posters.

    One query reads every code with its person and outlet; each renderer draws the campaign's
    background and loads the fonts once, then each poster costs one QR and two lines of text,
    spread over `workers` processes (see `posters.render_many`). PNGs are already compressed, so
    the archive stores them as they are."""
    from ..posters import render_many
    from ..qr import referral_url
    from ..selectors.codes import campaign_active_on, personal_code_rows

    day = day or clock.today()
    referral_codes_issue_missing(staff_qs=staff_qs, issued_by=issued_by)
    campaign = campaign_active_on(day=day)
    rows = list(personal_code_rows(staff_qs=staff_qs, day=day))
    items = [(referral_url(token), name, inst_name) for _no, name, _inst, inst_name, token in rows]
    pngs = render_many(
        items,
        campaign_name=campaign.name if campaign else "",
        tagline=campaign.tagline if campaign else "",
        workers=poster_workers() if workers is None else workers,
    )
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for (employee_no, name, inst_code, inst_name, _token), png in zip(rows, pngs, strict=True):
            archive.writestr(f"{_safe_name(inst_code)}_{_safe_name(inst_name)}/{_safe_name(employee_no)}_{_safe_name(name)}.png", png)
    return len(rows)


def poster_workers() -> int:
    """Processes drawing a poster archive: the setting, else up to four of the machine's cores."""
    configured = getattr(settings, "REFERRAL_POSTER_WORKERS", None)
    return int(configured) if configured is not None else max(1, min(4, (os.cpu_count() or 1)))


def _safe_name(value: str) -> str:
    """A file-name part: no path separators or characters Windows refuses."""
    return "".join("_" if ch in '\\/:*?"<>|\0' else ch for ch in (value or "")).strip(". ") or "_"


def referral_code_name_display_set(*, staff, show_full_name: bool, by) -> ReferralCode:
    """The employee's own consent to show their full name on the scan page (default 张*)."""
    from org.services import audit

    from ..selectors.codes import personal_code_of

    code = personal_code_of(staff=staff)
    if code is None:
        raise ApplicationError(_("您还没有推荐码，请先生成推荐码"))
    code.show_full_name = show_full_name
    code.save(update_fields=["show_full_name"])
    audit(user=by, action="referral_code_name_display", obj=staff, show_full_name=show_full_name)
    return code
