"""Settings shared by every environment.

Everything that differs between machines comes from the environment (django-environ), see the
README's "Configuration" section. With nothing configured the product runs on SQLite with Celery
tasks executed in-process, which is what the quick start uses.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
    "org.apps.OrgConfig",
    "targets.apps.TargetsConfig",
    "referrals.apps.ReferralsConfig",
    "wealth.apps.WealthConfig",
    "retail_credit.apps.RetailCreditConfig",
    "outlets.apps.OutletsConfig",
    "reporting.apps.ReportingConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "org.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "org.middleware.RejectNulMiddleware",
    "org.middleware.IdleSessionTimeoutMiddleware",
    "org.middleware.AdminNetworkMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "org.User"
# Django's model backend, loading the user with what their scope reads (org.auth).
AUTHENTICATION_BACKENDS = ["org.auth.ScopedModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "org.context_processors.navigation",
                "org.context_processors.bank",
            ],
        },
    },
]

SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
}
# Database: SQLite unless DATABASE_URL says otherwise (postgres://user@host:5432/name).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Concurrent use of the embedded default (dev server threads, an in-process task): WAL lets
    # readers run beside the writer, IMMEDIATE takes the write lock when a transaction starts (a
    # deferred read-then-write transaction fails at once with "database is locked" instead of
    # waiting), and the busy timeout makes the second writer wait its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env.bool("DB_JIT", default=False):
    # PostgreSQL's JIT compiles any plan costed above 100,000 (every league table of the regional
    # bank) and spends seconds on it for queries that run in milliseconds: measured 2.9 s → 0.3 s.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
# A read replica for reporting (league tables, circulars, daily reports): DATABASE_REPLICA_URL, the
# same kind of database as DATABASE_URL, kept by streaming replication. See org/db.py and the README.
REPORTING_READ_REPLICA = False
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"], "CONN_HEALTH_CHECKS": True,
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
    REPORTING_READ_REPLICA = True
DATABASE_ROUTERS = ["org.db.ReportingReplicaRouter"]
# PostgreSQL work_mem of the reporting reads only (league tables, circulars, daily reports): their
# ranks over every person of a bank spill to disk with the server's default of 4 MB. Empty: leave it.
REPORTING_WORK_MEM = env.str("REPORTING_WORK_MEM", default="64MB")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when configured (shared by every web process, so rate limits hold across them).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bank"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time: Simplified Chinese and Asia/Shanghai by default; English through i18n.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded evidence and training files (org.uploads): size limits per kind, in MB.
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", default=20)
UPLOAD_VIDEO_MAX_MB = env.int("UPLOAD_VIDEO_MAX_MB", default=200)


def s3_storage(bucket: str) -> dict:
    """Uploaded files on an S3-compatible store (MinIO, Ceph RGW, a cloud bucket), private: every
    download goes through the product's own permission check (org.uploads.serve), never a public URL."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION_NAME", default="") or None,
            "location": env.str("S3_LOCATION", default=""),
            "default_acl": "private",
            "file_overwrite": False,
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
        },
    }


# Uploaded files: the local media folder by default, an S3-compatible bucket when S3_BUCKET_NAME is set.
S3_BUCKET_NAME = env.str("S3_BUCKET_NAME", default="")
STORAGES = {
    "default": s3_storage(S3_BUCKET_NAME) if S3_BUCKET_NAME else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Sessions end after 30 minutes idle (IdleSessionTimeoutMiddleware) and 12 hours in all.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_COOKIE_HTTPONLY = True

# Sign-in throttling: failures per account and per client within the window.
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env.int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", default=5)
LOGIN_FAILURE_LIMIT_PER_CLIENT = env.int("LOGIN_FAILURE_LIMIT_PER_CLIENT", default=20)
LOGIN_FAILURE_WINDOW_S = env.int("LOGIN_FAILURE_WINDOW_S", default=15 * 60)

# API tokens (org.tokens): refused this many days after issue, or after this many days unused.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=30)
API_TOKEN_IDLE_DAYS = env.int("API_TOKEN_IDLE_DAYS", default=7)

# The reverse proxies in front of the web processes (addresses or CIDRs, e.g. "127.0.0.1,10.0.8.0/24").
# Only a request from one of them has its X-Forwarded-For believed (org.ratelimit.client_ip); empty:
# every peer is the client itself.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# The admin site only from these networks (addresses or CIDRs); empty: from anywhere.
ADMIN_ALLOWED_NETWORKS = env.list("ADMIN_ALLOWED_NETWORKS", default=[])

# Personal information: the key of the keyed hash (HMAC-SHA256) for ID and card numbers.
PII_HASH_KEY = env.str("PII_HASH_KEY", default="dev-only-pii-key-change-me")

# Audit rows are kept this long, then purged nightly (PIPL: no longer than needed; the
# Cybersecurity Law asks for at least 180 days of logs, so less is refused).
AUDIT_LOG_RETENTION_DAYS = env.int("AUDIT_LOG_RETENTION_DAYS", default=3 * 365)

# Public base URL used in QR codes and circular links.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# E-mail (circular and report delivery, reporting.delivery): SMTP when EMAIL_HOST is set, else the
# console backend (development: the message is printed). Production always uses SMTP
# (config/settings/production.py), so an unset host shows as failed deliveries, never as mail in a log.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="通报系统 <noreply@bank.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
# WeCom group robots per institution code, JSON: {"BR01": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"};
# more robots per institution in the admin (通报接收人).
WECOM_ROBOT_WEBHOOKS = env.json("WECOM_ROBOT_WEBHOOKS", default={})
WECOM_TIMEOUT_S = env.float("WECOM_TIMEOUT_S", default=10.0)
# A copy that failed is tried again every 15 minutes (beat "deliveries-retry") up to this many
# attempts; a copy claimed by a worker that died is claimable again after the timeout.
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)
DELIVERY_CLAIM_TIMEOUT_S = env.int("DELIVERY_CLAIM_TIMEOUT_S", default=15 * 60)

