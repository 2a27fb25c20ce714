"""Client-side quotas and retry timing for the SP-API.

SP-API quotas are token buckets per operation (spapi.md). Keeping our own bucket at the
documented rate means the server's bucket is never found empty, so 429s stay rare; the
fake server uses the same `TokenBucket` (with no safety margin) to enforce them.

Clocks and sleeps are passed in, so tests drive time by hand and never sleep for real.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Quota:
    rate: float  # requests per second, sustained
    burst: float  # requests that may go at once from a full bucket

    def scaled(self, factor: float) -> "Quota":
        return Quota(self.rate * factor, self.burst)


# Documented default quotas (spapi.md). Keys are the SP-API operation names.
DEFAULT_QUOTAS: dict[str, Quota] = {
    "searchCatalogItems": Quota(2.0, 2),
    "getCatalogItem": Quota(2.0, 2),
    "getItemOffersBatch": Quota(0.1, 1),
}

UNLIMITED = Quota(1e9, 1e9)


def scaled_quotas(factor: float) -> dict[str, Quota]:
    """The documented quotas times `factor` (benchmarks and the demo run them faster)."""
    return {op: q.scaled(factor) for op, q in DEFAULT_QUOTAS.items()}


class TokenBucket:
    """A token bucket; the token is taken when the request is about to leave.

    Taking it then, rather than reserving one ahead and sleeping until it is due, keeps
    our bucket in step with the server's, which takes its token when the request arrives:
    a thread that wakes late does not earn the next request an early start.

    `margin` slows the client slightly below the advertised rate: requests reach the
    server with a little jitter, and one arriving a millisecond early would find the
    server's bucket a hair short of a token and be answered 429.
    """

    def __init__(self, quota: Quota, *, clock: Clock = time.monotonic, margin: float = 0.0):
        self._clock = clock
        self._margin = margin
        self._lock = threading.Lock()
        self.rate = quota.rate
        self.burst = quota.burst
        self._tokens = float(quota.burst)
        self._stamp = clock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate:g}, burst={self.burst:g})"

    def _refill(self) -> float:
        now = self._clock()
        effective = self.rate * (1.0 - self._margin)
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * effective)
        self._stamp = now
        return effective

    def wait_time(self) -> float:
        """Take a token if there is one now (return 0), else how long until there is."""
        with self._lock:
            effective = self._refill()
            if self._tokens >= 1.0 - 1e-9:  # float dust must not cost another sleep
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / effective

    def acquire(self, sleep: Sleep) -> None:
        while (delay := self.wait_time()) > 0:
            sleep(delay)

    def try_take(self) -> bool:
        """Take a token only if one is there now (the server side: otherwise 429)."""
        with self._lock:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def set_rate(self, rate: float) -> None:
        """Adopt a rate the server announced (x-amzn-RateLimit-Limit)."""
        if not (math.isfinite(rate) and rate > 0):
            return  # "inf" or "0" would stop the bucket from pacing, or forever
        with self._lock:
            self._refill()
            self.rate = rate

    def drain(self) -> None:
        """After a 429: the server's bucket is empty, so ours should be too."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry one call: bounded in count (`attempts`) and in time (`budget`)."""

    attempts: int = 5
    base: float = 1.0  # first backoff, seconds; doubles on each retry
    cap: float = 30.0  # longest single backoff
    budget: float = 180.0  # seconds from the first try after which no retry starts
    entry_attempts: int = 2  # tries of one ASIN whose entry in a batch answer failed

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random.

        The fixed half guarantees a real pause; the random half spreads out clients (and
        our own two streams) that failed at the same moment.
        """
        ceiling = min(self.cap, self.base * 2 ** (retry - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def announced_rate(value: str | None) -> float | None:
    """The `x-amzn-RateLimit-Limit` value as a usable rate, or None (absent, junk, 0, inf)."""
    try:
        rate = float(value or "")
    except ValueError:
        return None
    return rate if math.isfinite(rate) and rate > 0 else None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a `Retry-After` header asks us to wait, or None.

    It is either seconds or an HTTP date; a date is read against the answer's own `Date`
    header, so our clock (monotonic, or fake in tests) never has to be a wall clock.
    """
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - parsedate_to_datetime(headers.get("date") or "")).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None
