"""The circuit breaker: an SP-API outage costs a bounded part of the night, never an alert.

Driven by a fake clock (sleeps move it, nothing waits for real), over real HTTP to the
fake server in outage mode (every API call answers 503).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spapi_helpers import FakeClock, asin, simple_scenario
from watcher.fakeserver import FakeSpApi
from watcher.source.breaker import Breaker, BreakerPolicy, Unreachable
from watcher.source.ratelimit import RetryPolicy
from watcher.source.spapi import SpApiSource

FAST_RETRY = RetryPolicy(attempts=3, base=0.5, cap=4.0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --- the breaker alone -----------------------------------------------------------------


def test_opens_after_calls_in_a_row_fail_and_an_answer_resets_the_count(clock: FakeClock) -> None:
    breaker = Breaker(clock, clock.sleep, BreakerPolicy(limit=3, probe_every=60, outage_budget=600))
    breaker.failed("HTTP 503")
    breaker.failed("HTTP 503")
    breaker.answered()  # a final 4xx or a 2xx in between: the API is up
    breaker.failed("HTTP 503")
    assert not breaker.is_open and breaker.before_call() is False
    breaker.failed("timeout")
    breaker.failed("timeout")
    assert breaker.is_open


def test_while_open_calls_are_probes_one_a_minute_until_it_gives_up(clock: FakeClock) -> None:
    breaker = Breaker(clock, clock.sleep, BreakerPolicy(limit=1, probe_every=60, outage_budget=300))
    opened = clock()
    breaker.failed("HTTP 503 ServiceUnavailable")
    probes = 0
    with pytest.raises(Unreachable) as info:
        while True:
            assert breaker.before_call() is True
            probes += 1
            breaker.failed("HTTP 503 ServiceUnavailable")
    assert probes == 4 and clock() - opened == 240  # at 60, 120, 180, 240 s; the next slot is past 300
    assert str(info.value) == (
        "not asked: the SP-API did not answer for 5 min (5 calls in a row failed, last: HTTP 503 ServiceUnavailable)"
    )
    breaker.answered()  # a late answer does not reopen a night already given up
    with pytest.raises(Unreachable):
        breaker.before_call()


def test_a_probe_that_is_answered_closes_it(clock: FakeClock) -> None:
    breaker = Breaker(clock, clock.sleep, BreakerPolicy(limit=1, probe_every=60, outage_budget=300))
    breaker.failed("timeout")
    assert breaker.before_call() is True
    breaker.answered()
    assert not breaker.is_open and breaker.before_call() is False


# --- through the client, over HTTP -------------------------------------------------------


def test_a_full_outage_ends_within_the_budget_with_every_asin_failed(tmp_path: Path, clock: FakeClock) -> None:
    codes = [asin(i) for i in range(100)]
    with FakeSpApi(simple_scenario(tmp_path, 100), clock=clock) as fake:
        fake.outage = True
        started = clock()
        with SpApiSource(fake.settings(), clock=clock, sleep=clock.sleep, timeout=0.5, retry=FAST_RETRY) as source:
            seen = {o.snapshot.asin: o.snapshot for o in source.observe(codes)}
        assert set(seen) == set(codes)
        assert {s.status for s in seen.values()} == {"fetch_failed"}  # never not_found, never ok
        given_up = [a for a, s in seen.items() if "not asked: the SP-API did not answer for 15 min" in (s.error or "")]
        assert len(given_up) >= 80
        # Without the breaker: 5 searches and 100 getCatalogItem calls, 3 attempts each.
        assert sum(fake.stats.requests.values()) < 60
        assert clock() - started < 900 + 120  # the outage budget, plus the calls that opened it


def test_a_short_outage_is_ridden_out(tmp_path: Path, clock: FakeClock) -> None:
    policy = BreakerPolicy(limit=1, probe_every=60, outage_budget=3600)
    with FakeSpApi(simple_scenario(tmp_path, 3), clock=clock) as fake:
        with SpApiSource(fake.settings(), clock=clock, sleep=clock.sleep, timeout=0.5, retry=FAST_RETRY,
                         breaker=policy) as source:
            fake.outage = True
            down = list(source.observe([asin(0)], with_offers=False))
            assert down[0].snapshot.status == "fetch_failed"
            fake.outage = False
            before = clock()
            back = {o.snapshot.asin: o.snapshot for o in source.observe([asin(1), asin(2)])}
        assert {s.status for s in back.values()} == {"ok"}
        assert all(s.offers is not None for s in back.values())
        # The first call waited for its probe slot (a minute after the failure), then all went on.
        assert clock() - before >= 60 - 1e-6
