"""WeCom (企业微信) group robot: the client for circular and report delivery (SPEC §6).

A group robot is a webhook URL, `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`; a JSON
POST of `{"msgtype": "markdown", "markdown": {"content": …}}` puts a message in the group. Files go
in two steps: `upload_media?key=…&type=file` (multipart) returns a media_id, then a `file` message.

Delivery sends a markdown summary with the link to the circular's download page, not the workbook
itself: a circular lists people by name, and the download page checks the reader's scope and
records the download (SPEC §8), which a file dropped into a group chat would escape. `send_file` is
here for reports that carry no personal information.

Like `org.wechat`, the client uses the standard library with a timeout, and turns every failure
(network, HTTP status, WeCom's errcode) into `WeComError`, an ApplicationError with a Chinese
message: callers never see a raw socket error. Tests run it against a local fake server
(`reporting.tests.fake_wecom`). The robot's key is a secret: it never appears in a message or log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from org.errors import ApplicationError

logger = logging.getLogger(__name__)

# WeCom refuses a markdown message longer than 4096 bytes (UTF-8).
MARKDOWN_MAX_BYTES = 4096


class WeComError(ApplicationError):
    """The robot could not be reached, answered an HTTP error, or refused the message (errcode)."""

    def __init__(self, message: str, *, errcode: int | None = None):
        super().__init__(message, code="upstream_unavailable")
        self.errcode = errcode


def robot_name(webhook_url: str) -> str:
    """A stable name for a robot that can be shown and logged: a digest of the URL, not its key."""
    return "企业微信群机器人 " + hashlib.sha256(webhook_url.encode()).hexdigest()[:10]


def truncate_utf8(text: str, limit: int = MARKDOWN_MAX_BYTES) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "…"


class WeComRobot:
    def __init__(self, webhook_url: str, *, timeout: float | None = None):
        if not webhook_url.startswith(("https://", "http://")):
            raise WeComError(_("企业微信群机器人地址无效：应以 https:// 开头"))
        self.webhook_url = webhook_url
        self.timeout = timeout if timeout is not None else settings.WECOM_TIMEOUT_S
        self.name = robot_name(webhook_url)

    # -- messages ---------------------------------------------------------------------------------
    def send_markdown(self, text: str) -> None:
        self._post(self.webhook_url, json.dumps({"msgtype": "markdown", "markdown": {"content": truncate_utf8(text)}}).encode(),
                   "application/json")

    def send_file(self, *, name: str, content: bytes) -> str:
        """Upload `content` as a file named `name` and post it to the group; returns the media_id."""
        media_id = self.upload_media(name=name, content=content)
        self._post(self.webhook_url, json.dumps({"msgtype": "file", "file": {"media_id": media_id}}).encode(), "application/json")
        return media_id

    def upload_media(self, *, name: str, content: bytes) -> str:
        parts = urllib.parse.urlsplit(self.webhook_url)
        path = parts.path.rsplit("/", 1)[0] + "/upload_media"
        query = urllib.parse.urlencode([*urllib.parse.parse_qsl(parts.query), ("type", "file")])
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))
        boundary = "----bank" + secrets.token_hex(12)
        quoted = urllib.parse.quote(name)
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="media"; filename="{quoted}"; filename*=UTF-8\'\'{quoted}; filelength={len(content)}\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        body = head + content + f"\r\n--{boundary}--\r\n".encode()
        payload = self._post(url, body, f"multipart/form-data; boundary={boundary}")
        media_id = payload.get("media_id")
        if not media_id:
            raise WeComError(_("%(name)s 上传文件未返回 media_id") % {"name": self.name})
        return media_id

    # -- transport --------------------------------------------------------------------------------
    def _post(self, url: str, body: bytes, content_type: str) -> dict:
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310 (http/https only, checked above)
                payload = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise WeComError(_("%(name)s 返回 HTTP %(status)s，请稍后重试") % {"name": self.name, "status": exc.code}) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WeComError(_("暂时无法连接%(name)s（%(reason)s），请稍后重试") % {"name": self.name, "reason": type(reason).__name__}) from None
        except (ValueError, UnicodeDecodeError):
            raise WeComError(_("%(name)s 返回了无法识别的内容") % {"name": self.name}) from None
        errcode = int(payload.get("errcode") or 0) if isinstance(payload, dict) else -1
        if errcode:
            errmsg = str(payload.get("errmsg", ""))[:200] if isinstance(payload, dict) else ""
            raise WeComError(
                _("%(name)s 拒绝了消息（错误码 %(errcode)s：%(errmsg)s）") % {"name": self.name, "errcode": errcode, "errmsg": errmsg},
                errcode=errcode,
            )
        return payload
