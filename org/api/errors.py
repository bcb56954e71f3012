"""Consistent error bodies for every API answer:

{"error": {"code": "invalid", "message": "中文说明", "fields": {"mobile": ["…"]}}}
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from org.errors import ApplicationError

MESSAGES = {
    "not_found": gettext_lazy("未找到，或不在您的管理范围内"),
    "not_authenticated": gettext_lazy("请先登录"),
    "authentication_failed": gettext_lazy("认证失败"),
    "permission_denied": gettext_lazy("无权执行此操作"),
    "throttled": gettext_lazy("请求过于频繁，请稍后再试"),
    "method_not_allowed": gettext_lazy("不支持该请求方法"),
    "parse_error": gettext_lazy("请求内容格式错误"),
}

# An ApplicationError answers 400 unless its code says otherwise: throttled sign-ins are 429,
# refused credentials 401, an unavailable upstream (WeChat) 503 — decided here, in one place.
STATUS_BY_CODE = {
    "throttled": status.HTTP_429_TOO_MANY_REQUESTS,
    "authentication_failed": status.HTTP_401_UNAUTHORIZED,
    "not_found": status.HTTP_404_NOT_FOUND,
    "upstream_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
        return Response(body, status=STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        message = _("提交的数据有误")
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
            first = next(iter(fields.values()), [message])
            message = first[0] if first else message
        elif isinstance(detail, list) and detail:
            message = str(detail[0])
    else:
        detail = str(getattr(exc, "detail", ""))
        # A specific message (a permission's own `message`) beats the generic one for its code.
        specific = isinstance(exc, exceptions.PermissionDenied | exceptions.AuthenticationFailed) and detail != str(exc.default_detail)
        message = str((detail if specific else MESSAGES.get(code)) or detail or _("请求失败"))
        if code == "throttled" and getattr(exc, "wait", None):
            message = _("请求过于频繁，请 %(seconds)s 秒后再试") % {"seconds": int(exc.wait) + 1}
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response
