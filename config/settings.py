"""The typed settings. Every field is read from ``BUYFREE_<NAME>``."""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.keys import pem_text

ENV_PREFIX = "BUYFREE_"


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=False)

    database_url: str | None = Field(None, description="PostgreSQL URL; empty: start the embedded server")
    redis_url: str | None = Field(None, description="Redis URL (redis://, rediss://, unix://, redis+cluster://h1:p1,h2:p2); empty: embedded")
    data_dir: Path = Field(Path("./var"), description="Where the embedded servers keep their data")
    admin_token: str | None = Field(None, min_length=16, description="The admin API token (required outside demo)")
    secret_key: str | None = Field(None, min_length=16, description="Signs sessions and CSRF tokens (required outside demo)")
    timezone: str = Field("Asia/Shanghai", description="Business time zone for days, weeks, months, years")
    device_online_seconds: int = Field(120, ge=10, le=86400, description="A device is online this long after its last heartbeat or purchase")
    late_window_days: int = Field(30, ge=0, le=366, description="How far back an event's time may lie")
    pickup_expiry_hours: int = Field(24, ge=1, le=24 * 30, description="Orders awaiting pickup longer than this are cancelled")
    idempotency_days: int = Field(7, ge=7, le=365, description="How long idempotency records are kept")
    gps_retention_days: int = Field(90, ge=1, description="GPS points older than this are dropped (by month partition)")
    ad_play_retention_days: int = Field(400, ge=1, description="Ad plays older than this are dropped (by month partition)")
    stock_alert_threshold: int = Field(5, ge=0, description="A device stock row at or below this raises a stock alert")
    station_stock_alert_threshold: int = Field(10, ge=0, description="A station's on-shelf sku at or below this raises a station_stock_low alert")
    device_offline_alert_minutes: int = Field(30, ge=1, le=7 * 24 * 60, description="An activated device unseen this long raises a device_offline alert")
    no_sales_alert_hours: int = Field(3, ge=1, le=13, description="An online device without a sale this long (08:00-22:00 business time) raises a no_sales alert")
    alerts_after_commit: bool = Field(True, description="Evaluate the alert rules an event can make true right after its commit (else only the scheduler's minute)")
    restock_target_days: int = Field(7, ge=1, le=365, description="Restock suggestions bring a sku to this many days of cover")
    amqp_url: str | None = Field(None, description="RabbitMQ URL (amqp:// or amqps://); empty: no event stream is published")
    amqp_exchange: str = Field("buyfree.events", min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.:-]+$",
                               description="The durable topic exchange the relay publishes every event to")
    driver_stale_minutes: int = Field(30, ge=1, description="Drivers unseen this long leave the live map")
    map_tiles: str = Field("OpenStreetMap", description="Leaflet tile URL template or a folium tile name")
    map_attribution: str | None = Field(None, description="Attribution for a custom tile URL")
    screen_refresh_ms: int = Field(1500, ge=500, le=10000, description="Big-screen refresh interval")
    stream_coalesce_ms: int = Field(200, ge=20, le=5000, description="Live stream: at most one figures event per scope this often")
    stream_heartbeat_seconds: float = Field(15, gt=0, le=300, description="Live stream: a comment line this often keeps proxies from closing it")
    stream_recheck_seconds: float = Field(2, gt=0, le=60, description="Live stream: how often open streams' rights are checked again")
    stream_process: bool = Field(True, description="Live stream: the web server starts a process of its own for the streams (else each worker serves its own)")
    stream_socket: Path | None = Field(None, description="Live stream: the stream process's Unix socket (default: a new one each time the web server starts)")
    screen_rotate_seconds: int = Field(15, ge=0, le=3600, description="A kiosk wall turns its hot sellers' period (day, week, ...) this often; 0: never")
    secure_cookies: bool = Field(False, description="Mark session cookies Secure (behind HTTPS)")
    session_hours: int = Field(12, ge=1, le=24 * 30, description="Console sign-in lifetime")
    login_attempts_per_minute: int = Field(10, ge=1, description="Sign-in attempts allowed per minute per address and user")
    db_pool_size: int = Field(10, ge=1, le=200, description="SQLAlchemy pool size per process")
    # gunicorn (commands/gunicorn_conf.py): `python app.py serve` and the image's plain `gunicorn -c gunicorn.conf.py`.
    group_commit_ms: float = Field(1.5, ge=0, le=20, description="How long a group of single purchases waits for "
                                   "requests already on their way in the same process (0: no wait; purchases "
                                   "arriving while a group is settled still form the next group)")
    web_host: str = Field("127.0.0.1", description="Address gunicorn binds (0.0.0.0 in the container)")
    web_port: int = Field(8050, ge=1, le=65535, description="Port gunicorn binds")
    web_workers: int = Field(2, ge=1, le=64, description="gunicorn worker processes (about two per core)")
    web_threads: int = Field(4, ge=1, le=64, description="Threads per gunicorn worker")
    web_worker: Literal["epoll", "gthread"] = Field("epoll", description="How a worker's threads take requests: "
                                                    "'epoll', each waits on the connections itself; 'gthread', "
                                                    "gunicorn's loop hands each request to a thread")
    web_timeout: int = Field(30, ge=5, le=600, description="Seconds a request may take before its worker is replaced")
    web_graceful_timeout: int = Field(30, ge=1, le=600, description="Seconds in-flight requests get to finish on SIGTERM")
    web_keepalive: int = Field(5, ge=0, le=300, description="Seconds an idle keep-alive connection stays open")
    web_max_requests: int = Field(0, ge=0, description="Replace a worker after this many requests (0: never)")
    web_forwarded_allow_ips: str = Field("127.0.0.1", description="Proxies trusted for X-Forwarded-* headers ('*' behind a load balancer)")
    web_accesslog: str | None = Field(None, description="gunicorn's own access log ('-': stdout); the app logs every request anyway")
    # Ad creatives (store/objects): a directory under data_dir, or an S3-compatible bucket.
    object_store_url: str | None = Field(None, description="Object store: empty = a directory under BUYFREE_DATA_DIR; s3://bucket[/prefix]")
    s3_endpoint: str | None = Field(None, description="S3 endpoint URL (MinIO: http://minio:9000); empty: AWS's own")
    s3_public_endpoint: str | None = Field(None, description="Endpoint devices reach, used in presigned URLs (default BUYFREE_S3_ENDPOINT)")
    s3_access_key: str | None = Field(None, description="S3 access key (with the secret key; both empty: boto3's usual credential chain)")
    s3_secret_key: str | None = Field(None, description="S3 secret key")
    s3_region: str = Field("us-east-1", min_length=1, description="S3 region (MinIO ignores it)")
    creative_max_mb: int = Field(200, ge=1, le=5000, description="Largest creative upload, in MB (MiB)")
    # Alipay (API.md "Payments (Alipay)"); without an app id the payment endpoints answer 503.
    alipay_app_id: str | None = Field(None, max_length=32, pattern=r"^[0-9A-Za-z]+$", description="Alipay app id; empty: payments not configured")
    alipay_private_key: SecretStr | None = Field(None, description="The app's RSA private key: PEM text or a file path")
    alipay_public_key: str | None = Field(None, description="Alipay's RSA public key: PEM text or a file path")
    alipay_gateway: str = Field("https://openapi.alipay.com/gateway.do", description="Alipay's gateway.do URL (the sandbox's, or a local stand-in)")
    alipay_notify_url: str | None = Field(None, description="Public URL of POST /api/v1/payments/alipay/notify, sent to Alipay")
    alipay_timeout_seconds: float = Field(3.0, ge=0.2, le=30, description="Longest wait for one Alipay call (connect at most 1.5 s of it)")
    payment_expiry_minutes: int = Field(10, ge=1, le=120, description="A payment not paid this long after it was created is closed")
    log_level: str = Field("INFO", description="Log level")
    log_json: bool = Field(False, description="Structured JSON logs")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @field_validator("database_url", "redis_url", "admin_token", "secret_key", "object_store_url", "s3_endpoint",
                     "s3_public_endpoint", "s3_access_key", "s3_secret_key", "amqp_url", "alipay_app_id",
                     "alipay_private_key", "alipay_public_key", "alipay_notify_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _pg_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://", "redis+cluster://")):
            raise ValueError("must be a redis://, rediss://, unix:// or redis+cluster:// URL")
        return value

    @field_validator("object_store_url")
    @classmethod
    def _object_store_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?", value):
            raise ValueError("must be empty (a directory under BUYFREE_DATA_DIR) or s3://bucket[/prefix]")
        return value

    @field_validator("s3_endpoint", "s3_public_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _s3_keys_together(self) -> "Settings":
        if (self.s3_access_key is None) != (self.s3_secret_key is None):
            raise ValueError("BUYFREE_S3_ACCESS_KEY and BUYFREE_S3_SECRET_KEY go together")
        return self

    @property
    def creative_max_bytes(self) -> int:
        return self.creative_max_mb * 1024 * 1024

    @field_validator("amqp_url")
    @classmethod
    def _amqp_url(cls, value: str | None) -> str | None:
        if value is not None:
            import pika  # the relay's client parses it as it will connect

            if not value.startswith(("amqp://", "amqps://")):
                raise ValueError("must be an amqp:// or amqps:// URL")
            try:
                pika.URLParameters(value)
            except Exception as exc:
                raise ValueError(f"not a usable AMQP URL: {exc}") from None
        return value
    @field_validator("alipay_private_key")
    @classmethod
    def _private_key(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else SecretStr(pem_text(value.get_secret_value(), private=True))

    @field_validator("alipay_public_key")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        return None if value is None else pem_text(value, private=False)

    @field_validator("alipay_gateway", "alipay_notify_url")
    @classmethod
    def _alipay_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _alipay_complete(self):
        if self.alipay_app_id:
            for name in ("alipay_private_key", "alipay_public_key", "alipay_notify_url"):
                if getattr(self, name) is None:
                    raise ValueError(f"{ENV_PREFIX}{name.upper()} is required with {ENV_PREFIX}ALIPAY_APP_ID")
        return self

    @property
    def payments_configured(self) -> bool:
        return bool(self.alipay_app_id)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_secrets(self) -> None:
        """Outside the demo the admin token and the secret key must be set."""
        for name in ("admin_token", "secret_key"):
            if not getattr(self, name):
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} is not set: it is required outside `demo` "
                                    f"(use at least 16 random characters)")


def load_settings(**overrides) -> Settings:
    """Read the environment (plus overrides) and check it; errors name the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            if err["loc"]:
                lines.append(f"{ENV_PREFIX}{str(err['loc'][0]).upper()}: {err['msg']}")
            else:  # a rule across fields names its variables itself
                lines.append(err["msg"].removeprefix("Value error, "))
        raise SettingsError("bad setting: " + "; ".join(lines)) from None
