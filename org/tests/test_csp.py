"""Every page keeps to the Content-Security-Policy (issue 7 §5): walked in chromium as head office,
as a staff member and as a customer, collecting what the browser refused.

The crawler follows the links each page offers (same origin, GET, no downloads or sign-out), so a
new page is covered as soon as the navigation reaches it."""

import os
import re
from urllib.parse import urljoin, urlsplit

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from org.tests.factories import StaffFactory, user_for  # noqa: E402
from referrals.tests.reporting_data import known_week  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SKIP = re.compile(r"/(logout|download|export|poster|posters|archive)|\.(xlsx|csv|zip|pdf|png|svg)$|^/admin/|/i18n/|^/api/schema/")
MAX_PAGES = 45


def test_the_header_is_sent(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy


def _walk(page, base: str, start: list[str]) -> tuple[list[str], list[str]]:
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None)
    seen: set[str] = set()
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            response = page.goto(base + path)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                continue  # a file, not a page
            raise
        assert response is not None and response.status < 500, f"{path} answered {response and response.status}"
        page.wait_for_load_state("load")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlsplit(urljoin(base + path, href))
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.netloc == urlsplit(base).netloc and not SKIP.search(url.path) and target not in seen:
                queue.append(target)
    return sorted(seen), refused


def _sign_in(page, base, username, password):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state("load")


@pytest.fixture
def bank():
    data = known_week()
    t = data["tree"]
    user_for(StaffFactory(employee_no="HQ900", institution=t["HO"]), scope=t["HO"], password="Head-office-2024")
    user_for(data["A"], password="Staff-pass-2024")
    return data


def test_head_office_pages_keep_to_the_policy(browser, live_server, bank):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server.url, "HQ900", "Head-office-2024")
    seen, refused = _walk(page, live_server.url, ["/", "/referrals/dashboard/", "/api/docs/"])
    context.close()
    assert len(seen) >= 10, seen
    assert refused == []


def test_staff_and_public_pages_keep_to_the_policy(browser, live_server, bank):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    code = bank["A"].referral_codes.first()
    _seen, refused_public = _walk(page, live_server.url, ["/login/", f"/r/{code.token}"])
    _sign_in(page, live_server.url, bank["A"].employee_no, "Staff-pass-2024")
    seen, refused = _walk(page, live_server.url, ["/"])
    context.close()
    assert refused_public == [] and refused == []


def test_a_violation_would_be_caught(browser, live_server, bank):
    """The control: an inline style on a page is reported, so an empty list above means something."""
    context = browser.new_context()
    page = context.new_page()
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(live_server.url + "/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"https://cdn.example.com/x.png\">')")
    page.wait_for_timeout(300)
    context.close()
    assert refused and "img-src" in refused[0]
