"""Delivery (SPEC §6): circulars and daily reports go to the people responsible for their scope.

The recipients of a scope (an institution) are
- by e-mail: the active users whose `scope_institution` is that institution (its managers) and who
  have an address, and the active `DeliveryRecipient` addresses of the institution;
- by WeCom group robot: the institution's active `DeliveryRecipient` robot URLs and the URL that
  the `WECOM_ROBOT_WEBHOOKS` setting gives for the institution's code.

Every recipient's copy is one `Delivery` row, unique per (kind, key, channel, recipient), so asking
twice sends once. A row is claimed by a conditional UPDATE before sending, so two workers never
send the same copy; a copy whose worker died mid-send is claimable again after
`DELIVERY_CLAIM_TIMEOUT_S` (at-least-once: in that rare case a recipient can get it twice). A failed
copy stays `failed` with its error and is tried again by `reporting.tasks.deliver_pending` (every
15 minutes on beat) until it is sent or has had `DELIVERY_MAX_ATTEMPTS` attempts.

What is sent is generic (`deliver(kind=, key=, scope=, subject=, body=, attachment_name=,
attachment_bytes=)`); to retry, a kind registers a loader that rebuilds the content from its key
(`delivery_source_register`); circulars register theirs below.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Institution, User

from .models import Circular, Delivery, DeliveryChannel, DeliveryKind, DeliveryRecipient, DeliveryStatus
from .wecom import WeComError, WeComRobot, robot_name

logger = logging.getLogger(__name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@dataclass(frozen=True)
class DeliveryContent:
    kind: str
    key: str
    scope: Institution
    subject: str
    body: str
    attachment_name: str = ""
    attachment_bytes: bytes = b""
    url: str = ""  # where a signed-in reader opens it (WeCom posts the link, not the file)

    def markdown(self) -> str:
        lines = [f"**{self.subject}**", "", *(f"> {line}" for line in self.body.splitlines() if line.strip())]
        if self.url:
            lines += ["", f"[{_('登录后查看或下载')}]({self.url})"]
        return "\n".join(lines)


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str  # e-mail address, or the robot name for WeCom
    webhook_url: str = ""


# --- recipients ---------------------------------------------------------------------------------


def delivery_recipients(*, scope: Institution) -> list[Recipient]:
    """Who receives what is delivered for `scope`, each address once, e-mail first."""
    emails: dict[str, str] = {}
    managers = User.objects.filter(scope_institution=scope, is_active=True).exclude(email="").order_by("pk")
    extra = DeliveryRecipient.objects.filter(institution=scope, active=True).order_by("pk")
    for address in [*managers.values_list("email", flat=True), *extra.exclude(email="").values_list("email", flat=True)]:
        emails.setdefault(address.strip().lower(), address.strip())
    urls = [u for u in extra.exclude(wecom_webhook_url="").values_list("wecom_webhook_url", flat=True)]
    if configured := (settings.WECOM_ROBOT_WEBHOOKS or {}).get(scope.code):
        urls.append(configured)
    robots = {robot_name(u): u for u in urls}
    return [Recipient(DeliveryChannel.EMAIL, address) for address in emails] + [
        Recipient(DeliveryChannel.WECOM, name, url) for name, url in robots.items()
    ]


# --- deliver ------------------------------------------------------------------------------------


def delivery_plan(*, kind: str, key: str, scope: Institution) -> list[Delivery]:
    """One row per current recipient (created `pending` where missing); existing rows untouched."""
    now = clock.now()
    rows = []
    for r in delivery_recipients(scope=scope):
        lookup = {"kind": kind, "key": str(key), "channel": r.channel, "recipient": r.address}
        try:
            with transaction.atomic():
                row, _created = Delivery.objects.get_or_create(**lookup, defaults={"scope": scope, "created_at": now})
        except IntegrityError:  # a concurrent plan inserted it first
            row = Delivery.objects.get(**lookup)
        rows.append(row)
    return rows


def _claim(row: Delivery) -> bool:
    """Take the row for one attempt; False when it is sent, cancelled, out of attempts, or being sent."""
    now = clock.now()
    stale = now - dt.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_S)
    claimed = Delivery.objects.filter(
        Q(status__in=RETRYABLE) | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale),
        pk=row.pk,
        attempts__lt=settings.DELIVERY_MAX_ATTEMPTS,
    ).update(status=DeliveryStatus.SENDING, claimed_at=now)
    return claimed == 1


def _finish(row: Delivery, error: str = "") -> None:
    row.refresh_from_db(fields=["attempts"])
    row.attempts += 1
    row.last_error = error[:500]
    if error:
        row.status = DeliveryStatus.FAILED
        logger.warning("Delivery %s (%s %s via %s to %s) failed: %s", row.pk, row.kind, row.key, row.channel, row.recipient, error)
    else:
        row.status, row.sent_at = DeliveryStatus.SENT, clock.now()
    row.save(update_fields=["attempts", "last_error", "status", "sent_at"])


def _email(content: DeliveryContent, address: str, connection) -> None:
    message = EmailMessage(
        subject=content.subject,
        body=content.body + (f"\n\n{_('登录后查看或下载')}：{content.url}" if content.url else ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
    )
    if content.attachment_bytes:
        message.attach(content.attachment_name, content.attachment_bytes, XLSX_MIMETYPE)
    message.send(fail_silently=False)


def deliver_content(content: DeliveryContent) -> list[Delivery]:
    """Send `content` to every recipient of its scope that has not had it yet; returns the rows."""
    recipients = {(r.channel, r.address): r for r in delivery_recipients(scope=content.scope)}
    rows = delivery_plan(kind=content.kind, key=content.key, scope=content.scope)
    # Rows of recipients no longer configured (a robot removed, a manager moved) stop being retried.
    stale = Delivery.objects.filter(kind=content.kind, key=str(content.key), status__in=RETRYABLE).exclude(pk__in=[r.pk for r in rows])
    stale.update(status=DeliveryStatus.CANCELLED, last_error=_("接收人已不在配置中，不再发送"))
    connection = None
    try:
        for row in rows:
            if not _claim(row):
                continue
            recipient = recipients[(row.channel, row.recipient)]
            try:
                if row.channel == DeliveryChannel.EMAIL:
                    connection = connection or get_connection(fail_silently=False)
                    _email(content, recipient.address, connection)
                else:
                    WeComRobot(recipient.webhook_url).send_markdown(content.markdown())
            except WeComError as exc:
                _finish(row, exc.message)
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                _finish(row, _("邮件发送失败：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"})
                if connection is not None:  # a broken connection is not reused for the next address
                    try:
                        connection.close()
                    except Exception:  # noqa: BLE001 (closing a dead connection: nothing to report)
                        pass
                    connection = None
            else:
                _finish(row)
    finally:
        if connection is not None:
            try:
                connection.close()
            except (smtplib.SMTPException, OSError):
                pass
    return [Delivery.objects.get(pk=r.pk) for r in rows]


def deliver(
    *, kind: str, key: str, scope: Institution, subject: str, body: str, attachment_name: str = "", attachment_bytes: bytes = b"",
    url: str = "",
) -> list[Delivery]:
    """Send a circular or report to the people responsible for `scope`, each once (see the module)."""
    if kind not in DeliveryKind.values:
        raise ApplicationError(_("未知的发送类型“%(kind)s”") % {"kind": kind})
    return deliver_content(DeliveryContent(kind=kind, key=str(key), scope=scope, subject=subject, body=body,
                                           attachment_name=attachment_name, attachment_bytes=attachment_bytes, url=url))


# --- sources: rebuilding the content of a kind from its key, for retries -------------------------

_SOURCES: dict[str, Callable[[str], DeliveryContent | None]] = {}


def delivery_source_register(kind: str, loader: Callable[[str], DeliveryContent | None]) -> None:
    _SOURCES[kind] = loader


def delivery_content(*, kind: str, key: str) -> DeliveryContent | None:
    loader = _SOURCES.get(kind)
    return loader(key) if loader is not None else None


def circular_delivery_content(circular: Circular) -> DeliveryContent:
    with circular.file.open("rb") as fh:
        data = fh.read()
    label = f"{circular.scope.name} {circular.period} {circular.get_kind_display()}{circular.edition_label}"
    body = "\n".join([
        _("您好："),
        _("%(label)s已生成，工作簿见附件（%(start)s 至 %(end)s）。") % {"label": label, "start": circular.period_start, "end": circular.period_end},
        _("通报含员工姓名和业绩，仅限行内工作使用，请勿外传。"),
        _("本邮件由系统自动发送，请勿直接回复。"),
    ])
    return DeliveryContent(
        kind=DeliveryKind.CIRCULAR,
        key=str(circular.pk),
        scope=circular.scope,
        subject=f"【{settings.BANK_NAME}】{label}",
        body=body,
        attachment_name=circular.download_name,
        attachment_bytes=data,
        url=settings.PUBLIC_BASE_URL.rstrip("/") + reverse("reporting:circular-download", args=[circular.pk]),
    )


def _circular_source(key: str) -> DeliveryContent | None:
    circular = Circular.objects.select_related("scope").filter(pk=key).first()
    return circular_delivery_content(circular) if circular is not None else None


delivery_source_register(DeliveryKind.CIRCULAR, _circular_source)


def _daily_source(key: str) -> DeliveryContent | None:
    from .daily import _daily_source as load

    return load(key)


delivery_source_register(DeliveryKind.DAILY, _daily_source)


def circular_deliver(*, circular: Circular) -> list[Delivery]:
    """Deliver a stored circular edition. Only stored editions exist as `Circular` rows: a
    provisional (截至) circular is never stored, so it can never be delivered."""
    return deliver_content(circular_delivery_content(circular))


def circular_delivery_plan(*, circular: Circular) -> list[Delivery]:
    return delivery_plan(kind=DeliveryKind.CIRCULAR, key=str(circular.pk), scope=circular.scope)


def deliveries_retry(*, kind: str | None = None, key: str | None = None) -> list[Delivery]:
    """Try again every copy not yet sent (pending or failed, attempts left), grouped by what it is;
    copies already sent are skipped by the claim. Returns the rows tried."""
    todo = Delivery.objects.filter(status__in=RETRYABLE, attempts__lt=settings.DELIVERY_MAX_ATTEMPTS)
    if kind is not None:
        todo = todo.filter(kind=kind, key=str(key))
    out: list[Delivery] = []
    for k, key_ in todo.values_list("kind", "key").distinct().order_by("kind", "key"):
        content = delivery_content(kind=k, key=key_)
        if content is None:
            Delivery.objects.filter(kind=k, key=key_, status__in=RETRYABLE).update(
                status=DeliveryStatus.CANCELLED, last_error=_("要发送的内容已不存在")
            )
            continue
        out += deliver_content(content)
    return out


def delivery_resend(*, delivery: Delivery) -> list[Delivery]:
    """The 重新发送 button: a failed copy gets another attempt (its attempts count is not a limit here)."""
    if delivery.status != DeliveryStatus.FAILED:
        raise ApplicationError(_("只有发送失败的记录可以重新发送（当前状态：%(status)s）") % {"status": delivery.get_status_display()})
    # A person asked: give it one more attempt even when the automatic retries are used up.
    Delivery.objects.filter(pk=delivery.pk).update(attempts=min(delivery.attempts, settings.DELIVERY_MAX_ATTEMPTS - 1))
    return deliveries_retry(kind=delivery.kind, key=delivery.key)
