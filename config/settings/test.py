"""The test suite. Same database choice as base: SQLite by default, PostgreSQL with DATABASE_URL."""

from .base import *  # noqa: F401,F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PII_HASH_KEY = "test-pii-key"
LOAN_WEBHOOK_SECRET = "test-loan-webhook-secret"
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/bank-test-media")

# A run can choose its own test database so parallel runs (CI, a developer) never collide.
if TEST_DATABASE_NAME := env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}

# A replica alias mirroring the test database (never used unless a test sets
# REPORTING_READ_REPLICA and asks for the "replica" database): org/tests/test_read_replica.py.
if "replica" not in DATABASES:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

# Tests run tasks in-process even when a broker is configured, so a test sees a task's effect
# inside its own transaction. The round trip through Redis to a real worker is proved by the tests
# marked `celery_worker`, which switch eager mode off for themselves (see conftest.py).
CELERY_TASK_ALWAYS_EAGER = True

# Each test sees its own campaigns: no per-process memo of the scan page's offer.
REFERRAL_OFFER_LOCAL_S = 0

# The schema is read by many tests as a developer would; the production rule (sign-in required) is
# tested on its own in org/tests/test_api_schema.py.
API_DOCS_PUBLIC = True
