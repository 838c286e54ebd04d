"""Parley settings, read from the environment.

With no environment at all Parley runs the embedded default: SQLite, an
in-memory channel layer, a local-memory cache and a Celery broker on the local
filesystem. ``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to Redis for
the channel layer, the cache and the Celery broker. See ``.env.example``.
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PARLEY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_rate(name: str, default: str) -> str:
    """A rate limit like ``20/min`` (s, min, h or day); ``off`` for none."""
    value = os.environ.get(name, default).strip()
    if value == "off":
        return ""
    if not re.fullmatch(r"\d+/(s|sec|min|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} is {value!r}; use a rate like 20/min, 600/h or off.")
    return value


def env_count(name: str, default: int, *, least: int) -> int:
    """A whole number of at least ``least`` (0 where 0 means "no cap")."""
    value = os.environ.get(name, str(default)).strip()
    if not value.isdigit() or int(value) < least:
        raise ImproperlyConfigured(f"{name} is {value!r}; use a whole number of {least} or more.")
    return int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "parley-development-only-secret-key-never-use-in-production"  # noqa: S105

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key. Set SECRET_KEY in the environment."
    )

# Where people reach Parley: the links in every email (invitations, notifications,
# replies to visitors) and in webhooks. `make run` sets it from its PORT
# (helpdesk/management/commands/serve.py); production must say it.
SITE_URL = os.environ.get("PARLEY_SITE_URL", "").strip().rstrip("/")
if SITE_URL and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", SITE_URL):
    raise ImproperlyConfigured(
        f"PARLEY_SITE_URL is {SITE_URL!r}; use an address like https://help.example.com."
    )
if not DEBUG and not SITE_URL:
    raise ImproperlyConfigured(
        "DEBUG is off but PARLEY_SITE_URL is not set: emails would link to 127.0.0.1. "
        "Set it to the address people reach Parley at, like https://help.example.com."
    )
SITE_URL = SITE_URL or "http://127.0.0.1:8000"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
)

INSTALLED_APPS = [
    # daphne first: it replaces runserver with an ASGI server.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "helpdesk.storage.StaticFilesConfig",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "helpdesk",
    "helpdesk.abuse",
    "helpdesk.knowledge",
    "chat",
    "chat.assistant",
    "chat.webhooks",
    "chat.privacy",
    "agents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Answers in the browser's language where Django and DRF have the words, so
    # the German widget shows German field errors.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
ASGI_APPLICATION = "helpdesk.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
    # Under ASGI each request and consumer call may run on its own thread, so Django
    # advises a pool rather than persistent connections. Without one, every message
    # paid for a new PostgreSQL connection (see docs/benchmarks.md).
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 2,
            "max_size": int(os.environ.get("PARLEY_DB_POOL_SIZE", "10")),
            "timeout": 10,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "parley.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write
                # lock when a transaction starts, so two writers queue up instead of
                # failing with "database is locked" when one upgrades its read lock.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery broker ------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Keeps the groups and cache keys (presence) of installations that share one Redis
# apart.
REDIS_PREFIX = os.environ.get("PARLEY_REDIS_PREFIX", "parley")

# The embedded default's cache. Presence keeps two keys per connected person:
# locmem's default of 300 entries would forget everyone past the 150th.
LOCAL_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}

if REDIS_URL:
    # The pub/sub layer: measured faster than the list-based default and it does not
    # drop under load (see DESIGN.md). Delivery rests on the database seq anyway.
    # Parley's subclass sends a message's frames in one round trip (helpdesk/layers.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "helpdesk.layers.RedisLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "helpdesk.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    # Channels' in-memory layer, with its expiry walk once a second instead of on
    # every send (helpdesk/layers.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "helpdesk.layers.LocalChannelLayer"}}
    CACHES = {"default": LOCAL_CACHE}

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # The queues of installations sharing a Redis stay apart too.
    "global_keyprefix": f"{REDIS_PREFIX}:",
    # A task taken but not acknowledged this long ago is given out again: that is
    # how the task of a worker that died runs again. It must be longer than any
    # task runs or waits for its countdown (PARLEY_UNANSWERED_DELAY,
    # PARLEY_VISITOR_EMAIL_DELAY), or such a task runs twice (docs/deploy.md).
    "visibility_timeout": int(os.environ.get("PARLEY_CELERY_VISIBILITY_TIMEOUT", "3600")),
}
if not REDIS_URL:
    # kombu's filesystem transport: a real worker and beat with no server at all.
    CELERY_QUEUE_DIR = VAR_DIR / "celery" / "queue"
    # Where kombu keeps its exchange tables; by default a "control" folder in
    # whatever directory the worker was started from.
    CELERY_CONTROL_DIR = VAR_DIR / "celery" / "control"
    for folder in (CELERY_QUEUE_DIR, CELERY_CONTROL_DIR):
        folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "control_folder": str(CELERY_CONTROL_DIR),
    }
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it has finished, not when a worker takes it: a worker
# that dies mid-task leaves it to be run again (tasks are idempotent for that), and
# each worker holds one message beyond the one it runs.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Email waits on other servers; it gets its own queue, so slow SMTP never holds up
# the rest. Workers listen on both (helpdesk.celery.QUEUES; docs/deploy.md).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "chat.tasks.send_transcript": {"queue": "email"},
    "agents.tasks.notify_team_of_waiting_visitor": {"queue": "email"},
    "agents.tasks.notify_visitor_of_replies": {"queue": "email"},
    "chat.webhooks.tasks.notify_endpoint_disabled": {"queue": "email"},
    "agents.tasks.send_agent_invite": {"queue": "email"},
    # Receivers may be slow or stall: their own queue, like email's.
    "chat.webhooks.tasks.deliver_webhook": {"queue": "webhooks"},
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Exactly one beat runs these (docs/deploy.md); `make run` embeds it in its worker.
CELERY_BEAT_SCHEDULE = {
    "resolve-idle-tickets": {"task": "agents.tasks.resolve_idle_tickets", "schedule": 600},
    "sweep-presence": {"task": "agents.tasks.sweep_presence", "schedule": 30},
    # Where presence is shared; the heartbeat check does it too (agents/requeue.py).
    "requeue-unattended-chats": {
        "task": "agents.tasks.requeue_unattended_chats",
        "schedule": 60,
    },
    # PARLEY_RETENTION_DAYS; does nothing while it is 0.
    "erase-expired-conversations": {
        "task": "chat.privacy.tasks.erase_expired_conversations",
        "schedule": 24 * 60 * 60,
    },
}

# --- Email ------------------------------------------------------------------------
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    # A hung SMTP server would otherwise hold a worker, and the notification's row
    # lock, for ever (helpdesk/notifications.py).
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
elif os.environ.get("EMAIL_FILE_PATH"):
    # Each email as a file in this folder: for trying flows end to end, and tests.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Parley <support@localhost>")

# --- Auth, i18n, static -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# How long an agent's invitation link (agents/accounts.py) and a password-reset
# link work: Django's password-reset tokens carry both.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PARLEY_INVITE_MAX_AGE", 3 * 24 * 60 * 60))
LOGIN_REDIRECT_URL = "agents:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The widget's languages; a browser asking for another gets English.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
# Parley's own words, from every app and template (`make messages`).
LOCALE_PATHS = [BASE_DIR / "helpdesk" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Serve straight from the source folders while developing; production runs
# collectstatic and serves compressed, hashed copies with far-future caching.
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "helpdesk.storage.StaticStorage"
    },
}

# Bodies are refused by size before they are read (helpdesk/abuse/body_limits.py):
# any body but an upload up to this many bytes; uploads up to
# PARLEY["REQUEST_MAX_BYTES"]. Files over 2.5 MB are spooled to disk, and the first
# handler stops an upload as soon as a file passes the attachment limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("PARLEY_BODY_MAX_BYTES", 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "helpdesk.abuse.body_limits.AttachmentSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG

# --- API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "helpdesk.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parley API",
    "DESCRIPTION": "History, tickets and the widget's REST transport.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Serve Swagger UI from our own static files: no third-party hosts.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# The widget runs on other sites and authenticates with a header token, never a
# cookie, so any origin may call the widget API (each widget's own list of allowed
# origins is checked by the views).
CORS_URLS_REGEX = r"^/api/widget/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False

# --- Parley ------------------------------------------------------------------------
ASSISTANT_BACKENDS = {"extractive", "openai"}


def assistant_settings() -> dict:
    """The assistant's answer backend and limits (chat/assistant; docs/deploy.md)."""
    backend = os.environ.get("PARLEY_ASSISTANT_BACKEND", "extractive")
    if backend not in ASSISTANT_BACKENDS:
        raise ImproperlyConfigured(
            f"PARLEY_ASSISTANT_BACKEND is {backend!r}; use one of {sorted(ASSISTANT_BACKENDS)}."
        )
    config = {
        "BACKEND": backend,
        # The OpenAI-compatible endpoint: https://host/v1 (".../chat/completions" is added).
        "BASE_URL": os.environ.get("PARLEY_ASSISTANT_BASE_URL", ""),
        "MODEL": os.environ.get("PARLEY_ASSISTANT_MODEL", ""),
        "API_KEY": os.environ.get("PARLEY_ASSISTANT_API_KEY", ""),
        # Seconds to connect, and to wait for each next piece of a streamed answer.
        "CONNECT_TIMEOUT": float(os.environ.get("PARLEY_ASSISTANT_CONNECT_TIMEOUT", "5")),
        "READ_TIMEOUT": float(os.environ.get("PARLEY_ASSISTANT_READ_TIMEOUT", "20")),
        # Seconds a whole answer may take, however steadily it streams.
        "ANSWER_TIMEOUT": float(os.environ.get("PARLEY_ASSISTANT_ANSWER_TIMEOUT", "60")),
        # The BM25 score a passage needs to be worth answering from; below it the
        # chat goes to a person (docs/benchmarks.md has how it was chosen).
        "MIN_SCORE": float(os.environ.get("PARLEY_ASSISTANT_MIN_SCORE", "2.0")),
        # Passages given to the backend at most.
        "PASSAGES": 4,
        # Answers longer than this are cut: the stored message must fit its limit.
        "ANSWER_MAX_CHARS": 3000,
        # Seconds between the built-in answerer's pieces of text.
        "EXTRACTIVE_PACE": float(os.environ.get("PARLEY_ASSISTANT_EXTRACTIVE_PACE", "0.04")),
    }
    if backend == "openai" and not (config["BASE_URL"] and config["MODEL"]):
        raise ImproperlyConfigured(
            "PARLEY_ASSISTANT_BACKEND=openai needs PARLEY_ASSISTANT_BASE_URL and "
            "PARLEY_ASSISTANT_MODEL."
        )
    return config


