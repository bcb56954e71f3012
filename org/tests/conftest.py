"""Fixtures of the org tests: the local fake WeChat server."""

import pytest

from org.testing.fake_wechat import FakeWeChatServer


@pytest.fixture(scope="session")
def _fake_wechat_server():
    with FakeWeChatServer(app_id="wx-test-app", secret="wx-test-secret") as server:
        yield server


@pytest.fixture
def fake_wechat(_fake_wechat_server, settings):
    """The fake WeChat server, with the settings pointing the real client at it."""
    server = _fake_wechat_server
    server.codes.clear()
    server.used.clear()
    server.requests.clear()
    server.delay_s = 0.0
    server.fail_with = None
    settings.WECHAT_API_BASE = server.url
    settings.WECHAT_APP_ID = server.app_id
    settings.WECHAT_APP_SECRET = server.secret
    settings.WECHAT_CLIENT_CLASS = "org.wechat.WeChatClient"
    return server
