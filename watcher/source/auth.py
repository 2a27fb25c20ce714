"""Login with Amazon (LWA): the refresh token is exchanged for a one-hour access token.

The access token is cached and renewed a minute before it expires, so a long night never
sends an expired one. Every failure becomes one `AuthError` whose message names the
token URL and the HTTP status or LWA error code, never a credential.

The token request never follows a redirect: a 307 would send the client secret and the
refresh token, form and all, to wherever the redirect points.
"""

from __future__ import annotations

import logging
import math
import random
import re
import threading
import time

import httpx

from ..config import Credentials
from ..errors import AuthError
from .ratelimit import Clock, RetryPolicy, Sleep

log = logging.getLogger(__name__)

REFRESH_MARGIN = 60.0  # seconds before expiry at which the token is renewed
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,60}$")


class LwaToken:
    """A thread-safe cache of one access token."""

    def __init__(
        self,
        client: httpx.Client,
        token_url: str,
        credentials: Credentials,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        retry: RetryPolicy = RetryPolicy(attempts=3),
        rng: random.Random | None = None,
    ):
        self._client = client
        self._url = token_url
        self._credentials = credentials
        self._clock = clock
        self._sleep = sleep
        self._retry = retry
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self._refused_at: float | None = None  # when the API last refused a token of ours
        self._renewed_after_refusal = False  # the cached token replaced a refused one

    def __repr__(self) -> str:
        # The token itself stays out of every repr (and so out of tracebacks with locals).
        return f"LwaToken(url={safe_url(self._url)!r}, cached={self._token is not None})"

    def token(self) -> str:
        """The current access token, fetched or renewed when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                # Stamped before asking: the lifetime runs from when LWA issued it.
                sent = self._clock()
                self._token, lifetime = self._fetch()
                self._refresh_at = refresh_time(sent, lifetime)
                self._renewed_after_refusal = self._refused_at is not None
            return self._token

    def invalidate(self, refused: str | None = None) -> bool:
        """The API refused `refused` (401/403): forget it, so the next call fetches anew.

        Returns False when a new token cannot help: the cached one replaced a refused
        token under a minute ago and is refused too, so the refusal is about rights, not
        the token. That keeps a missing role from costing one token request per call.
        """
        with self._lock:
            if refused is not None and refused != self._token:
                return True  # another thread renewed it already: the new one is worth a try
            now = self._clock()
            if (
                self._renewed_after_refusal
                and self._refused_at is not None
                and now - self._refused_at < REFRESH_MARGIN
            ):
                return False
            self._token = None
            self._refused_at = now
            return True

    def _fetch(self) -> tuple[str, float]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._credentials.refresh_token,
            "client_id": self._credentials.app_id,
            "client_secret": self._credentials.client_secret,
        }
        problem = "no answer"
        for attempt in range(1, self._retry.attempts + 1):
            try:
                response = self._client.post(self._url, data=form, follow_redirects=False)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                problem = f"bad URL ({type(exc).__name__})"
                break  # a configuration error: asking again cannot help
            except httpx.RequestError as exc:
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code == 200:
                    return self._read(response)
                problem = _describe(response)
                if response.status_code < 500 and response.status_code != 429:
                    break  # bad credentials do not get better by asking again
            if attempt < self._retry.attempts:
                delay = self._retry.backoff(attempt, self._rng)
                log.warning("access-token request failed (%s); retrying in %.1fs", problem, delay)
                self._sleep(delay)
        raise AuthError(f"access-token request to {safe_url(self._url)} failed: {problem}")

    def _read(self, response: httpx.Response) -> tuple[str, float]:
        where = safe_url(self._url)
        try:
            data = response.json()
            token = data["access_token"]
            lifetime = float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise AuthError(f"access-token answer from {where} is not understood") from None
        if not isinstance(token, str) or not token:
            raise AuthError(f"access-token answer from {where} has no access_token")
        if not (math.isfinite(lifetime) and lifetime > 0):
            raise AuthError(f"access-token answer from {where} has no usable expires_in")
        log.debug("access token obtained, valid for %.0fs", lifetime)
        return token, lifetime


def refresh_time(sent: float, lifetime: float) -> float:
    """When to renew a token asked for at `sent` that lives `lifetime` seconds: a minute
    early, or halfway for a token that lives under two minutes (else it would be renewed
    on every call)."""
    return sent + lifetime - min(REFRESH_MARGIN, lifetime / 2)


def safe_url(url: str) -> str:
    """`url` without user info, query or fragment: what an error message may show."""
    try:
        parsed = httpx.URL(url)
        return str(parsed.copy_with(userinfo=b"", query=None, fragment=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        return "the configured token URL"


def error_code(candidate: object) -> str:
    """`candidate` if it looks like an error code, else "": free text from a server could
    echo what we sent it, so only identifiers make it into our messages."""
    text = str(candidate or "")
    return text if _SAFE_CODE.match(text) else ""


def _describe(response: httpx.Response) -> str:
    """`HTTP 401 invalid_client`: the status plus LWA's error code."""
    try:
        body = response.json()
        code = error_code(body.get("error")) if isinstance(body, dict) else ""
    except ValueError:
        code = ""
    return f"HTTP {response.status_code}" + (f" {code}" if code else "")
