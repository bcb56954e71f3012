"""System checks for configuration a deployment can get wrong."""

from django.conf import settings
from django.core.checks import Warning, register


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