# WeChat mini-program login (code2session). Tests point WECHAT_API_BASE at a local fake server.
# Unset (the default): WeChat sign-in is not enabled and /api/v1/auth/wechat answers 400 saying so.
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="https://api.weixin.qq.com")
WECHAT_CLIENT_CLASS = env.str("WECHAT_CLIENT_CLASS", default="org.wechat.WeChatClient")
WECHAT_BIND_CODE_TTL_S = env.int("WECHAT_BIND_CODE_TTL_S", default=24 * 3600)

# Loan-system webhook (INTERFACES.md).
LOAN_WEBHOOK_SECRET = env.str("LOAN_WEBHOOK_SECRET", default="dev-only-loan-webhook-secret")
LOAN_WEBHOOK_MAX_SKEW_S = 300
# Loan events dated more than this far in the future are rejected (clock skew allowance).
LOAN_EVENT_MAX_FUTURE_S = env.int("LOAN_EVENT_MAX_FUTURE_S", default=300)
LOAN_APPLICATION_URL = env.str("LOAN_APPLICATION_URL", default="https://loan.example-bank.cn/apply")

# Public scan page (/r/<token>): a client's repeated scans count once per window; scans and leads
# are rate-limited per client (keyed hash of address + user agent) with counters in the cache.
REFERRAL_SCAN_DEDUPE_WINDOW_S = env.int("REFERRAL_SCAN_DEDUPE_WINDOW_S", default=10 * 60)
REFERRAL_SCAN_RATE_LIMIT = env.int("REFERRAL_SCAN_RATE_LIMIT", default=30)
REFERRAL_SCAN_RATE_WINDOW_S = env.int("REFERRAL_SCAN_RATE_WINDOW_S", default=60)
REFERRAL_LEAD_RATE_LIMIT = env.int("REFERRAL_LEAD_RATE_LIMIT", default=5)
REFERRAL_LEAD_RATE_WINDOW_S = env.int("REFERRAL_LEAD_RATE_WINDOW_S", default=10 * 60)
# Most posters one ZIP download draws synchronously (larger scopes: choose a lower institution).
REFERRAL_POSTER_ARCHIVE_MAX = env.int("REFERRAL_POSTER_ARCHIVE_MAX", default=5000)
# Processes that draw an archive's posters (unset: up to four of the machine's cores).
REFERRAL_POSTER_WORKERS = env.int("REFERRAL_POSTER_WORKERS", default=None)

# The bank as the public scan page names it: name, logo (a static path or an https URL), service
# hotline, and the data controller of the privacy notice with its contact (PIPL art. 17).
BANK_NAME = env.str("BANK_NAME", default="示例商业银行")
BANK_LOGO = env.str("BANK_LOGO", default="img/bank-logo.svg")
BANK_HOTLINE = env.str("BANK_HOTLINE", default="400-000-0000")
DATA_CONTROLLER_NAME = env.str("DATA_CONTROLLER_NAME", default="示例商业银行股份有限公司")
DATA_CONTROLLER_CONTACT = env.str("DATA_CONTROLLER_CONTACT", default="个人信息保护负责人 · privacy@bank.example · 400-000-0000")

