"""All configuration in one place: environment variables, then the config file, then defaults.

The config file is TOML (`WATCHER_CONFIG`, default `~/.config/watcher/config.toml`):

    [spapi]
    lwa_app_id = "amzn1.application-oa2-client...."
    lwa_client_secret = "..."
    refresh_token = "Atzr|..."
    seller_id = "A2XXXXXXXXXXXX"
    marketplace = "A1VC38T7YXB528"

    [notify]
    url = "https://hooks.slack.com/services/..."   # or WATCHER_NOTIFY_URL
    always = true                                   # or WATCHER_NOTIFY_ALWAYS

Environment variables win over the file. Secrets are kept in a `Credentials` object whose
repr hides them, so they cannot leak through a log line or a traceback.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .errors import ConfigError
from .model import JAPAN

# Region endpoints by marketplace (spapi.md). Anything unknown falls back to Far East
# only for the marketplaces listed there; others must be configured explicitly.
FAR_EAST = "https://sellingpartnerapi-fe.amazon.com"
NORTH_AMERICA = "https://sellingpartnerapi-na.amazon.com"
EUROPE = "https://sellingpartnerapi-eu.amazon.com"
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"

ENDPOINTS = {
    "A1VC38T7YXB528": FAR_EAST,  # Japan
    "A19VAU5U5O7RUS": FAR_EAST,  # Singapore
    "A39IBJ37TRP1C6": FAR_EAST,  # Australia
    "ATVPDKIKX0DER": NORTH_AMERICA,  # United States
    "A2EUQ1WTGCTBG2": NORTH_AMERICA,  # Canada
    "A1AM78C64UM0Y8": NORTH_AMERICA,  # Mexico
    "A2Q3Y263D00KWC": NORTH_AMERICA,  # Brazil
    "A1F83G8C2ARO7P": EUROPE,  # United Kingdom
    "A1PA6795UKMFR9": EUROPE,  # Germany
    "A13V1IB3VIYZZH": EUROPE,  # France
    "APJ6JRA9NG5V4": EUROPE,  # Italy
    "A1RKKUPIHCS9HS": EUROPE,  # Spain
    "A21TJRUUN4KGV": EUROPE,  # India
}

# Marketplace -> IANA zone in which times are shown.
ZONES = {
    "A1VC38T7YXB528": "Asia/Tokyo",
    "A19VAU5U5O7RUS": "Asia/Singapore",
    "A39IBJ37TRP1C6": "Australia/Sydney",
    "ATVPDKIKX0DER": "America/Los_Angeles",
    "A1F83G8C2ARO7P": "Europe/London",
    "A1PA6795UKMFR9": "Europe/Berlin",
}


@dataclass(frozen=True)
class Credentials:
    app_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in a log, an error, the database or a report."""
        return (self.client_secret, self.refresh_token)


@dataclass(frozen=True)
class Settings:
    db_path: Path
    marketplace_id: str = JAPAN
    seller_id: str | None = None
    spapi_endpoint: str = FAR_EAST
    lwa_token_url: str = LWA_TOKEN_URL
    credentials: Credentials | None = None
    config_path: Path | None = None
    warnings: tuple[str, ...] = ()
    request_timeout: float = 30.0  # seconds per SP-API request
    retries: int = 5  # attempts per call on 429 / 5xx / timeouts / dropped connections
    notify_url: str | None = field(default=None, repr=False)  # a webhook URL holds its own token
    notify_always: bool = False  # also a "nothing new" message: silence then means cron stopped

    def require_credentials(self) -> Credentials:
        if self.credentials is None:
            raise ConfigError(self._missing_message())
        return self.credentials

    def _missing_message(self) -> str:
        return (
            "SP-API credentials are missing: set LWA_APP_ID, LWA_CLIENT_SECRET and "
            "SP_API_REFRESH_TOKEN (or put them in the config file "
            f"{self.config_path or default_config_path()})"
        )

    @property
    def zone(self) -> str:
        return ZONES.get(self.marketplace_id, "UTC")


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    if sys.platform == "win32" and env.get("APPDATA"):
        base = env["APPDATA"]
    return Path(base) / "watcher" / "config.toml"


