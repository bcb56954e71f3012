"""Local development and the quick-start demo."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-not-for-production")

# The demo shows the mini-program team its API docs without signing in.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