# A stale or missing CSRF token gets the Chinese 403 page with the navigation.
CSRF_FAILURE_VIEW = "org.views.csrf_failure"

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from our own origin only —
# no inline <script>, no style="" attributes, no on* handlers, no CDN. Every page keeps to it
# (org/tests/test_csp.py walks them in chromium); new pages put their JS in static/js and pass data
# with json_script / data- attributes. QR images are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# API docs and schema (/api/schema/, /api/docs/, /api/redoc/): public in development and the demo,
# sign-in required in production (config/settings/production.py).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "org.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "org.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "org.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "转介与营销过程管理 API",
    "DESCRIPTION": "员工小程序与行内系统接口。Token 认证：Authorization: Token <token>。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind"/"status" field; name each choice set so the schema is stable.
    "ENUM_NAME_OVERRIDES": {
        "InstitutionKindEnum": "org.models.InstitutionKind", "ContactOutcomeEnum": "referrals.models.ContactOutcome",
        "VipContactKindEnum": "outlets.models.ContactKind",
    },
}

# Celery: Redis broker when configured; otherwise tasks run in-process (eager).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# A request that queues work gives up after this many seconds when the broker is down (org.queue).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=3.0)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# The visibility timeout must exceed the longest task, or Redis re-delivers a running task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat builds circulars for the head office, branches and sub-branches; outlets too when on
# (otherwise an outlet's circular is built on its first download and stored).
CIRCULARS_FOR_OUTLETS = env.bool("CIRCULARS_FOR_OUTLETS", default=False)
# The one place the beat schedule is declared.
CELERY_BEAT_SCHEDULE = {
    "weekly-circulars": {
        "task": "reporting.tasks.build_weekly_circulars",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
    "monthly-circulars": {
        "task": "reporting.tasks.build_monthly_circulars",
        "schedule": crontab(hour=8, minute=0, day_of_month="1"),
    },
    "daily-reports": {
        "task": "reporting.tasks.build_daily_reports",
        "schedule": crontab(hour=7, minute=30),
    },
    # Facts and flag decisions that arrive after a circular went out: corrected editions, 8 weeks back.
    "circular-corrections": {
        "task": "reporting.tasks.rebuild_changed_circulars",
        "schedule": crontab(hour=2, minute=30),
    },
    # A PK contest's result is frozen the night after its period ends.
    "contests-freeze": {
        "task": "targets.tasks.freeze_ended_contests",
        "schedule": crontab(hour=0, minute=30),
    },
    # A stock-customer list is closed (its funnel frozen) the night after its end date.
    "customer-lists-close": {
        "task": "referrals.tasks.customer_lists_close_ended",
        "schedule": crontab(hour=0, minute=40),
    },
    # Outlet marketing: customers reaching the VIP threshold become VIPs nightly; the first morning
    # of a quarter grades the outlets and chooses the elite club of the quarter just ended.
    "outlets-vips-refresh": {
        "task": "outlets.tasks.vips_refresh",
        "schedule": crontab(hour=0, minute=50),
    },
    "outlets-quarter-close": {
        "task": "outlets.tasks.quarter_close",
        "schedule": crontab(hour=6, minute=0, day_of_month="1", month_of_year="1,4,7,10"),
    },
    # Last month's recording spot checks (2053): a reproducible sample per branch, on the 1st.
    "wealth-spot-checks": {
        "task": "wealth.tasks.spot_checks_draw_last_month",
        "schedule": crontab(hour=6, minute=0, day_of_month="1"),
    },
    # The head office's home shows the bank's 2053 week as last computed (seconds for the whole bank).
    "wealth-home-week": {
        "task": "wealth.tasks.home_week_refresh",
        "schedule": crontab(minute="*/15", hour="7-21"),
    },
    "audit-log-purge": {
        "task": "org.tasks.audit_log_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    # Leads are kept no longer than the privacy notice on the scan page says (180 days).
    "referral-leads-purge": {
        "task": "referrals.tasks.leads_purge_expired",
        "schedule": crontab(hour=3, minute=40),
    },
    # Circulars and reports whose e-mail or WeCom message failed: tried again (never re-sent to a
    # recipient already served) until DELIVERY_MAX_ATTEMPTS.
    "deliveries-retry": {
        "task": "reporting.tasks.deliver_pending",
        "schedule": crontab(minute="*/15"),
    },
}
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

REFERRAL_CODE_TTL = timedelta(days=0)  # 0: personal codes do not expire; revocation ends them
