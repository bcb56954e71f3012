"""A local stand-in for WeChat's `sns/jscode2session`, served over real HTTP.

    with FakeWeChatServer(app_id="wx-test", secret="s3cret") as server:
        server.add_code("code-1", openid="o-alice")
        settings.WECHAT_API_BASE = server.url

Like the real service, a code works once (errcode 40163 the second time), an unknown code answers
errcode 40029, and a wrong appid/secret answers 40013/40125. `delay_s` makes it slow, to prove the
client's timeout. Every request is recorded in `requests` (the parsed query)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeWeChatServer:
    def __init__(self, *, app_id: str = "wx-demo-app", secret: str = "demo-secret"):
        self.app_id = app_id
        self.secret = secret
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.requests: list[dict[str, str]] = []
        self.delay_s = 0.0
        self.fail_with: tuple[int, str] | None = None  # force an errcode for every request
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- test API -------------------------------------------------------------------------------
    def add_code(self, code: str, *, openid: str) -> str:
        with self._lock:
            self.codes[code] = openid
        return code

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeWeChatServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server._handle(self)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-wechat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeWeChatServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the fake service -----------------------------------------------------------------------
    def _answer(self, query: dict[str, str]) -> dict:
        if self.fail_with is not None:
            return {"errcode": self.fail_with[0], "errmsg": self.fail_with[1]}
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if query.get("appid") != self.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        code = query.get("js_code", "")
        with self._lock:
            if code in self.used:
                return {"errcode": 40163, "errmsg": "code been used"}
            openid = self.codes.get(code)
            if openid is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            self.used.add(code)
        return {"openid": openid, "session_key": "fake-session-key"}

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append({"path": parts.path, **query})
        if self.delay_s:
            time.sleep(self.delay_s)
        if parts.path != "/sns/jscode2session":
            handler.send_response(404)
            handler.end_headers()
            return
        body = json.dumps(self._answer(query)).encode()
        # WeChat answers text/plain JSON, even for errors; the client must not rely on the type.
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and went away
            pass
