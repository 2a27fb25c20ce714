"""Login with Amazon (LWA): the refresh token is exchanged for a one-hour access token.

The access token is cached and renewed a minute before it expires, so a long night never
sends an expired one. Every failure becomes one `AuthError` whose message names the
token URL and the HTTP status or LWA error code, never a credential.
"""

from __future__ import annotations

import logging
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
        self._expires = 0.0

    def __repr__(self) -> str:
        # The token itself stays out of every repr (and so out of tracebacks with locals).
        return f"LwaToken(url={self._url!r}, cached={self._token is not None})"

    def token(self) -> str:
        """The current access token, fetched or renewed when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires - REFRESH_MARGIN:
                self._token, lifetime = self._fetch()
                self._expires = self._clock() + lifetime
            return self._token

    def invalidate(self) -> None:
        """Forget the token (the API said 403): the next call fetches a new one."""
        with self._lock:
            self._token = None

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
                response = self._client.post(self._url, data=form)
            except httpx.TransportError as exc:
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
        raise AuthError(f"access-token request to {self._url} failed: {problem}")

    def _read(self, response: httpx.Response) -> tuple[str, float]:
        try:
            data = response.json()
            token = data["access_token"]
            lifetime = float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise AuthError(f"access-token answer from {self._url} is not understood") from None
        if not isinstance(token, str) or not token:
            raise AuthError(f"access-token answer from {self._url} has no access_token")
        log.debug("access token obtained, valid for %.0fs", lifetime)
        return token, lifetime


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
