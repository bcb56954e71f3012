"""Schema helpers shared by every API module: paginated list bodies and the common error body.

A list answered through `StandardPagination` is `{count, next, previous, results}`, and the schema
must say so (the mini-program team generates its client from it; schemathesis checks the answers
against it in CI)."""

from functools import cache

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from .serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "提交的数据有误",
    401: "未登录或认证失败",
    404: "未找到，或不在您的管理范围内",
    429: "请求过于频繁",
    503: "依赖的服务暂时不可用",
}


def errors(*codes: int) -> dict:
    """{code: the common error body} for `extend_schema(responses=...)`."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


@cache
def paginated(serializer_class):
    """The paginated body of `serializer_class` rows, one schema component per serializer."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        f"Paginated{name}List",
        {
            "count": serializers.IntegerField(help_text="总条数"),
            "next": serializers.URLField(allow_null=True, help_text="下一页地址，最后一页为 null"),
            "previous": serializers.URLField(allow_null=True, help_text="上一页地址，第一页为 null"),
            "results": serializer_class(many=True),
        },
    )
