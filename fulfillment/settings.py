"""Settings of the fulfillment CRM, read only from environment variables.

The embedded default (``make run``/``make test``) sets ``DJANGO_DEBUG=true`` and needs nothing
else: SQLite, Celery tasks run eagerly in-process, e-mail to the console. With ``DEBUG`` off
(production) there is no default secret key, database or broker: a deploy that forgets one of
them stops at start with a message naming the variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _required_in_production(name: str, embedded_default: str) -> str:
    """Return the variable, the embedded default under DEBUG, or fail loudly in production."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return embedded_default
    raise ImproperlyConfigured(
        f"Environment variable {name} is required when DJANGO_DEBUG is off (production). "
        "See .env.example for every variable."
    )


SECRET_KEY = _required_in_production("DJANGO_SECRET_KEY", "embedded-default-insecure-key")
if not DEBUG and (
    SECRET_KEY.lower().startswith(("change-me", "django-insecure")) or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a placeholder or too short: production needs at least 50 random "
        'characters, e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "fulfillment",
    "deals",
    "contracts",
    "warehouse",
    "bitrix",
    "reports",
    "deadlines",
    "documents",
    "correspondence",
    "portal",
]

MIDDLEWARE = [
    # /healthz and /readyz, answered before anything that could refuse a probe.
    "fulfillment.health.HealthMiddleware",
    # The request id, and the one log line of each request.
    "fulfillment.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A client's session stays inside /client/ (the client portal).
    "portal.middleware.ClientAreaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fulfillment.urls"
WSGI_APPLICATION = "fulfillment.wsgi.application"
ASGI_APPLICATION = "fulfillment.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fulfillment.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default=_required_in_production("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend plus ``PRAGMA optimize`` on close: statistics that keep the plans good.
    DATABASES["default"]["ENGINE"] = "fulfillment.sqlite"
    # Wait for a lock instead of failing at once when the dev server and a shell write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # Behind PgBouncer in transaction pooling a cursor may not outlive its transaction.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DATABASE_PGBOUNCER", default=False
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploads are never served publicly: /files/ checks permissions and streams them.
MEDIA_URL = "/files/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads on S3-compatible object storage when a bucket is named (django-storages); the files
# stay private: /files/ checks permissions, then redirects to a URL signed for a few minutes.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default=""),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=""),
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": None,  # the bucket's own: private
            "querystring_auth": True,
            "querystring_expire": env.int("S3_URL_SECONDS", default=300),
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")
# The CRM's address as people open it: e-mails link to its pages with it in front.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# E-mail with clients (correspondence/): sent from CLIENT_MAIL_FROM over the SMTP settings
# above; replies go to CLIENT_MAIL_REPLY_TO plus-addressed per deal («crm+d12.…@…»), a mailbox
# read over IMAP every minute. With no IMAP_HOST, replies are not read.
CLIENT_MAIL_FROM = env.str("CLIENT_MAIL_FROM", default=DEFAULT_FROM_EMAIL)
CLIENT_MAIL_REPLY_TO = env.str("CLIENT_MAIL_REPLY_TO", default=CLIENT_MAIL_FROM)
IMAP_HOST = env.str("IMAP_HOST", default="")
IMAP_PORT = env.int("IMAP_PORT", default=993)
IMAP_SSL = env.bool("IMAP_SSL", default=True)
IMAP_USER = env.str("IMAP_USER", default="")
IMAP_PASSWORD = env.str("IMAP_PASSWORD", default="")
IMAP_FOLDER = env.str("IMAP_FOLDER", default="INBOX")

# Celery: Redis in production; the embedded default runs every task eagerly in-process.
CELERY_BROKER_URL = _required_in_production("CELERY_BROKER_URL", "memory://")
# Workers log through LOGGING below, so their lines carry the request id like the web's.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Work split into queues, a worker per queue in production (docker-compose.yml): the automation
# of moves, notification e-mails, phone pushes; the rest (imports) on the default queue. A
# worker started without -Q takes every queue.
CELERY_TASK_ROUTES = {
    "deals.tasks.*": {"queue": "automation"},
    "deadlines.tasks.*": {"queue": "automation"},
    "fulfillment.tasks.*": {"queue": "email"},
    "correspondence.tasks.*": {"queue": "email"},
    "portal.tasks.*": {"queue": "email"},
    "warehouse.tasks.send_push_notifications": {"queue": "push"},
}
CELERY_TASK_QUEUES = [
    Queue(name) for name in (CELERY_TASK_DEFAULT_QUEUE, "automation", "email", "push")
]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Automation jobs: attempts before a job is «failed» (then an administrator runs it again),
# the retry countdown (exponential from the base, jittered, capped), and how long a sent job
# is left to its delivery before the sweep sends it again.
AUTOMATION_MAX_ATTEMPTS = env.int("AUTOMATION_MAX_ATTEMPTS", default=8)
AUTOMATION_RETRY_BASE_SECONDS = env.float("AUTOMATION_RETRY_BASE_SECONDS", default=10.0)
AUTOMATION_RETRY_MAX_SECONDS = env.float("AUTOMATION_RETRY_MAX_SECONDS", default=600.0)
AUTOMATION_LEASE_SECONDS = env.int("AUTOMATION_LEASE_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    # Re-send automation jobs still pending (lost to a broker outage or a crashed worker).
    "sweep-automation-jobs": {"task": "deals.tasks.sweep_automation_jobs", "schedule": 60.0},
    "sweep-notification-emails": {
        "task": "fulfillment.tasks.sweep_notification_emails",
        "schedule": 60.0,
    },
    # Stage deadlines: a reminder once a deadline passes (exactly once per entry into a
    # stage), and each person's overdue deals at 08:00 on working days (CELERY_TIMEZONE).
    "sweep-deadline-reminders": {
        "task": "deadlines.tasks.sweep_deadline_reminders",
        "schedule": 60.0,
    },
    "overdue-digests": {
        "task": "deadlines.tasks.send_overdue_digests",
        "schedule": crontab(hour=8, minute=0),
    },
    # E-mail with clients: send what the on-commit delivery did not, read the replies.
    "sweep-client-emails": {"task": "correspondence.tasks.sweep_outgoing", "schedule": 60.0},
    "read-client-mailbox": {"task": "correspondence.tasks.mailbox_read", "schedule": 60.0},
}
REDIS_URL = env.str("REDIS_URL", default="")

# The cache holds the API's login throttle counters: shared by every web process in production
# (Redis), in-process for the embedded default.
CACHES = {"default": env.cache_url("DJANGO_CACHE_URL", default="locmemcache://")}
# A signed-in request reads its session from the cache (written through to the database:
# cached_db) instead of querying the database. Only with a cache every process shares (Redis)
# or in the embedded default's single process: a per-process cache would keep serving a
# session that another process has ended.
SESSION_ENGINE = "django.contrib.sessions.backends." + (
    "cached_db" if DEBUG or not CACHES["default"]["BACKEND"].endswith("LocMemCache") else "db"
)

# Error reports to Sentry (web requests and Celery jobs), people by id only.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from fulfillment.error_reports import sentry_init, with_user_ids

    sentry_init(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=""),
    )
    MIDDLEWARE = with_user_ids(MIDDLEWARE)