def _read_config_file(path: Path, explicit: bool) -> tuple[dict[str, object], list[str]]:
    warnings: list[str] = []
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file not found: {path}")
        return {}, warnings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.__class__.__name__}") from None
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message names the line, never the (possibly secret) value.
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if sys.platform != "win32":
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(f"config file {path} is readable by other users; run: chmod 600 {path}")
    section = data.get("spapi", data)
    values = dict(section) if isinstance(section, dict) else {}
    notify = data.get("notify")
    if isinstance(notify, dict):
        values.update({f"notify_{key}": value for key, value in notify.items()})
    return values, warnings


def load_settings(
    db: Path | str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from `--db`, the environment and the config file, in that order of priority."""
    env = os.environ if env is None else env
    explicit = bool(env.get("WATCHER_CONFIG"))
    config_path = Path(env["WATCHER_CONFIG"]).expanduser() if explicit else default_config_path(env)
    file_values, warnings = _read_config_file(config_path, explicit)

    def pick(env_name: str, file_key: str) -> str | None:
        value = env.get(env_name) or file_values.get(file_key)
        return str(value).strip() if value else None

    marketplace = pick("WATCHER_MARKETPLACE", "marketplace") or JAPAN
    endpoint = pick("WATCHER_SPAPI_ENDPOINT", "endpoint") or ENDPOINTS.get(marketplace)
    if endpoint is None:
        raise ConfigError(
            f"no SP-API endpoint known for marketplace {marketplace}: set WATCHER_SPAPI_ENDPOINT"
        )
    parts = {
        "LWA_APP_ID": pick("LWA_APP_ID", "lwa_app_id"),
        "LWA_CLIENT_SECRET": pick("LWA_CLIENT_SECRET", "lwa_client_secret"),
        "SP_API_REFRESH_TOKEN": pick("SP_API_REFRESH_TOKEN", "refresh_token"),
    }
    credentials = None
    if all(parts.values()):
        credentials = Credentials(
            app_id=parts["LWA_APP_ID"] or "",
            client_secret=parts["LWA_CLIENT_SECRET"] or "",
            refresh_token=parts["SP_API_REFRESH_TOKEN"] or "",
        )
    elif any(parts.values()):
        missing = ", ".join(name for name, value in parts.items() if not value)
        verb = "is" if missing.count(",") == 0 else "are"
        raise ConfigError(f"SP-API credentials are incomplete: {missing} {verb} not set")
    db_path = Path(db) if db else Path(env.get("WATCHER_DB") or "watcher.db")
    timeout = _number(pick("WATCHER_SPAPI_TIMEOUT", "timeout"), "WATCHER_SPAPI_TIMEOUT", 30.0, 1.0, 300.0)
    retries = int(_number(pick("WATCHER_SPAPI_RETRIES", "retries"), "WATCHER_SPAPI_RETRIES", 5, 1, 10))
    notify_url = pick("WATCHER_NOTIFY_URL", "notify_url")
    if notify_url and not notify_url.lower().startswith(("https://", "http://")):
        # (The value is not repeated: a webhook URL is a secret.)
        raise ConfigError("WATCHER_NOTIFY_URL (or [notify] url) must be an http(s) webhook URL")
    return Settings(
        db_path=db_path.expanduser(),
        marketplace_id=marketplace,
        seller_id=pick("WATCHER_SELLER_ID", "seller_id"),
        spapi_endpoint=endpoint.rstrip("/"),
        lwa_token_url=pick("WATCHER_LWA_TOKEN_URL", "lwa_token_url") or LWA_TOKEN_URL,
        credentials=credentials,
        config_path=config_path,
        warnings=tuple(warnings),
        request_timeout=timeout,
        retries=retries,
        notify_url=notify_url,
        notify_always=_flag(pick("WATCHER_NOTIFY_ALWAYS", "notify_always"), "WATCHER_NOTIFY_ALWAYS"),
    )


def _flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _number(value: str | None, name: str, default: float, low: float, high: float) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, not {value}")
    return number
