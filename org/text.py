"""Text from outside (forms, files, webhooks): one home for the checks every input goes through.

- `ascii_digits`: full-width digits and letters (１３８…, ＸＸ) become ASCII (NFKC), so a number
  typed on a Chinese keyboard is the same number; every pattern that validates digits is then
  ASCII-only ([0-9]), so digits of other scripts are refused instead of slipping past a check.
- `typed_decimal`: a non-negative number typed by a person (full-width digits, thousands commas, a
  trailing %), refused with a Chinese message naming what it was.
- `has_nul`: PostgreSQL cannot store NUL in text; input carrying one is refused with a clear
  message where it enters (middleware, importer, webhook event), never left to fail in the database.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

NUL = "\x00"
NUL_MESSAGE = gettext_lazy("内容含有非法字符（NUL），请检查后重新提交")


def ascii_digits(value: str | None) -> str:
    """NFKC: full-width forms to ASCII (also ideographic space to space). '' for None."""
    return unicodedata.normalize("NFKC", value or "")


def has_nul(value) -> bool:
    return isinstance(value, str) and NUL in value


def typed_decimal(raw, label: str) -> Decimal | None:
    """A non-negative number as a person types it ("１,２００", "8.5%"); None when left empty.
    `label` names the field in the message: "{label}“x”不是数字", "{label}不能为负数"."""
    from .errors import ApplicationError

    text = ascii_digits(str(raw if raw is not None else "")).strip().replace(",", "").rstrip("%").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ApplicationError(_("%(label)s“%(text)s”不是数字") % {"label": label, "text": text}) from None
    if not value.is_finite():
        raise ApplicationError(_("%(label)s“%(text)s”不是数字") % {"label": label, "text": text})
    if value < 0:
        raise ApplicationError(_("%(label)s不能为负数") % {"label": label})
    return value
