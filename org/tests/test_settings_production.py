"""Production settings: nothing secret without the environment, and `check --deploy` clean.

Each test starts a fresh interpreter with a clean environment (only PATH and HOME), so nothing set
for the test run itself can leak in and hide a missing variable.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FULL_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "PII_HASH_KEY": secrets.token_urlsafe(32),
    "LOAN_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    "DJANGO_ALLOWED_HOSTS": "referral.example-bank.cn",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
    clean |= {"DJANGO_SETTINGS_MODULE": "config.settings.production", **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "PII_HASH_KEY", "LOAN_WEBHOOK_SECRET", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_each_required_variable(missing):
    env = {k: v for k, v in FULL_ENV.items() if k != missing}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_with_its_environment_passes_check_deploy_without_a_single_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=FULL_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_does_flag_a_production_setting_turned_unsafe():
    # The clean result above means something only if the same check notices a weakened setting.
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**FULL_ENV, "DJANGO_SECURE_SSL_REDIRECT": "false"})

    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_production_runs_in_shanghai_time_in_chinese_with_debug_off_and_bank_session_limits():
    code = (
        "from django.conf import settings as s;"
        "print(s.TIME_ZONE, s.LANGUAGE_CODE, s.DEBUG, s.SESSION_COOKIE_AGE, s.SESSION_IDLE_TIMEOUT, s.SESSION_COOKIE_SECURE)"
    )
    result = manage("shell", "-c", code, env=FULL_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["Asia/Shanghai", "zh-hans", "False", "43200", "1800", "True"]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("LOAN_WEBHOOK_SECRET", "", "empty"),  # an event signed with an empty key was applied
        ("PII_HASH_KEY", "dev-only-pii-key-change-me", "shorter than 32"),
        ("PII_HASH_KEY", "dev-only-pii-key-change-me-and-longer-than-32-chars", "development or demo value"),
        ("DJANGO_SECRET_KEY", "short", "shorter than 32"),
    ],
)
def test_production_refuses_to_start_with_an_empty_short_or_demo_secret(name, value, reason):
    result = manage("check", env={**FULL_ENV, name: value})

    assert result.returncode != 0
    assert "Refusing to start with weak secrets" in result.stderr
    assert reason in result.stderr
    assert name.removeprefix("DJANGO_") in result.stderr


def test_check_deploy_reports_weak_secrets_as_errors(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.LOAN_WEBHOOK_SECRET = ""
    with pytest.raises(SystemCheckError) as err:
        call_command("check", "--deploy", "--tag", "security")
    assert "org.E001" in str(err.value) and "LOAN_WEBHOOK_SECRET is empty" in str(err.value)
