"""Personal information (SPEC §8): keyed hashes for matching, masked forms for display.

ID and card numbers are never stored in clear. The hash is HMAC-SHA256 with PII_HASH_KEY, so a
leaked table cannot be reversed by hashing every possible ID number.
"""

import hashlib
import hmac
import re

from django.conf import settings

from .text import ascii_digits

# ASCII digits only: a Unicode \d would let other scripts' digits dodge the staff-mobile check.
# Full-width digits are made ASCII by normalise() first (org.text.ascii_digits).
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
ID_RE = re.compile(r"^[0-9]{17}[0-9Xx]$")


def keyed_hash(value: str) -> str:
    normalised = normalise(value)
    if not normalised:
        return ""
    return hmac.digest(settings.PII_HASH_KEY.encode(), normalised.encode(), hashlib.sha256).hex()


SEPARATORS_RE = re.compile(r"[\s-]")


def normalise(value: str | None) -> str:
    """The one form a number is compared, hashed and stored in: full-width made ASCII, no spaces
    or hyphens, upper case (the X of an ID number)."""
    if value and value.isascii() and value.isalnum():  # already plain (a 200,000-row import calls this per number)
        return value.upper()
    return SEPARATORS_RE.sub("", ascii_digits(value)).upper()


def mask_id_number(value: str) -> str:
    v = normalise(value)
    return f"{v[:3]}{'*' * (len(v) - 7)}{v[-4:]}" if len(v) > 7 else "*" * len(v)


def mask_card_number(value: str) -> str:
    v = normalise(value)
    if len(v) < 8:
        return "*" * len(v)
    return f"{v[:4]} **** **** {v[-4:]}"


def mask_mobile(value: str) -> str:
    v = normalise(value)
    return f"{v[:3]}****{v[-4:]}" if len(v) >= 7 else "*" * len(v)


def mask_name(value: str) -> str:
    v = (value or "").strip()
    return f"{v[0]}{'*' * max(len(v) - 1, 1)}" if v else ""


def is_valid_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(normalise(value)))


def is_valid_id_number(value: str) -> bool:
    """Mainland resident ID: 18 characters with the ISO 7064 MOD 11-2 check digit."""
    v = normalise(value)
    if not ID_RE.match(v):
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(v[:17], weights, strict=True))
    return "10X98765432"[total % 11] == v[17]
