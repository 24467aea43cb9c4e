"""Django settings for Joined Up.

Every setting that differs between machines is read from the environment
through the small typed helpers below, which raise ImproperlyConfigured on a
bad value rather than guessing. `.env.example` lists them all. Nothing else in
the project reads the environment.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from .env without overriding the real environment."""
    if not path.is_file():
        return
    for lineno, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ImproperlyConfigured(f"{path}:{lineno}: expected KEY=VALUE, got {raw!r}")
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# `manage.py link_files` (and its --help) links CSV files into a CSV file: it signs nothing,
# keeps no session and writes nothing to the database, so a data officer may run it on a
# machine where Joined Up is not configured. It alone gets a random key that dies with the
# process; the web server, the worker and every other command still need SECRET_KEY. The
# test reads sys.argv, as Django's own "is this the test command" idiom does.
_KEYLESS_COMMAND = sys.argv[1:2] == ["link_files"] or sys.argv[1:3] == ["help", "link_files"]
# A development key is allowed only when DEBUG is on; production must set one.
SECRET_KEY = env_str(
    "SECRET_KEY",
    "insecure-development-key-do-not-use" if DEBUG else secrets.token_urlsafe(50) if _KEYLESS_COMMAND else None,
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "joinedup.core",
    "joinedup.audit",
    "joinedup.partnership",
    "joinedup.children",
    "joinedup.linkage",
    "joinedup.notifications",
    "joinedup.referrals",
    "joinedup.imports",
    "joinedup.pathways",
    "joinedup.governance",
    "joinedup.participation",
    "joinedup.chronology",
    "joinedup.demo",
    # Background jobs: Django's tasks framework with a database-backed queue.
    "django_tasks_db",
    "joinedup.jobs",
    # Running it for real: the health endpoint and OpenID Connect sign-in.
    "joinedup.ops",
    # The project shell (home, header, menu) sits on top of every app.
    "joinedup.shell",
]
# link_files reads CSV files and writes CSV files: unless --model names a model stored in
# the database, it needs no app's models, URLs or hooks, so only its own command is loaded
# (linkage.apps.LinkFilesConfig) and it starts in half the time and memory.
if _KEYLESS_COMMAND and not any(arg == "--model" or arg.startswith("--model=") for arg in sys.argv[2:]):
    INSTALLED_APPS = ["joinedup.linkage.apps.LinkFilesConfig"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "joinedup.core.middleware.ApiErrorEnvelopeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "joinedup.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # axes must be last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "joinedup.urls"
WSGI_APPLICATION = "joinedup.wsgi.application"
ASGI_APPLICATION = "joinedup.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "joinedup" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "joinedup.shell.context_processors.site",
            ],
        },
    },
]

# Batch linkage: "duckdb" in-process (default), or "spark" for a region or the
# nation (pip install -e '.[spark]'; SPARK_MASTER names a cluster). docs/deployment.md
LINKAGE_ENGINE = env_str("LINKAGE_ENGINE", "duckdb")
# DuckDB's memory cap for linkage; beyond it, it spills to the temporary directory.
LINKAGE_DUCKDB_MEMORY = env_str("LINKAGE_DUCKDB_MEMORY", "2GB")

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'joinedup.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers
    # serialise instead of one failing half-way (the audit chain depends on it).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # A page cache (default 128 MB, grown only as pages are read) that holds the indexes a
        # linkage run writes to; SQLite's own default of 2 MB rereads them for every insert.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA cache_size=-{env_int('SQLITE_CACHE_MB', 128) * 1024};",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis")) and not env_bool("POSTGRES_JIT", False):
    # PostgreSQL compiles a query whose estimated cost is high (the access rules' subqueries
    # estimate millions at a million children) to machine code first: 200 ms to compile a
    # count that runs in 0.1 ms. Pages ask short questions, so JIT is off for the app's
    # connections (POSTGRES_JIT=true turns it back on). docs/decisions/0005.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()  # after DATABASE_URL's own

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "joinedup" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the finders when no collectstatic has been run (make run);
# `make serve-production` turns this off and serves only what collectstatic wrote.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Served over plain HTTP on a developer's machine; behind TLS everywhere else.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# check --deploy asks for preload; a deployment that may not commit to it sets false.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# The load balancer's probe speaks plain HTTP to the app behind the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None

