"""Files people upload (evidence of checklist tasks, training materials, branch training
evidence): one home for what is accepted and how it is stored and served.

- `accept(file, kinds=…)`: the extension must be one of the kinds' and the first bytes must match
  it (a renamed .exe is refused), the size within the kind's limit (`UPLOAD_MAX_MB`, video
  `UPLOAD_VIDEO_MAX_MB`); Chinese messages; nothing is stored before it passes.
- `store(field, file, prefix=…)`: saved through Django's storage API (the local media folder by
  default; any S3-compatible store by setting `STORAGES["default"]`) under a random name — the
  person's file name is kept only as the download name.
- `serve(field, name)`: an attachment response; views call it only after their own permission
  check (the files are never under a public URL).
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ApplicationError

KINDS = {
    "photo": {".jpg", ".jpeg", ".png", ".webp"},
    "pdf": {".pdf"},
    "document": {".pdf", ".xlsx", ".docx", ".pptx", ".jpg", ".jpeg", ".png"},
    "video": {".mp4"},
    "audio": {".mp3", ".m4a", ".wav"},
}
KIND_LABELS = {"photo": gettext_lazy("照片"), "pdf": "PDF", "document": gettext_lazy("文件"), "video": gettext_lazy("视频"), "audio": gettext_lazy("录音")}


def _magic_ok(ext: str, head: bytes) -> bool:
    if ext == ".pdf":
        return head.startswith(b"%PDF")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext in (".xlsx", ".docx", ".pptx"):
        return head.startswith(b"PK\x03\x04")
    if ext in (".mp4", ".m4a"):
        return head[4:8] == b"ftyp"
    if ext == ".mp3":  # an ID3 tag or an MPEG frame sync
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if ext == ".wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    return False


def limit_mb(kind: str) -> int:
    return settings.UPLOAD_VIDEO_MAX_MB if kind == "video" else settings.UPLOAD_MAX_MB


def accept(file, *, kinds: tuple[str, ...], label: str | None = None) -> str:
    """Check an uploaded file; returns its kind. ApplicationError with a Chinese reason otherwise."""
    label = label if label is not None else _("文件")
    if file is None:
        raise ApplicationError(_("请上传%(label)s") % {"label": label})
    ext = PurePath(getattr(file, "name", "") or "").suffix.lower()
    kind = next((k for k in kinds if ext in KINDS[k]), None)
    if kind is None:
        allowed = "、".join(sorted({e for k in kinds for e in KINDS[k]}))
        raise ApplicationError(_("%(label)s类型“%(ext)s”不支持，可上传：%(allowed)s") % {"label": label, "ext": ext or _("无扩展名"), "allowed": allowed})
    size = getattr(file, "size", 0) or 0
    if size > limit_mb(kind) * 1024 * 1024:
        raise ApplicationError(
            _("%(label)s过大（%(size)s MB），%(kind)s最大 %(limit)s MB")
            % {"label": label, "size": f"{size / 1024 / 1024:.1f}", "kind": KIND_LABELS[kind], "limit": limit_mb(kind)}
        )
    if size == 0:
        raise ApplicationError(_("%(label)s是空文件") % {"label": label})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not _magic_ok(ext, head):
        raise ApplicationError(_("%(label)s的内容与扩展名“%(ext)s”不符，请上传真实的%(kind)s") % {"label": label, "ext": ext, "kind": KIND_LABELS[kind]})
    return kind


def store(field, file, *, prefix: str) -> None:
    """Save `file` into the model's FileField `field` under a random name (not saving the model)."""
    ext = PurePath(file.name).suffix.lower()
    field.save(f"{prefix}/{uuid.uuid4().hex}{ext}", file, save=False)


def serve(field, download_name: str, *, inline: bool = False) -> FileResponse:
    """The file as a download, or `inline` (a training video or PDF shown in its page)."""
    response = FileResponse(field.open("rb"), as_attachment=not inline, filename=download_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
