"""What the chromium tests share: signing in through the login form, and putting back the rows a
data migration created (a transactional test flushes them, and the next browser test would then
run without wealth's 2053 rule)."""

from __future__ import annotations

from playwright.sync_api import expect


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_have_text("工作台")


def restore_migrated_defaults() -> None:
    from importlib import import_module

    from django.apps import apps

    import_module("wealth.migrations.0002_default_rule_and_products").forward(apps, None)
