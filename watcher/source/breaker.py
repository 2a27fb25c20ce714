"""A circuit breaker across calls: a night during an SP-API outage ends in minutes, not days.

Each call is already retried on its own (`RetryPolicy`: a few minutes at most). That bound
is per call; a night makes over a thousand calls, so a full outage would still cost a day of
timeouts and backoff. The breaker looks across calls:

- closed: calls go as usual. `limit` calls in a row that failed for good on a problem worth
  retrying (timeouts, dropped connections, 5xx, 429) open it. Any answer resets the count;
  a final 4xx is an answer too (the API is up, it just said no).
- open: calls still go, one attempt each and one every `probe_every` seconds, so a short
  outage is ridden out and the first answer closes the breaker again.
- given up: once open for `outage_budget` seconds, the rest of the night is not asked at all;
  each remaining ASIN fails at once with the reason, and is asked again next night.

A failed fetch is never a change, so giving up costs a night's observation, never an alert.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from .ratelimit import Clock, Sleep

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BreakerPolicy:
    limit: int = 3  # calls in a row, each after its own retries
    probe_every: float = 60.0  # seconds between calls while the API looks down
    outage_budget: float = 900.0  # seconds of looking down before giving up on the night


class Unreachable(Exception):
    """The breaker gave up: the call is not made. The message is one line for the seller."""


class Breaker:
    """Thread-safe; shared by the catalog and offers streams of one source."""

    def __init__(self, clock: Clock, sleep: Sleep, policy: BreakerPolicy | None = None):
        self._clock = clock
        self._sleep = sleep
        self._policy = policy or BreakerPolicy()
        self._lock = threading.Lock()
        self._failures = 0
        self._last_problem = ""
        self._opened_at: float | None = None
        self._next_probe = 0.0
        self._gave_up = False

    @property
    def gave_up(self) -> bool:
        with self._lock:
            return self._gave_up

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None

    def before_call(self) -> bool:
        """True when the call is a probe (open: one attempt, no retries; it waited for
        its slot). Raises `Unreachable` once given up."""
        with self._lock:
            if self._opened_at is None:
                return False
            now = self._clock()
            slot = max(now, self._next_probe)
            # A probe slot at or past the budget's end would only wait to give up.
            if self._gave_up or slot - self._opened_at >= self._policy.outage_budget:
                if not self._gave_up:
                    self._gave_up = True
                    log.warning("%s: the rest of tonight's ASINs count as failed", self._reason())
                raise Unreachable(f"not asked: {self._reason()}")
            wait = slot - now
            self._next_probe = slot + self._policy.probe_every
        if wait:
            self._sleep(wait)
        return True

    def answered(self) -> None:
        """The API answered (any 2xx, or a final 4xx): it is up."""
        with self._lock:
            if self._gave_up:
                return  # a late answer does not reopen a night already given up
            self._failures = 0
            self._opened_at = None

    def failed(self, problem: str) -> None:
        """A call failed for good on a problem worth retrying."""
        with self._lock:
            self._failures += 1
            self._last_problem = problem
            if self._opened_at is None and self._failures >= self._policy.limit:
                log.warning("SP-API: %d calls in a row failed (last: %s); one try every %g s from now",
                            self._failures, problem, self._policy.probe_every)
                self._opened_at = self._clock()
                self._next_probe = self._opened_at + self._policy.probe_every

    def _reason(self) -> str:
        minutes = self._policy.outage_budget / 60
        return (f"the SP-API did not answer for {minutes:g} min "
                f"({self._failures} calls in a row failed, last: {self._last_problem})")
