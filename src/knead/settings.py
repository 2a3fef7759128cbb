"""Django settings, read from the environment.

Production-safe by default: DEBUG off, secure cookies, HSTS, strict headers. ``make demo`` sets
DEBUG=1 for a local, plain-HTTP demo. Variables:

- ``DATABASE_URL``: default ``sqlite:///<KNEAD_DATA_DIR>/knead.sqlite3``; PostgreSQL in production.
- ``SECRET_KEY``: required unless DEBUG; with DEBUG and none set, a random key is created once
  in ``KNEAD_DATA_DIR/secret_key``.
- ``DEBUG``: ``1``/``true`` to enable.
- ``ALLOWED_HOSTS``: comma-separated; default ``localhost,127.0.0.1``.
- ``KNEAD_DATA_DIR``: where the SQLite database, secret key and uploads live; default ``./var``.
- ``KNEAD_IDLE_MINUTES``: idle logout, default 15.
- ``KNEAD_HTTPS``: cookies marked Secure and HSTS sent; default on unless DEBUG.
- ``KNEAD_MAX_UPLOAD_MB``: a larger request is refused (413); default 50.
- ``CACHE_URL``: ``redis://…`` for a Redis cache; default the database cache.
- ``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``,
  ``DEFAULT_FROM_EMAIL``: outgoing mail over SMTP; with DEBUG and no ``EMAIL_HOST``, mail is
  printed to the console instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KNEAD_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = _flag("DEBUG", False)
HTTPS = _flag("KNEAD_HTTPS", not DEBUG)


MISSING_SECRET_KEY = (
    "SECRET_KEY is not set. Knead signs sessions and tokens with it, and every server of one "
    "installation needs the same one: set SECRET_KEY in the environment to a long random value "
    "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'). Only a demo on your own "
    "machine (DEBUG=1) makes one up."
)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if not DEBUG:
        raise ImproperlyConfigured(MISSING_SECRET_KEY)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "knead.accounts",
    "knead.audit",
    "knead.practice",
    "knead.clients",
    "knead.visits",
    "knead.dashboard",
    "knead.demo",
    "knead.api",
    "knead.claims",
    "knead.remittance",
    "knead.paperwork",
    "django_tasks",
    "django_tasks_db",
    "knead.jobs",
    "knead.ledger",
    "knead.ops",
]

MIDDLEWARE = [
    # First: it refuses an oversized request before anything reads the body.
    "knead.ops.limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "knead.accounts.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "knead.accounts.middleware.IdleLogoutMiddleware",
    "knead.accounts.middleware.LoginRequiredMiddleware",
    "knead.accounts.middleware.PracticeMiddleware",
    "knead.accounts.middleware.TwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "knead.urls"
WSGI_APPLICATION = "knead.wsgi.application"

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
                "knead.accounts.context.practice_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'knead.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle logout: the session expires this long after the last request.
IDLE_MINUTES = int(os.environ.get("KNEAD_IDLE_MINUTES", "15"))
SESSION_COOKIE_AGE = IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_SSL_REDIRECT = _flag("KNEAD_SSL_REDIRECT", HTTPS)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if _flag("KNEAD_BEHIND_PROXY", False) else None
)

# Login throttling: this many failures per username or address within the window lock it out.
LOGIN_MAX_FAILURES = int(os.environ.get("KNEAD_LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("KNEAD_LOGIN_LOCKOUT_MINUTES", "15"))

# Two-factor sign-in (django-otp): the code step after the password waits this long, and allows
# this many wrong codes, before the password must be entered again.
OTP_TOTP_ISSUER = "Knead"
TWO_FACTOR_PENDING_MINUTES = 5
TWO_FACTOR_MAX_FAILURES = 5

# Outgoing mail (password resets, sign-in alerts). Without EMAIL_HOST a production install sends
# through an MTA on localhost:25; a DEBUG demo prints mail to the console.
_EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not _EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = _EMAIL_HOST or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # a dead mail server must not hold a sign-in for long
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Knead <knead@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for an hour

# Long jobs (835 posting, month-end superbills …) run in `knead worker` processes, queued in the
# database (django-tasks with its ORM backend). A running job renews its lease every third of
# KNEAD_JOB_LEASE_SECONDS; a job whose lease ran out (its worker died) is run again by another
# worker, at most KNEAD_JOB_MAX_ATTEMPTS times in a row.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JOB_LEASE_SECONDS = float(os.environ.get("KNEAD_JOB_LEASE_SECONDS", "30"))
JOB_MAX_ATTEMPTS = int(os.environ.get("KNEAD_JOB_MAX_ATTEMPTS", "3"))

# Shared by every server and worker (login throttling …): the database by default, created by
# `knead migrate` (knead.ops's migration); Redis with CACHE_URL=redis://host:6379/0.
_cache_url = os.environ.get("CACHE_URL", "").strip()
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
elif _cache_url:
    raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "knead_cache",
        }
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TZ_NAME", "America/Los_Angeles")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here after collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "uploads"
FILE_UPLOAD_PERMISSIONS = 0o600
# A request over KNEAD_MAX_UPLOAD_MB is refused from its Content-Length, unread
# (knead.ops.limits); an uploaded file over 2.5 MB streams to a temporary file, not memory.
MAX_UPLOAD_BYTES = int(os.environ.get("KNEAD_MAX_UPLOAD_MB", "50")) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES

# No PHI in logs: request logs carry method, path (never the query string) and status; errors
# carry no bodies. gunicorn's logs get the same filter (knead.ops.server).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"path_only": {"()": "knead.ops.logs.PathOnlyFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
            "filters": ["path_only"],
        },
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["path_only"],
        },
        "knead": {"handlers": ["console"], "level": "INFO"},
    },
}
