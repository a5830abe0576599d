"""Settings for casemgmt, read from the environment (12-factor) with an optional `.env` file.

Variable names follow the original service so existing deployments keep working. A required
variable that is missing stops start-up with django-environ's message naming it.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Local settings file; fills only unset variables. ENV_FILE="" reads none (as in the image).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

# --- Core -----------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
# The placeholder of .env.example signs sessions anyone can forge: refuse it outside DEBUG.
EXAMPLE_SECRET_KEYS = frozenset({"change-me"})
if not DEBUG and SECRET_KEY in EXAMPLE_SECRET_KEYS:
    raise ImproperlyConfigured("SECRET_KEY is the example value; set a long random one")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Transport and cookies (see docs/operations.md, "Security settings") ---------------------
# Cookies travel over HTTPS only, unless DEBUG; scripts never read them (HttpOnly).
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Off by default so a plain-HTTP health probe or a local run works; production turns them on.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django_mongodb_backend",
    "casemgmt_project.apps.MongoAdminConfig",
    "casemgmt_project.apps.MongoAuthConfig",
    "casemgmt_project.apps.MongoContentTypesConfig",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Serves the API docs' Swagger UI from our static files, never from a CDN.
    "ninja",
    "cases",
    "kafka_integration",
    # Watchlists and matching (SPEC §3c); never imports cases.
    "screening",
]

MIDDLEWARE = [
    # First, so an exception in any later middleware on /api/ still answers the JSON 500 (§7);
    # the telemetry setup puts OpenTelemetry's middleware right after it.
    "casemgmt_project.api_guard.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's and API docs' static files from gunicorn, so no extra web server is needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "casemgmt_project.urls"
WSGI_APPLICATION = "casemgmt_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Uploads (casemgmt_project/uploads.py) ---------------------------------------------------
# Multipart bodies are refused above the evidence limit before they are read; a file larger
# than FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to a temporary file, never held in memory.
FILE_UPLOAD_HANDLERS = [
    "casemgmt_project.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)

# --- Admin and caching ----------------------------------------------------------------------
# Named in the admin's index title, so nobody mistakes staging for production.
ENVIRONMENT_NAME = env("ENVIRONMENT_NAME", default="local")
# The dashboard's figures are cached briefly; a per-process memory cache is enough for that.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "casemgmt",
    }
}
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)

# --- Login throttling and audit (casemgmt_project/login_guard.py) ----------------------------
AUTHENTICATION_BACKENDS = [
    "casemgmt_project.login_guard.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)  # per username and address
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=900)
# Failures must be counted by all workers together, so production points the "login" cache at
# a shared server: LOGIN_THROTTLE_CACHE_URL=redis://host:6379/1 (the `redis` package) or
# pymemcache://host:11211. The default memory cache counts per process, which `check --deploy`
# warns about; Django's database cache is SQL-only and fails on MongoDB (docs/security.md).
CACHES["login"] = env.cache_url("LOGIN_THROTTLE_CACHE_URL", default="locmemcache://casemgmt-login")
LOGIN_THROTTLE_CACHE = env("LOGIN_THROTTLE_CACHE", default="login")

# --- Database (MongoDB through django-mongodb-backend) ---------------------------------------
MONGODB_URI = env("MONGODB_URI")
DB_NAME = env("DB_NAME", default="casemgmt")
DATABASES = {
    "default": {
        "ENGINE": "django_mongodb_backend",
        "HOST": MONGODB_URI,
        "NAME": DB_NAME,
        "OPTIONS": {
            # Fail fast when the server is down so the consumer can back off instead of hanging.
            "serverSelectionTimeoutMS": env.int(
                "MONGODB_SERVER_SELECTION_TIMEOUT_MS", default=5000
            ),
            # A server that stops answering must surface as an error (and a retry), not a hang.
            "socketTimeoutMS": env.int("MONGODB_SOCKET_TIMEOUT_MS", default=60000),
            "retryWrites": env.bool("MONGODB_RETRY_WRITES", default=False),
        },
    }
}
DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
# Error pages and reports hide the URI (it carries the database password) like other secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "casemgmt_project.reporting.CredentialsHidingFilter"
# The contrib apps need migrations written for ObjectId primary keys (see mongo_migrations/).
MIGRATION_MODULES = {
    "admin": "mongo_migrations.admin",
    "auth": "mongo_migrations.auth",
    "contenttypes": "mongo_migrations.contenttypes",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))

# --- Document evidence (SPEC §5a, docs/evidence.md) -------------------------------------------
# Files go through Django's storage API; "evidence" is GridFS on the read models' database, so
# another backend is a settings change. "default" and "staticfiles" are Django's own defaults.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {
        "BACKEND": "cases.evidence.storage.GridFSStorage",
        "OPTIONS": {"bucket_name": "evidence", "database_alias": "default"},
    },
}
# Types are sniffed from the bytes (cases/evidence/sniffing.py), never taken from the client.
EVIDENCE_ALLOWED_TYPES = env.list(
    "EVIDENCE_ALLOWED_TYPES",
    default=["application/pdf", "image/jpeg", "image/png", "image/heic", "image/tiff"],
)
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=25 * 1024 * 1024)

# --- Kafka -----------------------------------------------------------------------------------
KAFKA_BOOTSTRAP_SERVERS = env("KAFKA_BOOTSTRAP_SERVERS")
KAFKA_TOPIC_NAME = env("KAFKA_TOPIC_NAME", default="kyc_events")
KAFKA_CONSUMER_GROUP_ID = env("KAFKA_CONSUMER_GROUP_ID", default="casemgmt-consumer")
# Empty: the dead-letter topic is "<input topic>.dlq", for whichever topic is consumed.
KAFKA_DLQ_TOPIC = env("KAFKA_DLQ_TOPIC", default="")
NOTIFICATION_KAFKA_TOPIC = env("NOTIFICATION_KAFKA_TOPIC", default="notification_events")
# The consumer's group leader relays the outbox; turn off when `relay_notifications` runs alone.
NOTIFICATION_RELAY_IN_CONSUMER = env.bool("NOTIFICATION_RELAY_IN_CONSUMER", default=True)
# A stable name per relay process (e.g. the pod name): a restarted relay then reconciles its
# predecessor's in-flight pass at once. Empty: the consumer's KAFKA_TRANSACTIONAL_ID, else a
# fresh name per process, whose passes other relays reconcile once the lease has run out.
# Two live relays must never share a name.
NOTIFICATION_RELAY_ID = env("NOTIFICATION_RELAY_ID", default="")
# Longer than any live pass (twice the 30 s delivery timeout at least), plus the clock skew
# between relay hosts.
NOTIFICATION_RELAY_LEASE_SECONDS = env.float("NOTIFICATION_RELAY_LEASE_SECONDS", default=120.0)
KAFKA_BATCH_SIZE = env.int("KAFKA_BATCH_SIZE", default=500)
# Record values larger than this are kept beside their audit row (raw_payloads), not in it.
RAW_PAYLOAD_INLINE_MAX_BYTES = env.int("RAW_PAYLOAD_INLINE_MAX_BYTES", default=64 * 1024)
KAFKA_POLL_TIMEOUT_SECONDS = env.float("KAFKA_POLL_TIMEOUT_SECONDS", default=1.0)
# How often the consumer group's leader runs the due-date check (SPEC §3a).
OVERDUE_CHECK_INTERVAL_SECONDS = env.float("OVERDUE_CHECK_INTERVAL_SECONDS", default=60.0)
KAFKA_TOPIC_PARTITIONS = env.int("KAFKA_TOPIC_PARTITIONS", default=4)
# The dead-letter producer's transactional.id; set it per member (e.g. the pod name of a
# StatefulSet) so a restarted member aborts its predecessor's open transaction at once.
# Empty: a fresh id per process (an open transaction then ends at its 20 s timeout).
KAFKA_TRANSACTIONAL_ID = env("KAFKA_TRANSACTIONAL_ID", default="")
# Security settings are passed through to librdkafka untouched when set.
KAFKA_SECURITY = {
    key: value
    for key, value in {
        "security.protocol": env("KAFKA_SECURITY_PROTOCOL", default=None),
        "sasl.mechanism": env("KAFKA_SASL_MECHANISM", default=None),
        "sasl.username": env("KAFKA_SASL_USERNAME", default=None),
        "sasl.password": env("KAFKA_SASL_PASSWORD", default=None),
        "ssl.ca.location": env("KAFKA_SSL_CA_LOCATION", default=None),
        "ssl.certificate.location": env("KAFKA_SSL_CERTIFICATE_LOCATION", default=None),
        "ssl.key.location": env("KAFKA_SSL_KEY_LOCATION", default=None),
        "ssl.key.password": env("KAFKA_SSL_KEY_PASSWORD", default=None),
    }.items()
    if value
}

# --- Integrations ----------------------------------------------------------------------------
CONFIG_SERVICE_URL = env("CONFIG_SERVICE_URL", default="")
DEFAULT_HTTP_TIMEOUT = env.float("DEFAULT_HTTP_TIMEOUT", default=5.0)

# --- Observability ---------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
SERVICE_NAME_API = env("SERVICE_NAME_API", default="casemgmt-api")
SERVICE_NAME_CONSUMER = env("SERVICE_NAME_CONSUMER", default="casemgmt-consumer")

# Prometheus scrape (optional): the consumer serves METRICS_PORT, the web process /metrics
# behind this bearer token. Unset: no scrape endpoint at all.
METRICS_PORT = env.int("METRICS_PORT", default=None)
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Every line on stderr is one JSON object (casemgmt_project.logging); Django's own loggers,
# including the request and runserver logs, are routed to the same handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "casemgmt_project.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "propagate": True, "level": LOG_LEVEL},
        "django.server": {"handlers": [], "propagate": True, "level": LOG_LEVEL},
        "django.db.backends": {"level": "WARNING"},
        "pymongo": {"level": "WARNING"},
        "librdkafka": {"level": LOG_LEVEL},
    },
}

# --- Local development only (scripts/run.sh, `manage.py ensure_local_admin`) -----------------
LOCAL_ADMIN_USERNAME = env("LOCAL_ADMIN_USERNAME", default="")
LOCAL_ADMIN_PASSWORD = env("LOCAL_ADMIN_PASSWORD", default="")
# The demo's analyst (`manage.py seed_demo_workflow` proposes as them, the admin approves).
LOCAL_ANALYST_USERNAME = env("LOCAL_ANALYST_USERNAME", default="")
LOCAL_ANALYST_PASSWORD = env("LOCAL_ANALYST_PASSWORD", default="")
