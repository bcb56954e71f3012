"""Text from outside (forms, files, webhooks): one home for the checks every input goes through.

- `ascii_digits`: full-width digits and letters (１３８…, ＸＸ) become ASCII (NFKC), so a number
  typed on a Chinese keyboard is the same number; every pattern that validates digits is then
  ASCII-only ([0-9]), so digits of other scripts are refused instead of slipping past a check.
- `has_nul`: PostgreSQL cannot store NUL in text; input carrying one is refused with a clear
  message where it enters (middleware, importer, webhook event), never left to fail in the database.
"""

from __future__ import annotations

import unicodedata

NUL = "\x00"
NUL_MESSAGE = "内容含有非法字符（NUL），请检查后重新提交"


def ascii_digits(value: str | None) -> str:
    """NFKC: full-width forms to ASCII (also ideographic space to space). '' for None."""
    return unicodedata.normalize("NFKC", value or "")


def has_nul(value) -> bool:
    return isinstance(value, str) and NUL in value