# Rate limits of the widget's endpoints, per client address and per visitor
# (helpdesk/abuse/throttling.py; docs/deploy.md): scope -> (per address, per
# visitor). Each is PARLEY_RATE_<SCOPE>_PER_IP / _PER_VISITOR in the environment.
RATE_LIMIT_DEFAULTS = {
    "config": ("300/min", "off"),  # GET config/: the launcher on every page view
    "session": ("60/min", "off"),  # POST session/: creates or refreshes a visitor
    "conversation": ("20/min", "5/min"),  # POST tickets/, offline/: new chats, email agents
    "message": ("120/min", "30/min"),  # POST messages/ (the socket has its own limit)
    "upload": ("20/min", "10/min"),  # POST attachments/
    "transcript": ("10/min", "5/min"),  # POST transcript/: emails an address
    "stream": ("60/min", "20/min"),  # GET stream/: the fallback transport's connects
    "read": ("600/min", "240/min"),  # ticket list, history, long polls
    "signal": ("600/min", "120/min"),  # typing, seen
    "lifecycle": ("60/min", "20/min"),  # end, rating
    "assistant": ("30/min", "10/min"),  # POST assistant/questions/: an answer each
    "articles": ("300/min", "off"),  # GET articles/: search as the visitor types
}


def rate_limits() -> dict:
    return {
        scope: {
            "ip": env_rate(f"PARLEY_RATE_{scope.upper()}_PER_IP", per_ip),
            "visitor": env_rate(f"PARLEY_RATE_{scope.upper()}_PER_VISITOR", per_visitor),
        }
        for scope, (per_ip, per_visitor) in RATE_LIMIT_DEFAULTS.items()
    }


