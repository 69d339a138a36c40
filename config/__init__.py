"""Settings per environment, read from environment variables.

`load(name)` returns a plain dict; `wallet.create_app` applies it, then any mapping a
caller passes (tests use that to point at their own database).
"""

import os
import secrets


class ConfigurationError(RuntimeError):
    """A setting the chosen environment needs is missing or wrong."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _base() -> dict:
    return {
        "DATABASE_URL": _env("DATABASE_URL"),
        # Connections per app process (PostgreSQL); mind the server's max_connections.
        "DATABASE_POOL_SIZE": int(_env("DATABASE_POOL_SIZE", "5")),
        "DATABASE_MAX_OVERFLOW": int(_env("DATABASE_MAX_OVERFLOW", "10")),
        # A ping costs a round trip at every checkout (several per request). Off: a dropped
        # connection fails one request, SQLAlchemy then replaces the whole pool; recycling
        # keeps connections younger than firewalls' idle limits.
        "DATABASE_POOL_PRE_PING": _env("DATABASE_POOL_PRE_PING", "0") == "1",
        "DATABASE_POOL_RECYCLE_SECONDS": int(_env("DATABASE_POOL_RECYCLE_SECONDS", "1800")),
        "SECRET_KEY": _env("SECRET_KEY"),
        "STRIPE_SECRET_KEY": _env("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": _env("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET"),
        # Where the Stripe SDK sends requests; tests point it at localstripe on loopback.
        "STRIPE_API_BASE": _env("STRIPE_API_BASE", "https://api.stripe.com"),
        "BABEL_DEFAULT_LOCALE": "nl",
        "LANGUAGES": ("nl", "en", "de"),
        # A claim carries an invoice and a certificate of at most 10 MB each.
        "MAX_CONTENT_LENGTH": 24 * 1024 * 1024,
        "API_MAX_JSON_BYTES": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Sessions live on the server (wallet.sessions): in Redis when REDIS_URL is set, in
        # the database otherwise. A session ends after this long without a request (staff
        # and workers), and at the latest this long after sign-in.
        "REDIS_URL": _env("REDIS_URL"),
        "SESSION_IDLE_MINUTES_STAFF": int(_env("SESSION_IDLE_MINUTES_STAFF", "30")),
        "SESSION_IDLE_MINUTES_WORKER": int(_env("SESSION_IDLE_MINUTES_WORKER", "120")),
        "SESSION_ABSOLUTE_HOURS": int(_env("SESSION_ABSOLUTE_HOURS", "12")),
        # A session's last-seen time is written at most this often, not on every request.
        "SESSION_TOUCH_SECONDS": 60,
        # The waiting room of a first-come scheme (wallet.waitingroom): people admitted per
        # second once the window opens (a scheme may set its own), and how long an admission
        # lasts before the turn passes on. Tickets live where sessions do.
        "WAITING_ROOM_RATE": int(_env("WAITING_ROOM_RATE", "50")),
        "WAITING_ROOM_ADMISSION_MINUTES": int(_env("WAITING_ROOM_ADMISSION_MINUTES", "10")),
        # The apply form's gate reads a scheme's room at most this often per process.
        "WAITING_ROOM_GATE_CACHE_SECONDS": float(_env("WAITING_ROOM_GATE_CACHE_SECONDS", "2")),
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_THROTTLE_ATTEMPTS": 5,
        # Days a provider has to answer an application before it expires and its hold is freed.
        "APPLICATION_RESPOND_DAYS": int(_env("APPLICATION_RESPOND_DAYS", "14")),
        "LOGIN_THROTTLE_MINUTES": 15,
        # Housekeeping (wallet.housekeeping, docs/operations.md "Housekeeping"): how long rows
        # that only served a moment are kept before the nightly job deletes them.
        # An idempotency key answers retries of one write; clients retry within hours.
        "IDEMPOTENCY_KEY_RETENTION_DAYS": int(_env("IDEMPOTENCY_KEY_RETENTION_DAYS", "30")),
        # Failed logins throttle sign-ins for a day at most; kept longer to look into attacks.
        "LOGIN_FAILURE_RETENTION_DAYS": int(_env("LOGIN_FAILURE_RETENTION_DAYS", "30")),
        # A processed Stripe event refuses its replay; Stripe retries for 3 days at most and
        # the signature is only accepted for 5 minutes, so 90 days is ample.
        "WEBHOOK_EVENT_RETENTION_DAYS": int(_env("WEBHOOK_EVENT_RETENTION_DAYS", "90")),
        # Sent e-mails stay readable on the outbox page (support questions) this long.
        "OUTBOX_SENT_RETENTION_DAYS": int(_env("OUTBOX_SENT_RETENTION_DAYS", "90")),
        # Verification, password and e-mail change links: deleted this long after they expired
        # (used or not); an expired link opens nothing either way.
        "LINK_RETENTION_DAYS": int(_env("LINK_RETENTION_DAYS", "30")),
        # A closed account's personal data is pseudonymised this many years after closing:
        # the Dutch fiscal retention of financial records (art. 52 AWR) is 7 years, and the
        # claims and payouts name the worker they paid for.
        "PERSONAL_DATA_RETENTION_YEARS": int(_env("PERSONAL_DATA_RETENTION_YEARS", "7")),
        # Rows one DELETE removes at most, so a big table is never locked for long.
        "HOUSEKEEPING_BATCH_SIZE": int(_env("HOUSEKEEPING_BATCH_SIZE", "5000")),
        # API tokens: valid 90 days unless their maker chooses otherwise, a year at most; their
        # last use is written at most once a minute.
        "API_TOKEN_DAYS": 90,
        "API_TOKEN_MAX_DAYS": 365,
        "API_TOKEN_USE_SECONDS": 60,
        # Rate limits (Flask-Limiter): counters in memory, or in Redis when
        # RATELIMIT_STORAGE_URI or REDIS_URL is set (needed with several app processes). Login
        # counts per address (wallet.accounts also throttles per account and address),
        # reset requests per address, the step-up per user, the API per token. Only POSTs
        # count, apart from the API. Registration is counted in the database instead
        # (REGISTRATION_LIMIT_* below), which every app process shares.
        "RATELIMIT_ENABLED": _env("RATELIMIT_ENABLED", "true").lower() in ("1", "true", "yes"),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI"),
        "RATELIMIT_KEY_PREFIX": "leerwallet",
        # Redis unreachable: count in this process's memory instead of failing every request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "20 per minute; 200 per hour"),
        "PASSWORD_RESET_RATE_LIMIT": _env("PASSWORD_RESET_RATE_LIMIT", "5 per 15 minutes"),
        "STEP_UP_RATE_LIMIT": _env("STEP_UP_RATE_LIMIT", "10 per 5 minutes; 30 per hour"),
        "API_RATE_LIMIT": _env("API_RATE_LIMIT", "600 per minute"),
        # Second factor: how long a password waits for its code, how long a given factor
        # counts as fresh for step-up, and the spend a worker confirms with it.
        "SECOND_FACTOR_PENDING_MINUTES": 5,
        "STEP_UP_MINUTES": int(_env("STEP_UP_MINUTES", "5")),
        "STEP_UP_SPEND_CENTS": int(_env("STEP_UP_SPEND_CENTS", "100000")),
        # Encrypts TOTP secrets at rest; falls back to SECRET_KEY. Changing it voids every
        # enrolled authenticator app.
        "SECOND_FACTOR_KEY": _env("SECOND_FACTOR_KEY"),
        # Accounts one address, and one /24 (IPv4) or /64 (IPv6) network, may register in
        # REGISTRATION_LIMIT_MINUTES (wallet.verification.signals); more get a 429 page.
        "REGISTRATION_LIMIT_PER_ADDRESS": int(_env("REGISTRATION_LIMIT_PER_ADDRESS", "5")),
        "REGISTRATION_LIMIT_PER_NETWORK": int(_env("REGISTRATION_LIMIT_PER_NETWORK", "20")),
        "REGISTRATION_LIMIT_MINUTES": int(_env("REGISTRATION_LIMIT_MINUTES", "60")),
        # argon2id parameters (RFC 9106 "second recommended option" scaled to a web request).
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 64 * 1024,
        "ARGON2_PARALLELISM": 2,
        # The site's address for every link in an e-mail or handed to another service; never
        # taken from a request's Host header, which whoever sends the request chooses.
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        # Passkeys (WebAuthn): the relying party id (a domain, never an IP address) and the
        # origin browsers report. Unset, both come from BASE_URL; a loopback BASE_URL such as
        # http://127.0.0.1:5000 gives localhost, since browsers refuse an IP address.
        "PASSKEY_RP_ID": _env("PASSKEY_RP_ID"),
        "PASSKEY_ORIGIN": _env("PASSKEY_ORIGIN"),
        "PASSKEY_RP_NAME": "Leerwallet",
        # How long the browser and the person have to answer a passkey challenge.
        "PASSKEY_CHALLENGE_SECONDS": int(_env("PASSKEY_CHALLENGE_SECONDS", "300")),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
        # (0: none, the socket's peer is the client). Set it to the number of proxies a
        # request passes, so throttling and fraud signals see the client, not the proxy.
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0")),
        # Strict-Transport-Security value; set in production only (HTTPS there).
        "STRICT_TRANSPORT_SECURITY": None,
        # Outgoing e-mail. Without MAIL_SERVER (development) nothing is sent: messages stay
        # in the outbox and are read on the outbox page.
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": int(_env("MAIL_PORT", "25")),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_STARTTLS": _env("MAIL_USE_STARTTLS", "false").lower() in ("1", "true", "yes"),
        "MAIL_FROM": _env("MAIL_FROM", "Leerwallet <noreply@leerwallet.nl>"),
        # The footer's contact: where a worker, provider or employer writes or calls with a
        # question; the phone number is shown only when one is set.
        "FUND_CONTACT_EMAIL": _env("FUND_CONTACT_EMAIL", "info@leerwallet.nl"),
        "FUND_CONTACT_PHONE": _env("FUND_CONTACT_PHONE", ""),
        # Sign-in with an OpenID Connect identity provider (e.g. DigiD through a broker). Without
        # OIDC_ISSUER the button is hidden and the /oidc pages answer 404. The issuer is the
        # exact `issuer` of its discovery document (/.well-known/openid-configuration).
        "OIDC_ISSUER": _env("OIDC_ISSUER"),
        "OIDC_CLIENT_ID": _env("OIDC_CLIENT_ID"),
        "OIDC_CLIENT_SECRET": _env("OIDC_CLIENT_SECRET"),
        "OIDC_LABEL": _env("OIDC_LABEL", "DigiD"),
        "OIDC_SCOPES": _env("OIDC_SCOPES", "openid profile email"),
        # Logs: JSON lines on stderr (wallet.ops.logs), or text for a person at a terminal.
        "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        "LOG_FORMAT": _env("LOG_FORMAT", "json"),
        # Error reports to Sentry when set and sentry-sdk is installed (leerwallet[sentry]).
        "SENTRY_DSN": _env("SENTRY_DSN"),
        # /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is off (404).
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        # The scheduler process serves its own metrics (job runs) on this port when set.
        "SCHEDULER_METRICS_PORT": int(_env("SCHEDULER_METRICS_PORT", "0")),
        "SCHEDULER_METRICS_ADDRESS": _env("SCHEDULER_METRICS_ADDRESS", "127.0.0.1"),
        # Other cron times for some jobs, as JSON: {"expire-holds": {"minute": "*/2"}}
        # (APScheduler cron fields, Europe/Amsterdam); the others keep wallet/scheduler/jobs.py's.
        "SCHEDULER_CRON": _env("SCHEDULER_CRON"),
        # Documents (invoices, certificates, e-invoices; wallet.core.storage): "local" keeps
        # them in UPLOAD_FOLDER, "s3" in an S3-compatible bucket that every app server
        # shares. S3_ENDPOINT_URL is set for a store other than AWS (MinIO, Ceph, ...); the
        # access keys are read by boto3 itself (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or
        # an instance role), never by these settings.
        "STORAGE_BACKEND": (_env("STORAGE_BACKEND", "local") or "local").lower(),
        "S3_BUCKET": _env("S3_BUCKET"),
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "S3_REGION": _env("S3_REGION"),
        "S3_PREFIX": _env("S3_PREFIX", ""),
        "ENVIRONMENT": "base",
    }


def development() -> dict:
    settings = _base()
    settings.update(ENVIRONMENT="development", DEBUG=False)
    settings["LOG_FORMAT"] = _env("LOG_FORMAT", "text")
    # Without MAIL_SERVER the demo sends no mail: the outbox page shows reset and invitation
    # links to platform administrators, so a newcomer can try them. Never in production.
    settings["OUTBOX_SHOWS_LINKS"] = True
    # A laptop needs no secret to be set; a fresh one per process logs everyone out on restart.
    settings["SECRET_KEY"] = settings["SECRET_KEY"] or secrets.token_hex(32)
    # Fixed on a laptop, so the demo's authenticator secrets survive a restart.
    settings["SECOND_FACTOR_KEY"] = settings["SECOND_FACTOR_KEY"] or "development-only"
    return settings


def testing() -> dict:
    settings = _base()
    settings.update(
        ENVIRONMENT="testing",
        TESTING=True,
        SECRET_KEY="testing-only-secret-key",  # noqa: S106 - fixed so tests are reproducible
        DATABASE_URL=_env("WALLET_TEST_DATABASE_URL"),
        # Cheap hashes keep the suite fast; production keeps the parameters above.
        ARGON2_TIME_COST=1,
        ARGON2_MEMORY_COST=1024,
        ARGON2_PARALLELISM=1,
        # Tests that send e-mail start their own SMTP server; never reach a real one.
        MAIL_SERVER=None,
        # Sessions in the database; tests/sessions also run them against Redis on purpose.
        REDIS_URL=None,
        # Offline unless a test points Stripe at localstripe itself.
        STRIPE_SECRET_KEY=None,
        STRIPE_PUBLISHABLE_KEY=None,
        STRIPE_WEBHOOK_SECRET=None,
        # The suite signs in hundreds of times from 127.0.0.1: limits are off, and the tests
        # of the limits (tests/ratelimits) build apps with them on, on memory and on Redis.
        RATELIMIT_ENABLED=False,
        # Tests move the clock and change rooms between requests: the gate reads afresh.
        WAITING_ROOM_GATE_CACHE_SECONDS=0,
        # Documents in each test's folder; the S3 tests start their own store on loopback.
        STORAGE_BACKEND="local",
        S3_BUCKET=None,
        S3_ENDPOINT_URL=None,
        # Quiet unless something is wrong; tests/ops turn the level up to read the lines.
        LOG_LEVEL=_env("LOG_LEVEL", "WARNING"),
    )
    return settings


def production() -> dict:
    settings = _base()
    settings.update(
        ENVIRONMENT="production",
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
        PREFERRED_URL_SCHEME="https",
        STRICT_TRANSPORT_SECURITY="max-age=31536000; includeSubDomains",
    )
    if not settings["SECRET_KEY"]:
        raise ConfigurationError("SECRET_KEY must be set in production.")
    if len(settings["SECRET_KEY"]) < 32:
        raise ConfigurationError("SECRET_KEY must be at least 32 characters in production.")
    if not settings["DATABASE_URL"]:
        raise ConfigurationError("DATABASE_URL must be set in production.")
    # Every e-mail link and Stripe return address is built on it: the development default
    # would send people to 127.0.0.1, and plain http to a page HSTS then refuses.
    if not (_env("BASE_URL") or "").startswith("https://"):
        raise ConfigurationError(
            "BASE_URL must be set to the site's https:// address in production."
        )
    if settings["STORAGE_BACKEND"] not in ("local", "s3"):
        raise ConfigurationError("STORAGE_BACKEND must be local or s3.")
    if settings["STORAGE_BACKEND"] == "s3" and not settings["S3_BUCKET"]:
        raise ConfigurationError("STORAGE_BACKEND=s3 needs S3_BUCKET in production.")
    return settings


ENVIRONMENTS = {"development": development, "testing": testing, "production": production}


def load(name: str | None = None) -> dict:
    """Settings for `name`, or for WALLET_ENV (default: development)."""
    name = name or _env("WALLET_ENV", "development")
    try:
        return ENVIRONMENTS[name]()
    except KeyError:
        raise ConfigurationError(
            f"Unknown environment {name!r}; use one of {', '.join(ENVIRONMENTS)}."
        ) from None
