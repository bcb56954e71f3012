"""The beat schedule, declared once in settings, names tasks that exist and runs them in Shanghai time."""

from django.conf import settings

from config.celery_app import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()  # autodiscovers every app's tasks.py, as the beat does
    missing = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if entry["task"] not in app.tasks}

    assert not missing, f"beat schedule names tasks that do not exist: {missing}"
    assert {"reporting.tasks.build_weekly_circulars", "org.tasks.audit_log_purge"} <= {
        e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_weekly_circulars_are_due_monday_0800_shanghai_and_the_purge_nightly():
    weekly = settings.CELERY_BEAT_SCHEDULE["weekly-circulars"]["schedule"]
    purge = settings.CELERY_BEAT_SCHEDULE["audit-log-purge"]["schedule"]

    assert (weekly.hour, weekly.minute, weekly.day_of_week) == ({8}, {0}, {1})
    assert (purge.hour, purge.minute, len(purge.day_of_week)) == ({3}, {30}, 7)
    assert app.conf.timezone == "Asia/Shanghai"
