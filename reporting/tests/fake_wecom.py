"""A local stand-in for WeCom's group-robot webhook, served over real HTTP.

    with FakeWeComServer() as server:
        url = server.webhook_url("robot-1")   # http://127.0.0.1:PORT/cgi-bin/webhook/send?key=robot-1

Like the real service it answers `{"errcode": 0, "errmsg": "ok"}`, refuses an unknown key with
errcode 93000, and `upload_media` returns a media_id. `status` (an HTTP status) or `errcode` makes
every request fail, to prove failures are recorded and retried. Every request is recorded in
`requests` as (path, query, parsed JSON body or the raw bytes of an upload)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeWeComServer:
    def __init__(self):
        self.keys: set[str] = set()
        self.requests: list[dict] = []
        self.status = 200
        self.errcode = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def webhook_url(self, key: str) -> str:
        self.keys.add(key)
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/cgi-bin/webhook/send?key={key}"

    def messages(self, key: str | None = None) -> list[dict]:
        return [r["json"] for r in self.requests if r["path"].endswith("/send") and (key is None or r["query"].get("key") == key)]

    def start(self) -> FakeWeComServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                server._handle(self)

            def log_message(self, format, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="fake-wecom", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeWeComServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        record = {"path": parts.path, "query": query, "content_type": handler.headers.get("Content-Type", ""), "raw": raw}
        if handler.headers.get("Content-Type", "").startswith("application/json"):
            record["json"] = json.loads(raw.decode("utf-8"))
        with self._lock:
            self.requests.append(record)
        if self.status != 200:
            handler.send_response(self.status)
            handler.end_headers()
            return
        if self.errcode:
            answer = {"errcode": self.errcode, "errmsg": "fake failure"}
        elif query.get("key") not in self.keys:
            answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
        elif parts.path.endswith("/upload_media"):
            answer = {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": f"media-{len(self.requests)}"}
        else:
            answer = {"errcode": 0, "errmsg": "ok"}
        body = json.dumps(answer).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
