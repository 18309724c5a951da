"""Lastmile settings, read from the environment.

Nothing set means the embedded world: SQLite, Celery tasks run in-process, email to the
console. DATABASE_URL, REDIS_URL and EMAIL_HOST switch to PostgreSQL, Redis and SMTP.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

# Required when DEBUG is off, but not here: a missing key must still let `manage.py <command>
# --help` answer on a fresh clone. Every command that does work stops at the system check
# lastmile.E001, and the web and worker processes refuse to start (core.checks).
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "core",
    "accounts",
    "partnerships",
    "events",
    "agreements",
]

MIDDLEWARE = [
    "core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.scopes.ScopeMiddleware",  # every request in a checked tenant scope
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.memberships",
            ],
        },
    },
]

# Database: SQLite unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and shared cache. Without it, tasks run in-process.
# The cache holds only rate limits and short-lived marks (sessions are in the database)
# and fails open: with Redis unreachable, logins work and the limits are off, with a
# warning logged (core/cache.py). Short timeouts, so a hung Redis does not hang requests.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 400_000  # KiB; PDF rendering grows a worker
# Every task is killed at its hard time limit; the longest one is the badge sheet.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
BADGE_EXPORT_SOFT_TIME_LIMIT = 300
BADGE_EXPORT_TIME_LIMIT = 360  # events.tasks.badge_export_task, the longest task
# How long a render holds its row (core.leases): beyond the task's hard limit, so a live
# render never loses it, and a redelivery takes over a dead one's within minutes.
RENDER_LEASE_SECONDS = int(env("LASTMILE_RENDER_LEASE_SECONDS", str(CELERY_TASK_TIME_LIMIT + 30)))
BADGE_EXPORT_LEASE_SECONDS = int(
    env("LASTMILE_BADGE_EXPORT_LEASE_SECONDS", str(BADGE_EXPORT_TIME_LIMIT + 30))
)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Redis hands a message that was delivered but not acknowledged to another worker after
# the visibility timeout. Just above the longest hard time limit (and above the longest
# wait of a retry: a lease, or core.tasks.RETRY_BACKOFF_MAX), a live task is not handed
# out twice, and a killed worker's messages come back in 7 minutes instead of an hour.
BROKER_VISIBILITY_TIMEOUT = BADGE_EXPORT_TIME_LIMIT + 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "socket_timeout": 2,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "core.tasks.outbox_relay_task", "schedule": 30.0},
    "event-reminders": {"task": "events.tasks.event_reminders_task", "schedule": 300.0},
    "email-redeliver": {"task": "core.tasks.email_redeliver_task", "schedule": 600.0},
    "invitation-redeliver": {"task": "accounts.tasks.invitation_redeliver_task", "schedule": 600.0},
    "event-work-redeliver": {"task": "events.tasks.event_work_redeliver_task", "schedule": 600.0},
    # Hourly: statuses follow the calendar soon after midnight; reminders stay once a day.
    "agreements-daily": {"task": "agreements.tasks.agreements_daily_task", "schedule": 3600.0},
    # The audit chains' heads, signed with the platform's key (agreements.checkpoints),
    # at a fixed time each day: an interval would restart with each beat restart (its
    # schedule file is not kept), and a day without one is reported as a problem.
    "audit-checkpoint": {
        "task": "agreements.tasks.audit_checkpoint_task",
        "schedule": crontab(minute=10, hour=0),
    },
    "agreement-work-redeliver": {
        "task": "agreements.tasks.agreement_work_redeliver_task",
        "schedule": 600.0,
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth (65.x setting names)
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lastmile] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Per key (the account) strictly; per IP loosely, since behind a proxy many people share
# one address unless ALLAUTH_TRUSTED_PROXY_COUNT is set.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/5m/ip,5/5m/key"}
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("ALLAUTH_TRUSTED_PROXY_COUNT", "0"))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Lastmile"

# Internationalisation
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Uploads are private: they are served only through views that check access.
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("DJANGO_MANIFEST_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True  # serve straight from static/ when collectstatic has not run
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880

# Email: console unless an SMTP host is given.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Lastmile <noreply@lastmile.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Django REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous call gets 401 with WWW-Authenticate.
        "accounts.authentication.StrictTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lastmile API",
    "DESCRIPTION": "Organisations, members, events and agreements, scoped to your organisations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a "kind" and three a "status" choice field: name their enums apart.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "accounts.models.OrganisationKind",
        "AgreementKindEnum": "agreements.models.AgreementKind",
        "AgreementStatusEnum": "agreements.models.AgreementStatus",
        "EventStatusEnum": "events.models.EventStatus",
        "RegistrationStatusEnum": "events.models.RegistrationStatus",
    },
}

# Security: strict whenever DEBUG is off (each can be relaxed from the environment).
SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000" if SECURE else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", SECURE)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", SECURE)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) is believed only from these addresses or
# networks; anyone else's is dropped (core.middleware.TrustedProxyMiddleware).
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1")

# Content-Security-Policy (django-csp) on every response: our own scripts and styles only,
# nothing inline (templates keep their JS in static/js and their CSS in lastmile.css).
# data: images are the QR codes of two-factor set-up and check-in, and drawn signatures.
# Uploads keep their stricter `sandbox` policy (core.files); the PDF preview may be framed
# by our own pages, and the API docs allow swagger-ui's inline style (their views say so).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Lastmile's own limits
# Uploaded images (core/validators.py): bytes on disk, and pixels once decoded. A 17 KB
# PNG can declare 12,000 x 12,000 pixels and take 1.4 GB to render, and Pillow itself
# only warns below 89 megapixels, so each field has a limit well below that.
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 4_000_000  # e.g. 2,000 x 2,000
SEAL_MAX_BYTES = 1024 * 1024
SEAL_MAX_PIXELS = 2_000_000  # e.g. 1,400 x 1,400: a seal prints about 4 cm wide
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_PIXELS = 25_000_000  # e.g. 6,000 x 4,000, a good camera's photo
INVITATION_VALID_DAYS = 14
# Absolute links in emails point here.
LASTMILE_BASE_URL = env("LASTMILE_BASE_URL", "http://127.0.0.1:8000")
ADMIN_URL = env("DJANGO_ADMIN_URL", "admin/")
FORM_RENDERER = "core.forms_renderer.FormRenderer"

# Agreements: the platform's PDF signing key and certificate (PEM files). Without them a
# self-signed development pair is generated into LASTMILE_SIGNING_DIR.
LASTMILE_SIGNING_KEY = env("LASTMILE_SIGNING_KEY", "")
LASTMILE_SIGNING_CERT = env("LASTMILE_SIGNING_CERT", "")
LASTMILE_SIGNING_DIR = env("LASTMILE_SIGNING_DIR", str(BASE_DIR / "var" / "signing"))
# Generating that development pair is allowed only in development (and tests): in
# production every process must sign with the one configured key.
LASTMILE_SIGNING_DEV_KEY = env_bool("LASTMILE_SIGNING_DEV_KEY", DEBUG)
# Every audit checkpoint's digest is appended here too (agreements.checkpoint_log), for
# verify_audit_chains to compare with the database: put it, or ship it, out of the reach
# of whoever can write to the database.
LASTMILE_CHECKPOINT_LOG = env(
    "LASTMILE_CHECKPOINT_LOG", str(BASE_DIR / "var" / "audit-checkpoints.jsonl")
)
VERIFY_MAX_BYTES = 20 * 1024 * 1024
VERIFY_RATE_PER_10_MIN = 60
FORMAT_MODULE_PATH = ["config.formats"]
