"""System checks for configuration a deployment can get wrong."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register()
def check_celery_visibility_timeout(app_configs, **kwargs):
    errors = []
    vt = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if vt <= settings.CELERY_TASK_TIME_LIMIT:
        errors.append(
            Warning(
                "Redis visibility_timeout must exceed CELERY_TASK_TIME_LIMIT, or running tasks are re-delivered.",
                id="org.W001",
            )
        )
    return errors


# Secrets a production process must not run with: empty, short, or one of the values this
# repository ships for development, tests and the demo.
SECRET_SETTINGS = ("SECRET_KEY", "PII_HASH_KEY", "LOAN_WEBHOOK_SECRET")
MIN_SECRET_LENGTH = 32
KNOWN_WEAK_MARKERS = ("dev-only", "test-only", "change-me", "insecure", "demo", "example", "secret-key")


def weak_secrets() -> list[str]:
    """One Chinese-and-English line per secret setting that is empty, short or a shipped default."""
    problems = []
    for name in SECRET_SETTINGS:
        value = str(getattr(settings, name, "") or "")
        if not value:
            problems.append(f"{name} is empty / 未设置")
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters / 长度不足 {MIN_SECRET_LENGTH} 位")
        elif any(marker in value.lower() for marker in KNOWN_WEAK_MARKERS):
            problems.append(f"{name} is a development or demo value / 是开发或演示用的值")
    return problems


@register(Tags.security, deploy=True)
def check_secrets(app_configs, **kwargs):
    """`check --deploy` (and every check in production, see refuse_weak_secrets) fails on weak secrets."""
    return [
        Error(f"Weak secret: {problem}", hint="Set a random value of 32+ characters in the environment "
              "(python -c 'import secrets; print(secrets.token_urlsafe(48))').", id="org.E001")
        for problem in weak_secrets()
    ]


def refuse_weak_secrets() -> None:
    """Called at start-up when SECRETS_REQUIRED (production settings): the process does not start."""
    if getattr(settings, "SECRETS_REQUIRED", False) and (problems := weak_secrets()):
        raise ImproperlyConfigured("Refusing to start with weak secrets: " + "; ".join(problems))
