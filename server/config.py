"""Settings read from the environment, with safe embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from . import file_modes

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _kept_secret(env: str, filename: str, make) -> str:
    """A secret from the environment, else one made once and kept in instance/ (mode 600).

    The embedded default must survive restarts: sessions, and above all the data keys
    that encrypt customer details. Production sets the environment variables.
    """
    if value := os.environ.get(env):
        return value
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = INSTANCE_DIR / filename
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    file_modes.make_private(path)  # also one written by an older version or by hand
    return path.read_text().strip()


def _secret_key() -> str:
    return _kept_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(48))


def _data_keys() -> str:
    from .crypto import new_key_spec

    return _kept_secret("DATA_KEYS", "data_keys", lambda: new_key_spec("k1"))


def _phone_hash_key() -> str:
    return _kept_secret("PHONE_HASH_KEY", "phone_hash_key", lambda: secrets.token_urlsafe(32))


def _sla_hours(prefix: str, defaults: dict[str, float]) -> dict[str, float]:
    return {p: float(os.environ.get(f"{prefix}_{p.upper()}", h)) for p, h in defaults.items()}


def _work_hours(spec: str) -> dict[str, list[str] | None]:
    """'mon-fri 08:30-18:00; sat 09:00-12:00' -> {"mon": ["08:30", "18:00"], ..., "sun": None}."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours: dict[str, list[str] | None] = dict.fromkeys(days)
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        which, _, span = part.partition(" ")
        first, _, last = which.partition("-")
        opens, _, closes = span.strip().partition("-")
        for day in days[days.index(first) : days.index(last or first) + 1]:
            hours[day] = [opens, closes]
    return hours


