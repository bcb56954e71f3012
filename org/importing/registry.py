"""Which import kinds exist. Apps add theirs from AppConfig.ready():

from org.importing import registry
registry.register("loans", LoanImporter)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from ..errors import ApplicationError

if TYPE_CHECKING:
    from .base import Importer

_kinds: dict[str, type[Importer]] = {}


def register(kind: str, importer: type[Importer]) -> type[Importer]:
    """Register `importer` for `kind`; returns it so it can be used as a class decorator helper."""
    existing = _kinds.get(kind)
    if existing is not None and existing is not importer and existing.__qualname__ != importer.__qualname__:
        raise ValueError(f"import kind {kind!r} is already registered by {existing.__module__}.{existing.__qualname__}")
    importer.kind = kind
    _kinds[kind] = importer
    return importer


def get(kind: str) -> type[Importer]:
    try:
        return _kinds[kind]
    except KeyError:
        known = "、".join(sorted(_kinds)) or _("（无）")
        raise ApplicationError(_("未知的导入类型“%(kind)s”，可选类型：%(known)s") % {"kind": kind, "known": known}, code="unknown_kind")


def kinds() -> list[str]:
    return sorted(_kinds)


def choices() -> list[tuple[str, str]]:
    """(kind, "中文名（kind）") for forms."""
    return [(k, f"{_kinds[k].label or k}（{k}）") for k in kinds()]
