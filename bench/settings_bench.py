"""Settings for the referral benchmarks: the product's own settings plus the floor URL.

The scan floor (`bench/scan_floor/`) is mounted only here, never in the product's URLconf. The
load comes from one loopback address, so the public pages' per-client rate limits are raised (each
request still sends its own user agent, so every scan is a new client and costs its INSERT)."""

from config.settings.base import *  # noqa: F401,F403
from config.settings.base import BASE_DIR, TEMPLATES, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="bench-only-secret-key")
ROOT_URLCONF = "bench.scan_floor.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "scan_floor" / "templates"]
REFERRAL_SCAN_RATE_LIMIT = 10**9
REFERRAL_LEAD_RATE_LIMIT = 10**9
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