# Maps: a tile server is optional. With none, maps show markers on a blank
# base layer, so they work offline. Example:
#   MAP_TILE_URL=https://tile.openstreetmap.org/{z}/{x}/{y}.png
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
_TILE_ORIGIN = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL.startswith("https://") else ""

# No inline scripts anywhere: every script is a static file from our own origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
# Lock a username from the address it is being guessed from, so one attacker
# cannot lock a whole office (shared NAT) out, nor rotate user agents.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Requests can carry personal data in query strings; never log them at INFO.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # axes logs every sign-in at INFO; failures still reach WARNING.
        "axes": {"level": "WARNING"},
    },
}

# --- Joined Up ------------------------------------------------------------------
# Shown on every page when the database holds the generated demo partnership.
JOINEDUP_SERVICE_NAME = env_str("JOINEDUP_SERVICE_NAME", "Joined Up")
# Keys the analysts' pseudonyms. Set it separately from SECRET_KEY so rotating
# one does not change the other; stored pseudonyms never change.
PSEUDONYM_KEY = env_str("PSEUDONYM_KEY", "") or SECRET_KEY
# How long break-glass access lasts.
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 24)
# The audit chain's HMAC key, kept outside the database so rows cannot be re-hashed
# (audit/chain.py). Set it separately in production; after a change keep the old key
# in AUDIT_HMAC_PREVIOUS_KEYS so events chained under it still verify.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", "") or SECRET_KEY
AUDIT_HMAC_PREVIOUS_KEYS = env_list("AUDIT_HMAC_PREVIOUS_KEYS", [])
# Checkpoints of the chain's head, outside the table (audit/checkpoints.py).
AUDIT_CHECKPOINT_FILE = env_str("AUDIT_CHECKPOINT_FILE", str(BASE_DIR / "var" / "audit-checkpoints.jsonl"))
AUDIT_CHECKPOINT_EVERY = env_int("AUDIT_CHECKPOINT_EVERY", 100)
CSRF_FAILURE_VIEW = "joinedup.shell.views.csrf_failure"
AXES_VERBOSE = False


# --- Background jobs ------------------------------------------------------------
# Jobs are queued in the database and run by `manage.py db_worker` (make run
# starts one beside the web server; docs/deployment.md for production).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds between a job page's progress polls.
JOBS_POLL_SECONDS = env_int("JOBS_POLL_SECONDS", 2)
# Days a file a job made (a subject access pack, a meeting pack) stays downloadable;
# `manage.py jobs_remove_expired_files` (run it daily) then empties it.
JOBS_FILE_RETENTION_DAYS = env_int("JOBS_FILE_RETENTION_DAYS", 7)
if JOBS_FILE_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("JOBS_FILE_RETENTION_DAYS must be 1 or more (days a job's file is kept)")

# --- Sign-in through OpenID Connect ----------------------------------------------
# Off unless OIDC_RP_CLIENT_ID is set. Users are matched on the provider's
# subject (stored per user in ops.OidcIdentity), never on email; the email's
# domain must be one the user's agency allows. docs/deployment.md has Entra ID
# and NHS CIS2 examples.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your organisation's account")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
# How often a signed-in session is re-checked with the provider (prompt=none);
# an account disabled there loses access at the next check.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env_int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", 15 * 60)
# Only people a partnership admin has linked (manage.py oidc_link) may sign in this way.
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "/sign-in/?oidc=failed"
OIDC_EXEMPT_URLS = ["healthz", "logout", "login"]
if OIDC_ENABLED:
    for _name in (
        "OIDC_OP_ISSUER",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
    ):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so set {_name} too (docs/deployment.md).")
# Both are always installed and stand aside while OIDC_ENABLED is false, so
# turning sign-in on is configuration only.
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "joinedup.ops.oidc.SubjectBackend"]
# After authentication, so it knows who is signed in; before axes, which stays last.
MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "joinedup.ops.oidc.SessionRefresh")