def _redis_of(uri: str) -> str | None:
    return uri if uri.startswith(("redis://", "rediss://")) else None


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables."""
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'onsite.db'}"
    if db_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; SQLAlchemy's bare scheme means psycopg2.
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://") :]
    return {
        "SECRET_KEY": _secret_key(),
        # Customer phone and address are encrypted at rest (server/crypto.py).
        "DATA_KEYS": _data_keys(),
        "PHONE_HASH_KEY": _phone_hash_key(),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Cookies: Secure (browsers accept it on http://127.0.0.1 as a secure context),
        # HttpOnly and SameSite=Lax so a cross-site POST never carries the session.
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,
        # Flask-Babel: msgids are English; catalogues in server/translations (README, "Languages").
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        # WebAuthn relying party: the id is the host name, the origin what the browser sends.
        "WEBAUTHN_RP_ID": os.environ.get("WEBAUTHN_RP_ID", "localhost"),
        "WEBAUTHN_RP_NAME": os.environ.get("WEBAUTHN_RP_NAME", "Onsite"),
        "WEBAUTHN_ORIGINS": [
            o.strip()
            for o in os.environ.get("WEBAUTHN_ORIGIN", "http://localhost:5000,http://127.0.0.1:5000").split(",")
            if o.strip()
        ],
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # The tracking page's wrong answers (last four phone digits): per address, and per ticket.
        "TRACK_RATE_LIMIT": os.environ.get("TRACK_RATE_LIMIT", "10 per hour"),
        "TRACK_TICKET_RATE_LIMIT": os.environ.get("TRACK_TICKET_RATE_LIMIT", "5 per 15 minutes;20 per day"),
        "TRACK_SESSION_MINUTES": int(os.environ.get("TRACK_SESSION_MINUTES", 30)),
        # Web Push endpoints are the browsers' push services, always https: a plain-http endpoint
        # (a local test push service) only when this is set, so a subscription cannot point the
        # server's sender at an internal address.
        "PUSH_ENDPOINT_PLAIN_HTTP": os.environ.get("PUSH_ENDPOINT_PLAIN_HTTP", "") == "1",
        # Web Push's VAPID key pair (generated on first use; unset: instance/vapid_private.pem) and
        # the contact the push services are given.
        "VAPID_KEY_FILE": os.environ.get("VAPID_KEY_FILE") or None,
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT", "mailto:service@onsite.invalid"),
        # Sending the signed report from the phone to an address typed there, per user.
        "REPORT_SEND_RATE_LIMIT": os.environ.get("REPORT_SEND_RATE_LIMIT", "20 per hour"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Shared state for several workers (pending passkey challenges); defaults to the
        # limiter's Redis when that is one. Without it the database keeps the challenges.
        "REDIS_URL": os.environ.get("REDIS_URL") or _redis_of(os.environ.get("RATELIMIT_STORAGE_URI", "")),
        # Sign-ins (server/auth/sign_ins.py): a browser sign-in unused this long is over; bearer
        # tokens live this long; last-use times are written at most this often.
        "SIGN_IN_IDLE_DAYS": float(os.environ.get("SIGN_IN_IDLE_DAYS", 30)),
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * int(float(os.environ.get("SIGN_IN_IDLE_DAYS", 30))),
        "API_TOKEN_DAYS": float(os.environ.get("API_TOKEN_DAYS", 90)),
        "AUTH_TOUCH_SECONDS": 60,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "onsite"),
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in server.auth.csrf, only for cookie sessions
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        # Request bodies (server/request_limits.py): 413 beyond this, before the body is read.
        # A push of 100 entries is ~50 KB, 100 with full-length notes ~1.3 MB. Blob uploads
        # take up to BLOB_MAX_BYTES instead. JSON_MAX_* bound what a JSON body may hold.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_BYTES", 4 * 1024 * 1024)),
        "JSON_MAX_DEPTH": 32,
        "JSON_MAX_STRING": 65_536,
        "JSON_MAX_KEY": 256,
        "JSON_MAX_ITEMS": 1_000,
        "BLOB_DIR": os.environ.get("BLOB_DIR", str(INSTANCE_DIR / "blobs")),
        # Seed 000 §三(三)1: service records are kept 3 years; `flask retention` archives then purges.
        "RETENTION_MONTHS": int(os.environ.get("RETENTION_MONTHS", 36)),
        "ARCHIVE_DIR": os.environ.get("ARCHIVE_DIR", str(INSTANCE_DIR / "archive")),
        "BLOB_MAX_BYTES": int(os.environ.get("BLOB_MAX_BYTES", 10 * 1024 * 1024)),
        "SYNC_PULL_MAX_LIMIT": 1000,
        "SYNC_PUSH_MAX_MUTATIONS": 500,
        # SLA clocks per priority, in hours of working time (server/domain/sla.py has the mapping).
        # Response: seed 001 §四3 (緊急 15 min, 普通 30 min) and 000 §二(二)1 (15 min in working hours).
        "SLA_RESPONSE_HOURS": _sla_hours("SLA_RESPONSE_HOURS", {"urgent": 0.25, "important": 0.25, "normal": 0.5}),
        # Resolution: seed 001 §四3 (technical faults: 緊急 4 h, 普通 24 h).
        "SLA_RESOLUTION_HOURS": _sla_hours("SLA_RESOLUTION_HOURS", {"urgent": 4, "important": 24, "normal": 24}),
        # Escalations (server/services/escalations.py): a case is due this many working hours after it
        # reaches the office, by severity. Seed 002 step 1 紧急分级: 紧急 2 h, 重要 4 h, 一般 24 h.
        "ESCALATION_HOURS": _sla_hours("ESCALATION_HOURS", {"urgent": 2, "important": 4, "normal": 24}),
        # Complaints and recovery cases (server/services/recovery.py): first contact within these wall-clock
        # hours of the case opening, by severity. Seed 002 步骤1 紧急分级: 紧急 2 h, 重要 4 h, 一般 24 h.
        "RECOVERY_FIRST_CONTACT_HOURS": _sla_hours(
            "RECOVERY_FIRST_CONTACT_HOURS", {"urgent": 2, "important": 4, "normal": 24}
        ),
        # Seed 000 §二(二)1: a request outside working hours is answered within 8 h of the next working day
        # (urgent ones within their own limit from the next opening: 000 §二(一)1).
        "SLA_AFTER_HOURS_RESPONSE_HOURS": float(os.environ.get("SLA_AFTER_HOURS_RESPONSE_HOURS", 8)),
        # Seed 000 §二(一)2: standard working days (Monday to Friday) 8:30-18:00; holidays are ISO dates.
        "WORK_HOURS": _work_hours(os.environ.get("WORK_HOURS", "mon-fri 08:30-18:00")),
        "WORK_HOLIDAYS": [d for d in os.environ.get("WORK_HOLIDAYS", "").replace(",", " ").split() if d],
        # Device times (server/domain/device_time.py): a pushed time, corrected by the push's clock
        # offset, may lie this far beyond the server's receipt (network delay in the measurement,
        # clock drift while offline) or before the work order existed; further is refused or flagged.
        "DEVICE_TIME_TOLERANCE_SECONDS": int(os.environ.get("DEVICE_TIME_TOLERANCE_SECONDS", 300)),
        # On-time arrival, one rule for the phone (which asks for the apology) and the KPIs: at the
        # appointment time, plus this many minutes. Seed 003 §三(三)2 and §三(四)3: arrive 5-10 minutes
        # early (按商定时间或提前5分钟到达), and later than the agreed time is late and needs an apology
        # (未按商定时间到达,应首先向顾客道歉), so 0. Phone clock drift no longer needs a grace: the
        # KPIs count from corrected device times.
        "ON_TIME_GRACE_MINUTES": int(os.environ.get("ON_TIME_GRACE_MINUTES", 0)),
        "SERVICE_PHONE": os.environ.get("SERVICE_PHONE", "400-820-1234"),
        # Lean photos (issue #17): the phone resizes to this longest side and encodes WebP (JPEG
        # where it cannot) at this quality (0-1) before storing and uploading.
        "PHOTO_MAX_SIDE": int(os.environ.get("PHOTO_MAX_SIDE", 1600)),
        "PHOTO_QUALITY": float(os.environ.get("PHOTO_QUALITY", 0.8)),
        # Fee schedule handed to the PWA for quotes out of warranty (yuan, two decimals).
        "FEE_SCHEDULE": {
            "call_out": os.environ.get("FEE_CALL_OUT", "50.00"),
            "labour": os.environ.get("FEE_LABOUR", "80.00"),
        },
        "LOW_RATING_THRESHOLD": 3,  # either rating at or below this (of 5) opens a recovery case [002: under 7/10]
        # A TrueType CJK font for the service report PDF (path, or path#index in a .ttc);
        # unset: the first of the usual Debian fonts that loads.
        "REPORT_CJK_FONT": os.environ.get("REPORT_CJK_FONT") or None,
        "WEBAUTHN_CHALLENGE_SECONDS": 300,  # how long a passkey ceremony's challenge stays valid
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_FIELD_NAME": "csrf_token",
        "LOG_LEVEL": "INFO",
        # The PWA: serve the ES module sources instead of the bundle (development), and a salt
        # mixed into the service worker's version (forces an update prompt without a code change).
        "PWA_USE_SOURCES": False,
        "PWA_VERSION_SALT": "",
        # Customer notifications (issue #16; seed 000 §二(二)2, §三(一)1): server/services/notifications.py
        # queues them with the change, server/services/delivery.py sends them.
        # NOTIFY_QUEUE: inline (a thread in this process after commit), rq (Redis job queue, run
        # `flask notify worker`), or manual (only `flask notify deliver-due`). rq when there is a Redis (REDIS_URL).
        "NOTIFY_QUEUE": os.environ.get("NOTIFY_QUEUE")
        or (
            "rq" if os.environ.get("REDIS_URL") or _redis_of(os.environ.get("RATELIMIT_STORAGE_URI", "")) else "inline"
        ),
        "NOTIFY_RQ_QUEUE": os.environ.get("NOTIFY_RQ_QUEUE", "onsite-notify"),
        # Channels tried in order; a customer gets the first one they have an address for.
        "NOTIFY_CHANNELS": [c.strip() for c in os.environ.get("NOTIFY_CHANNELS", "console").split(",") if c.strip()],
        "NOTIFY_MAX_ATTEMPTS": int(os.environ.get("NOTIFY_MAX_ATTEMPTS", 5)),
        "NOTIFY_RETRY_SECONDS": float(os.environ.get("NOTIFY_RETRY_SECONDS", 60)),  # doubled after each failure
        # A row left `sending` this long (its worker died) may be claimed again.
        "NOTIFY_CLAIM_TIMEOUT_SECONDS": int(os.environ.get("NOTIFY_CLAIM_TIMEOUT_SECONDS", 600)),
        # No message in these service-area hours: it waits until they end.
        "NOTIFY_QUIET_HOURS": os.environ.get("NOTIFY_QUIET_HOURS", "21:00-08:00"),
        # The public address links in messages start with (tracking page, signed report).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 25)),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "Onsite <service@onsite.invalid>"),
        "SMS_URL": os.environ.get("SMS_URL") or None,
        "SMS_TEMPLATES": os.environ.get("SMS_TEMPLATES", ""),  # "ticket_created=SMS_001,completed=SMS_005"
        "WECHAT_URL": os.environ.get("WECHAT_URL") or None,
        "WECHAT_TEMPLATES": os.environ.get("WECHAT_TEMPLATES", ""),
        "NOTIFY_HTTP_TOKEN": os.environ.get("NOTIFY_HTTP_TOKEN") or None,  # Bearer token for the providers
        "NOTIFY_HTTP_TIMEOUT": float(os.environ.get("NOTIFY_HTTP_TIMEOUT", 10)),
        "API_TITLE": "Onsite API",
        "API_VERSION": "1.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/apidocs/",  # swagger-ui-dist, copied by `npm run build`
    }