# Prometheus' /metrics (fulfillment.metrics): only with this token, sent as a Bearer token.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# One line per request (fulfillment.logs); every line carries the request id; JSON lines for a
# log collector with DJANGO_LOG_FORMAT=json.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "fulfillment.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "fulfillment.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": env.str("CELERY_LOG_LEVEL", default="WARNING")},
        # WeasyPrint logs every step of every PDF at INFO; its warnings are what matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# The covering indexes of the history (deals/0014) INCLUDE columns on PostgreSQL; SQLite, the
# embedded default, has no INCLUDE and uses them as plain indexes, which is what it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Attempt limits on signing in (django-axes; fulfillment/login_limits.py) ---
# Failed sign-ins are counted per client address and per login, on the login page, the admin
# and the API token alike; past the limit a try is refused before the password is hashed until
# the cool-off has passed (an administrator unlocks earlier: admin «Access attempts» or
# `manage.py axes_reset`).
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "fulfillment.login_limits.client_address"
AXES_LOCKOUT_CALLABLE = "fulfillment.login_limits.lockout_response"
AXES_VERBOSE = False
# Password reset requests (each sends an e-mail) per client address and hour.
PASSWORD_RESET_PER_HOUR = env.int("PASSWORD_RESET_PER_HOUR", default=5)

