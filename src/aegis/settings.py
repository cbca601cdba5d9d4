"""Aegis settings, read from the environment.

AEGIS_HOME (default ./var) holds the SQLite database, media and generated secrets.
Secrets come from AEGIS_<NAME> variables or AEGIS_<NAME>_FILE files, never from the repo.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
AEGIS_HOME = Path(os.environ.get("AEGIS_HOME", "./var")).resolve()
SECRETS_DIR = AEGIS_HOME / "secrets"

# Everything this process creates (AEGIS_HOME, the SQLite database and its -wal and -shm
# files, media, logs) is readable by the service account only: 0700 folders, 0600 files.
os.umask(0o077)


def _unwritable(error: OSError) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Cannot write in AEGIS_HOME ({AEGIS_HOME}): {error.strerror or error}. Set AEGIS_HOME "
        "to a folder this account may write (it holds the instance's secrets and data)."
    )


try:
    AEGIS_HOME.mkdir(parents=True, exist_ok=True, mode=0o700)
except OSError as error:
    raise _unwritable(error) from error


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"AEGIS_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


# A secret given by the operator is at least this long: the audit key's MAC chain lets
# whoever holds a copy of the database test guesses of it offline, then rewrite the log.
SECRET_AT_LEAST = 32
MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def _long_enough(value: str, where: str) -> str:
    if len(value) < SECRET_AT_LEAST:
        raise ImproperlyConfigured(
            f"{where} holds {len(value)} characters: a secret must have at least "
            f"{SECRET_AT_LEAST}, so that no one can guess it. Make one with {MAKE_A_SECRET}."
        )
    return value


def secret(name: str) -> str:
    """A secret from AEGIS_<NAME>, AEGIS_<NAME>_FILE, or a file generated once in AEGIS_HOME;
    one too short to stand against guessing is refused in words."""
    if value := env(name):
        return _long_enough(value, f"AEGIS_{name}")
    if path := env(f"{name}_FILE"):
        try:
            given = Path(path).read_text().strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "it is not text"
            raise ImproperlyConfigured(
                f"Cannot read AEGIS_{name}_FILE ({path}): {reason}."
            ) from error
        return _long_enough(given, f"AEGIS_{name}_FILE ({path})")
    generated = SECRETS_DIR / name.lower()
    try:
        if not generated.exists():
            SECRETS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
        kept = generated.read_text().strip()
    except OSError as error:
        raise _unwritable(error) from error
    return _long_enough(kept, str(generated))


DEBUG = env_bool("DEBUG")
SECRET_KEY = secret("SECRET_KEY")
# The audit chain's MAC key and checkpoint signing key derive from this; never in the database.
AUDIT_KEY = secret("AUDIT_KEY")


def _listed(name: str) -> list[str]:
    """A comma-separated setting, as an administrator writes it ("a.org, www.a.org")."""
    return [item.strip() for item in (env(name) or "").split(",") if item.strip()]


def _allowed_hosts() -> list[str]:
    """AEGIS_ALLOWED_HOSTS, the host of AEGIS_BASE_URL (the address people reach, which had
    to be named twice or every request behind the proxy was refused), and the loopback
    names, so that a health check from the server itself is answered. Links are built from
    AEGIS_BASE_URL, never from the Host header, so a loopback Host misleads nothing."""
    given = _listed("ALLOWED_HOSTS")
    base = urlsplit(env("BASE_URL") or "").hostname
    loopback = ["127.0.0.1", "localhost", "[::1]"]
    named = [*given, *([base] if base else [])]
    # Django's test client's host, where none is named (development, the test suite).
    return list(dict.fromkeys([*named, *loopback, *([] if named else ["testserver"])]))


ALLOWED_HOSTS = _allowed_hosts()
CSRF_TRUSTED_ORIGINS = _listed("CSRF_TRUSTED_ORIGINS")
# True behind a TLS reverse proxy; by default, when the address people reach is https.
SECURE = env_bool("SECURE_COOKIES", default=(env("BASE_URL") or "").startswith("https://"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    # Its templates and static files serve the API documentation at /api/v1/docs locally.
    "ninja",
    "aegis.vault",
    "aegis.audit",
    "aegis.accounts",
    "aegis.cases",
    "aegis.incidents",
    "aegis.evidence",
    "aegis.intake",
    "aegis.risk",
    "aegis.safety",
    "aegis.alerts",
    "aegis.support",
    "aegis.advocacy",
    "aegis.reports",
    "aegis.exchange",
    "aegis.monitoring",
    "aegis.retention",
    # Django's form templates, found through TEMPLATES so that ours (templates/django/forms)
    # come first: text fields carry dir="auto".
    "django.forms",
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aegis.accounts.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "aegis.visits.PageSlashes",  # Django's CommonMiddleware, its slash redirect for pages only
    "aegis.visits.BodiesWithLength",
    # Reads the public forms' bodies before the CSRF check could refuse them (too large).
    "aegis.intake.middleware.PublicFormBodyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aegis.accounts.middleware.PrivateAnswersMiddleware",
    # Each reader's compartments read once per reading request, not once per query.
    "aegis.cases.membership.CompartmentIdsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "aegis.accounts.middleware.KeychainMiddleware",
    "aegis.accounts.middleware.FirstSignInMiddleware",
    # A form that makes a record, sent twice (a double click, Back and send): done once.
    "aegis.accounts.once.SentOnceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: their pages have the reader's menu and language.
    "aegis.visits.FormOnlyAddresses",
    "aegis.visits.UnstorableValues",
    "aegis.visits.ApiAnswers",
]

ROOT_URLCONF = "aegis.urls"
WSGI_APPLICATION = "aegis.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"

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
                "aegis.accounts.context_processors.roles",
                "aegis.areas.menu",
            ],
            # Who did what is on every page: names set apart from right-to-left text.
            "builtins": [
                "aegis.accounts.templatetags.isolated",
                "aegis.accounts.templatetags.once",
            ],
        },
    }
]

# --- Database: SQLite in AEGIS_HOME unless AEGIS_DATABASE_URL says otherwise -------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{AEGIS_HOME / 'aegis.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: writers queue for the lock instead of failing on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete: deleted rows (keys above all) are overwritten, not left in free pages.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON; "
            "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    if test_url := env("TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": test_url}
    # Covering indexes (Index(include=...)) are PostgreSQL's; SQLite makes them as plain ones,
    # which is all it can, and Django's warning at every command only alarmed administrators.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks ------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Authentication --------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The sign-in throttle (aegis.accounts.throttle): failures allowed before attempts must wait,
# and the longest wait. It never locks an account and keeps no addresses or user agents.
AEGIS_LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT") or 5)
AEGIS_LOGIN_MAX_DELAY_SECONDS = int(env("LOGIN_MAX_DELAY_SECONDS") or 300)
OTP_TOTP_ISSUER = env("ORGANISATION_NAME") or "Aegis"
# django-otp's own throttle holds a device back for every browser after a wrong code, for
# 2^n seconds without end: whoever had the password could keep the owner out. Every sign-in
# attempt, code and all, passes the per-browser throttle above instead (accounts.throttle).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_MINUTES") or 30) * 60
# Idle expiry: a request pushes the expiry forward, but the session row is written at most
# once a minute (aegis.accounts.middleware.SessionRefreshMiddleware), and never by /healthz.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "aegis.views.csrf_failure"
# Gone when the browser closes, as the session: a year-long cookie from the public report
# form was a trace of the visit on a reporter's seized device.
CSRF_COOKIE_AGE = None
SECURE_CONTENT_TYPE_NOSNIFF = True
# Served over HTTPS (AEGIS_SECURE_COOKIES): browsers are told to use nothing else, so a
# network attacker cannot strip TLS from a later visit. SecurityMiddleware sends the header
# on HTTPS responses only. Subdomains and preload are the operator's choice.
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS") or 31536000) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE and env_bool("HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = SECURE and env_bool("HSTS_PRELOAD")
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts
# and Django's CSRF check refuses them. Other sites still receive no referrer.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# --- Vault -----------------------------------------------------------------------------
# Argon2id cost for password-derived keys. "moderate" is 256 MiB; "interactive" 64 MiB;
# "test" is a fast profile for the test suite only.
VAULT_KDF_PROFILE = env("KDF_PROFILE") or "interactive"
VAULT_PHONE_REGION = env("PHONE_REGION") or None

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# One short and one long date form per language, each with a 24-hour clock.
FORMAT_MODULE_PATH = ["aegis.formats"]
USE_TZ = True
# Pages show times in it, and safety plans' quiet hours are read in it.
TIME_ZONE = env("TIME_ZONE") or "UTC"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
    raise ImproperlyConfigured(
        f"AEGIS_TIME_ZONE={TIME_ZONE!r} is not a time zone name such as 'America/Bogota'."
    ) from error

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = AEGIS_HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "aegis.versioned_static.VersionedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Safe: a file's address changes with it (versioned_static). Not in development, where a
# file changes under a running server.
WHITENOISE_MAX_AGE = 0 if DEBUG else 7 * 24 * 3600
MEDIA_ROOT = AEGIS_HOME / "media"
AEGIS_MAX_UPLOAD_MB = int(env("MAX_UPLOAD_MB") or 25)
# What the public form may store in files in an hour, and the free disk space it always
# leaves (intake.services.room_for_files): anyone may post it.
AEGIS_INTAKE_UPLOAD_MB_PER_HOUR = int(env("INTAKE_UPLOAD_MB_PER_HOUR") or 1000)
AEGIS_MIN_FREE_DISK_MB = int(env("MIN_FREE_DISK_MB") or 1024)
# Uploads go to disk (not memory) above 2 MB; form fields stay small.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Never spill an upload to a clear temporary file: every upload stays in memory (bounded by
# AEGIS_MAX_UPLOAD_MB) until it is checked and stored encrypted.
FILE_UPLOAD_HANDLERS = ["aegis.files.handlers.MemoryOnlyUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10

NINJA_PAGINATION_PER_PAGE = 50

# Logs carry no client addresses: Django's request logging is limited to warnings without
# request details, and the production server's access log is turned off (see cli.serve).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_fault": {"()": "aegis.serverlog.RequestFaultWithoutTrace"},
        "request_path": {"()": "aegis.serverlog.RequestWithoutPath"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # A handler's filter sees what Django's django.security.* loggers pass up to it; no
        # line quotes what the client sent (Host header, path, Origin).
        "request_faults": {"class": "logging.StreamHandler", "filters": ["request_fault"]},
        "request_errors": {"class": "logging.StreamHandler", "filters": ["request_path"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"handlers": ["request_errors"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["request_faults"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        # apprise names recipients (numbers, addresses) in its warnings; Aegis records each
        # failure as a code on the delivery instead.
        "apprise": {"handlers": [], "level": "CRITICAL", "propagate": False},
        # What news monitoring reads with name the page's address in their warnings ("empty
        # HTML tree: <url>"); the source's status says what failed, without it.
        **{
            name: {"handlers": [], "level": "CRITICAL", "propagate": False}
            for name in ("trafilatura", "htmldate", "courlan", "justext", "urllib3", "feedparser")
        },
    },
}

ORGANISATION_NAME = env("ORGANISATION_NAME") or "Aegis"

# `aegis backup create` writes here unless given --out; `aegis backup list` reads it. A
# mounted disk or a folder the operator syncs elsewhere; the backups are age-encrypted.
AEGIS_BACKUP_DIR = Path(env("BACKUP_DIR") or AEGIS_HOME / "backups").resolve()
# The worker's scheduled backups (README, "Backups and recovery"): "daily" or "off"; how many
# of them the folder keeps; how late one may be before the admin is told it was missed.
AEGIS_BACKUP_SCHEDULE = (env("BACKUP_SCHEDULE") or "off").strip().lower()
# Checked by aegis.retention.schedule, which says what is wrong with a value.
AEGIS_BACKUP_KEEP = env("BACKUP_KEEP") or "7"
AEGIS_BACKUP_GRACE_HOURS = env("BACKUP_GRACE_HOURS") or "6"


def env_or_file(name: str) -> str:
    """A credential from AEGIS_<NAME> or the file named by AEGIS_<NAME>_FILE; empty if unset."""
    if value := env(name):
        return value
    if path := env(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return ""


# Alerts (see README, "Alerts"). The acknowledgement links in messages start with this.
AEGIS_BASE_URL = env("BASE_URL") or "http://127.0.0.1:8000"
AEGIS_SMTP_HOST = env("SMTP_HOST") or ""
AEGIS_SMTP_PORT = int(env("SMTP_PORT") or 587)
AEGIS_SMTP_SECURITY = env("SMTP_SECURITY") or "starttls"
AEGIS_SMTP_USER = env("SMTP_USER") or ""
AEGIS_SMTP_PASSWORD = env_or_file("SMTP_PASSWORD")
AEGIS_SMTP_FROM = env("SMTP_FROM") or "aegis@localhost"
# Set by `aegis demo` only: its mail catcher's folder, shown on the "Demo mail" page.
AEGIS_DEMO_MAIL_DIR = env("DEMO_MAIL_DIR") or ""
# Set by `aegis demo` only: its SMS and Signal stand-in's folder, shown on the same page.
AEGIS_DEMO_TEXT_DIR = env("DEMO_TEXT_DIR") or ""
AEGIS_SMS_GATEWAY_URL = env_or_file("SMS_GATEWAY_URL")
AEGIS_SMS_WEBHOOK_SECRET = env_or_file("SMS_WEBHOOK_SECRET")
AEGIS_SMS_PANIC_KEYWORD = env("SMS_PANIC_KEYWORD") or "HELP"
AEGIS_SIGNAL_REST_URL = env_or_file("SIGNAL_REST_URL")
AEGIS_SIGNAL_FROM = env("SIGNAL_FROM") or ""
AEGIS_MATRIX_URL = env_or_file("MATRIX_URL")
AEGIS_NTFY_URL = env_or_file("NTFY_URL")
AEGIS_ALERT_MAX_ATTEMPTS = int(env("ALERT_MAX_ATTEMPTS") or 3)
AEGIS_ALERT_RETRY_SECONDS = int(env("ALERT_RETRY_SECONDS") or 30)
# The worker's alert loop: outbox polling and the slower rounds (escalation, check-ins).
AEGIS_ALERT_SEND_INTERVAL = float(env("ALERT_SEND_INTERVAL") or 0.2)
# ... and, for a few seconds after it sent something, the shorter polling of a burst.
AEGIS_ALERT_BURST_INTERVAL = float(env("ALERT_BURST_INTERVAL") or 0.03)
AEGIS_ALERT_ROUNDS_INTERVAL = float(env("ALERT_ROUNDS_INTERVAL") or 5)
# The worker signs a checkpoint of the audit log's head at most this often (seconds).
AEGIS_AUDIT_CHECKPOINT_INTERVAL = float(env("AUDIT_CHECKPOINT_INTERVAL") or 3600)
# A check of the audit log asked for on its page walks this many entries in the request
# (about a second); a longer log is checked by the worker, the page showing its progress.
AEGIS_AUDIT_CHECK_IN_PAGE = int(env("AUDIT_CHECK_IN_PAGE") or 50_000)
# A worker renews the lease of the messages it is sending every third of it; the sends of a
# worker that was killed are taken up by another within this many seconds (sending.py).
AEGIS_ALERT_SEND_LEASE_SECONDS = float(env("ALERT_SEND_LEASE_SECONDS") or 10)
# An acknowledgement link works until its alert is resolved, and at most for the alert's
# whole ladder plus this margin (alerts/selectors.py).
AEGIS_ACK_LINK_MARGIN_HOURS = float(env("ACK_LINK_MARGIN_HOURS") or 24)

# --- News monitoring (monitoring/fetching.py reads these) ------------------------------
# socks5h://127.0.0.1:9050 for Tor, http://proxy:3128, or empty: fetch directly.
AEGIS_MONITORING_PROXY = env("MONITORING_PROXY") or ""
AEGIS_MONITORING_TIMEOUT = float(env("MONITORING_TIMEOUT") or 15)
AEGIS_MONITORING_HOST_INTERVAL = float(env("MONITORING_HOST_INTERVAL") or 5)
AEGIS_MONITORING_MAX_BYTES = int(env("MONITORING_MAX_BYTES") or 5 * 1024 * 1024)
# Off: a source on loopback, a private or a link-local address is refused (the worker must not
# be turned on the machine's own network).
AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES = env_bool("MONITORING_ALLOW_PRIVATE_ADDRESSES")
AEGIS_MONITORING_MENTION_ALERTS = env_bool("MONITORING_MENTION_ALERTS", True)
# The organisation's extraction model, trained on its analysts' decisions too (`aegis
# monitoring train --decisions`); the shipped model where none was trained.
AEGIS_MONITORING_MODEL_DIR = AEGIS_HOME / "monitoring-model"
# The worker extracts each poll's new articles, and the web process an analyst's pasted or
# uploaded one, in a short-lived process (monitoring/extracting.py), so that neither ever
# holds the model; off: in the process itself (benchmarks' baseline, or a machine where the
# server may not start processes).
AEGIS_MONITORING_EXTRACT_IN_CHILD = env_bool("MONITORING_EXTRACT_IN_CHILD", True)
