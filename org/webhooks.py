"""Signed machine-to-machine requests from the loan system (INTERFACES.md "Loan-system webhook").

One check for every endpoint the loan system calls (application events, loans): the signature is
HMAC-SHA256 with `LOAN_WEBHOOK_SECRET` over `X-Timestamp + "." + raw body`, compared in constant
time *before* any parsing, so a forged request never reaches the JSON parser; the timestamp (Unix
seconds) must be within `LOAN_WEBHOOK_MAX_SKEW_S` (300 s) of our clock in either direction.

    payload, refused = signed_json(request, key="events")
    if refused is not None:
        return refused
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from django.conf import settings
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from . import clock

SIGNATURE_PREFIX = "sha256="
TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")


class RawBodyParser(BaseParser):
    """Declares JSON for the schema; the view reads `request.body` itself, after the signature."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


def error(http_status: int, code: str, message: str) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": {}}}, status=http_status)


def signature_valid(*, body: bytes, timestamp: str, signature: str, secret: str) -> bool:
    if not signature.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature[len(SIGNATURE_PREFIX) :].strip().lower().encode())


def signed_json(request, *, key: str) -> tuple[list | None, Response | None]:
    """(the list under `key` of a correctly signed JSON body, None) or (None, the 401/400 answer)."""
    body = request.body  # raw bytes, before any parsing
    timestamp = request.headers.get("X-Timestamp", "").strip()
    signature = request.headers.get("X-Signature", "").strip()
    if not timestamp or not signature:
        return None, error(status.HTTP_401_UNAUTHORIZED, "signature_missing", "缺少签名或时间戳（X-Signature、X-Timestamp）")
    # Unix seconds in ASCII digits, at most 12 of them: 401 digits overflowed the float below.
    if not TIMESTAMP_RE.fullmatch(timestamp):
        return None, error(status.HTTP_401_UNAUTHORIZED, "timestamp_invalid", "时间戳格式错误，应为 Unix 秒")
    if abs(clock.now().timestamp() - int(timestamp)) > settings.LOAN_WEBHOOK_MAX_SKEW_S:
        return None, error(status.HTTP_401_UNAUTHORIZED, "timestamp_stale", "时间戳与服务器时间相差超过 300 秒，请求已拒绝")
    if not signature_valid(body=body, timestamp=timestamp, signature=signature, secret=settings.LOAN_WEBHOOK_SECRET):
        return None, error(status.HTTP_401_UNAUTHORIZED, "signature_invalid", "签名校验失败")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, error(status.HTTP_400_BAD_REQUEST, "parse_error", "请求体不是有效的 JSON")
    except RecursionError:  # a signed but absurdly nested body
        return None, error(status.HTTP_400_BAD_REQUEST, "parse_error", "请求体嵌套层级过深")
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None, error(status.HTTP_400_BAD_REQUEST, "invalid", f'请求体应为 {{"{key}": [...]}}')
    return items, None
