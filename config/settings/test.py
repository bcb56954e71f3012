"""The test suite. Same database choice as base: SQLite by default, PostgreSQL with DATABASE_URL."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PII_HASH_KEY = "test-pii-key"
LOAN_WEBHOOK_SECRET = "test-loan-webhook-secret"
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/bank-test-media")