# --- The edge: reverse proxy, HTTPS, protected downloads ---
# Reverse proxies in front of the app (the production stack's nginx: 1). Only then are the
# proxy's X-Forwarded-For (client address) and X-Forwarded-Proto (HTTPS) believed; with 0 a
# client's own headers count for nothing.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
# Set behind nginx (deploy/nginx.conf: "/protected/"): a permitted download answers an empty
# body with X-Accel-Redirect and nginx sends the file; empty: Django streams it.
FILES_X_ACCEL_REDIRECT_PREFIX = env.str("FILES_X_ACCEL_REDIRECT_PREFIX", default="")
if NUM_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only in production (each can be turned off for a deploy that really needs it).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
# Content Security Policy (django-csp): scripts and styles only from our own static files, no
# inline script or style anywhere (the pages, the admin and Swagger UI need none).
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

# --- REST API ---
# Token (integrations, scripts, phones) and session (the pages' own calls) authentication;
# every list paginated; errors in one shape (fulfillment/api/errors.py); the OpenAPI schema
# at /api/schema/ with Swagger UI at /api/docs/, its assets served from our static files.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fulfillment.api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON parser with a nesting limit and finite numbers only (400, never a 500).
    "DEFAULT_PARSER_CLASSES": ["fulfillment.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The OpenAPI schema describes every endpoint; OPTIONS answers 405 instead.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "fulfillment.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "fulfillment.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "fulfillment.api.errors.api_exception_handler",
    # POST /api/auth/token/ guesses passwords slowly: per client address and per login.
    "DEFAULT_THROTTLE_RATES": {
        "auth-token": env.str("API_TOKEN_RATE_PER_ADDRESS", default="20/min"),
        "auth-token-login": env.str("API_TOKEN_RATE_PER_LOGIN", default="10/min"),
    },
    # Proxies in front of the app whose X-Forwarded-For is trusted for the client address
    # (0: the connection's address, which a client cannot forge).
    "NUM_PROXIES": NUM_PROXIES,
}
# An API token lives this long from its creation (0: for ever); a password change revokes it.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24 * 30)
SPECTACULAR_SETTINGS = {
    "TITLE": "Fulfillment CRM API",
    "DESCRIPTION": (
        "Deals of the five pipelines, their moves, tasks, companies and contacts, with the "
        "same rules as the pages. Authenticate with `Authorization: Token <key>` "
        '(POST /api/auth/token/) or the session. Errors answer `{"detail": …}`; a refused '
        "request may add `errors` (per field code) or `missing_fields` (required field codes)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "deals.api.schema.pipeline_stage_enums",
        "drf_spectacular.hooks.postprocess_schema_enums",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PipelineEnum": "deals.pipelines.pipeline_choices",
        "StageKindEnum": "deals.pipelines.base.StageKind",
        "TransitionKindEnum": "deals.pipelines.base.TRANSITION_KINDS",
        "TaskKindEnum": "deals.models.Task.Kind",
        "TaskStatusEnum": "deals.models.Task.Status",
    },
}

# --- Web Push ---
# Phone notifications of the warehouse pages (warehouse/push.py). Enabled only when both VAPID
# keys are set; `python manage.py webpush_keys` prints a fresh pair. The private key is the
# base64url form that key prints (or a path to a PEM file).
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default=f"mailto:{DEFAULT_FROM_EMAIL}")
WEBPUSH_ENABLED = bool(WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY)
# Hosts a browser's push endpoint may be on (``*.x`` = any subdomain of x): the real push
# services only, so the worker never connects to an address a user chose.
WEBPUSH_ALLOWED_HOSTS = env.list(
    "WEBPUSH_ALLOWED_HOSTS",
    default=[
        "fcm.googleapis.com",
        "android.googleapis.com",
        "updates.push.services.mozilla.com",
        "*.push.services.mozilla.com",
        "*.notify.windows.com",
        "web.push.apple.com",
        "*.push.apple.com",
    ],
)
WEBPUSH_TITLE = _("Fulfillment CRM")