PARLEY = {
    # How long a visitor token stays valid; the widget refreshes it on every visit.
    "VISITOR_TOKEN_MAX_AGE": int(os.environ.get("PARLEY_VISITOR_TOKEN_MAX_AGE", 60 * 60 * 24 * 30)),
    # How long a signed identity (Parley.identify, chat.identity) is good after its
    # issue time. The widget sends it when it first opens a session, which may be
    # long after the page was made (it loads when wanted), so it covers a tab left
    # open for a working morning; a leaked one is useless after that.
    "IDENTITY_MAX_AGE": int(os.environ.get("PARLEY_IDENTITY_MAX_AGE", 6 * 60 * 60)),
    "MESSAGE_MAX_LENGTH": 5000,
    # Largest attachment (images and PDFs) a visitor may send.
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("PARLEY_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)),
    # Largest WebSocket text frame the consumers read; bigger ones get an error frame.
    "FRAME_MAX_BYTES": 32 * 1024,
    # Seconds a new socket has to send a valid hello before it is closed with 4401.
    "HELLO_TIMEOUT": float(os.environ.get("PARLEY_HELLO_TIMEOUT", "5")),
    # Seconds before the server ends a fallback event stream; the widget reconnects
    # and resumes, so proxies never see a connection older than this.
    "STREAM_MAX_AGE": float(os.environ.get("PARLEY_STREAM_MAX_AGE", "300")),
    # Frames per second a socket may send on average (burst twice that) before 4429.
    "FRAME_RATE": 10,
    # Threads that run the sockets' database work in each server process, each with
    # a connection of its own (helpdesk/db.py). On PostgreSQL a message waits on
    # several round trips (and any row lock), which several threads overlap; SQLite
    # takes one writer at a time, so more threads there would only queue for its lock.
    "SOCKET_DATABASE_THREADS": env_count(
        "PARLEY_SOCKET_DATABASE_THREADS", 4 if os.environ.get("DATABASE_URL") else 1, least=1
    ),
    # Messages replayed on resume before the server answers "resync" instead.
    "REPLAY_LIMIT": 500,
    # Seconds an agent's socket goes on acting on its own check that the account is
    # still active (at most one query per socket per interval); a deactivation that
    # sends no signal (a queryset update) stops the socket's next frame after it.
    "ACCOUNT_CHECK_INTERVAL": 5,
    # Seconds a server process that died (killed, out of memory) may go on showing
    # its agents and visitors as connected: their presence expires unless renewed
    # by a ping, and the check that tells dashboards runs every sixth of this
    # (5 s at most). Clients must ping within the difference (the dashboard pings
    # every 20 s, the widget every 25 s): keep it at 35 or more in production.
    "PRESENCE_TTL": int(os.environ.get("PARLEY_PRESENCE_TTL", "60")),
    # Seconds a visitor may wait for a first answer, while agents are online, before
    # the assignee (or the team) is emailed. With nobody online they are at once.
    "UNANSWERED_DELAY": int(os.environ.get("PARLEY_UNANSWERED_DELAY", "120")),
    # Seconds an agent's reply may stay unseen by an offline visitor before it is
    # emailed to them, with every other unseen reply and a link back into the chat.
    "VISITOR_EMAIL_DELAY": int(os.environ.get("PARLEY_VISITOR_EMAIL_DELAY", "300")),
    # How long the link in that email reopens the chat.
    "REOPEN_LINK_MAX_AGE": 7 * 24 * 60 * 60,
    # Seconds a ticket may stay quiet (the agent having had the last word) before it
    # is resolved; 0 turns auto-resolve off.
    "AUTO_RESOLVE_AFTER": int(os.environ.get("PARLEY_AUTO_RESOLVE_AFTER", 24 * 60 * 60)),
    # Whether routing gives queued chats to agents (agents/routing.py); off, agents
    # pick them from the inbox themselves, and visitors are still told their place.
    "AUTO_ASSIGN": env_bool("PARLEY_AUTO_ASSIGN", True),
    # Seconds a chat's assignee may be away or offline before it goes back to the
    # queue (agents/requeue.py); 0: it waits for them.
    "REQUEUE_AFTER": int(os.environ.get("PARLEY_REQUEUE_AFTER", 10 * 60)),
    # Whether an agent answering a chat nobody has takes it (chat.ticket_actions).
    "ASSIGN_ON_REPLY": env_bool("PARLEY_ASSIGN_ON_REPLY", True),
    # Where agents reach the dashboard, for links in their emails.
    "SITE_URL": SITE_URL,
    # The header a trusted proxy puts the client's address in (X-Forwarded-For,
    # X-Real-IP); empty: the connection's peer, since clients can send any header.
    "CLIENT_ADDRESS_HEADER": os.environ.get("PARLEY_CLIENT_ADDRESS_HEADER", "").strip(),
    # Proxies of yours that each append to that header: the client's address is
    # this many places from its right end.
    "TRUSTED_PROXY_COUNT": int(os.environ.get("PARLEY_TRUSTED_PROXY_COUNT", "1")),
    "RATE_LIMITS": rate_limits(),
    # Widget sockets one client address may hold open at once, across every server
    # process; past it a new one is closed with 4429. 0: no cap.
    "SOCKETS_PER_IP": int(os.environ.get("PARLEY_SOCKETS_PER_IP", "200")),
    # WebSocket handshakes one server process may have in flight (connected, not
    # yet accepted); past it a new socket is accepted and closed with 4503 (busy)
    # at once, and the client comes back with backoff (helpdesk/handshakes.py).
    # 0: no cap.
    "HANDSHAKES_IN_FLIGHT": env_count("PARLEY_HANDSHAKES_IN_FLIGHT", 50, least=0),
    # Seconds a widget socket's address and visitor are refused (4429 at connect)
    # after the socket was closed for flooding; doubled for each further flood
    # within an hour, up to FLOOD_PENALTY_MAX.
    "FLOOD_PENALTY": int(os.environ.get("PARLEY_FLOOD_PENALTY", "10")),
    "FLOOD_PENALTY_MAX": int(os.environ.get("PARLEY_FLOOD_PENALTY_MAX", "900")),
    # Days a resolved or closed conversation is kept before its messages and
    # files are erased (chat/privacy); 0 keeps them for ever.
    "RETENTION_DAYS": int(os.environ.get("PARLEY_RETENTION_DAYS", "0")),
    # Outgoing webhooks (chat/webhooks; docs/deploy.md).
    "WEBHOOKS": {
        # Seconds to connect to a receiver, and to wait for each read of its answer.
        "TIMEOUT": float(os.environ.get("PARLEY_WEBHOOK_TIMEOUT", "10")),
        # Tries per delivery, the first included; waits double from RETRY_BASE seconds.
        "MAX_ATTEMPTS": int(os.environ.get("PARLEY_WEBHOOK_MAX_ATTEMPTS", "6")),
        "RETRY_BASE": float(os.environ.get("PARLEY_WEBHOOK_RETRY_BASE", "30")),
        # Failed attempts in a row after which an endpoint is switched off.
        "DISABLE_AFTER": int(os.environ.get("PARLEY_WEBHOOK_DISABLE_AFTER", "20")),
        # Seconds each process keeps its list of who subscribes to what.
        "SUBSCRIPTION_CACHE": 30,
    },
    # Emails to one address per UTC day, of every kind (transcripts, replies,
    # team notifications); past it they are not sent.
    "EMAILS_PER_ADDRESS_PER_DAY": int(os.environ.get("PARLEY_EMAILS_PER_ADDRESS_PER_DAY", "200")),
    # Transcript requests naming one address per UTC day, from anyone; past it 429.
    "TRANSCRIPTS_PER_ADDRESS_PER_DAY": int(
        os.environ.get("PARLEY_TRANSCRIPTS_PER_ADDRESS_PER_DAY", "10")
    ),
    # Largest request body with files (an upload): the attachment and the form
    # around it. Anything larger is refused (413) before it is read.
    "REQUEST_MAX_BYTES": int(
        os.environ.get(
            "PARLEY_REQUEST_MAX_BYTES",
            int(os.environ.get("PARLEY_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)) + 512 * 1024,
        )
    ),
    "ASSISTANT": assistant_settings(),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "parley": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
