"""Token buckets and retry timing, on a hand-driven clock."""

from __future__ import annotations

import random

import httpx
import pytest

from spapi_helpers import FakeClock
from watcher.source.ratelimit import (
    DEFAULT_QUOTAS,
    Quota,
    RetryPolicy,
    TokenBucket,
    announced_rate,
    retry_after,
    scaled_quotas,
)


def test_documented_defaults() -> None:
    assert DEFAULT_QUOTAS["searchCatalogItems"] == Quota(2.0, 2)
    assert DEFAULT_QUOTAS["getCatalogItem"] == Quota(2.0, 2)
    assert DEFAULT_QUOTAS["getItemOffersBatch"] == Quota(0.1, 1)
    assert scaled_quotas(10)["getItemOffersBatch"] == Quota(1.0, 1)


def test_burst_then_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(2.0, 2), clock=clock)
    assert [bucket.wait_time() for _ in range(2)] == [0.0, 0.0]
    assert bucket.wait_time() == pytest.approx(0.5)  # nothing taken: asking again says the same
    assert bucket.wait_time() == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.wait_time() == 0.0
    clock.advance(10)
    assert bucket.wait_time() == 0.0  # refilled, but never beyond the burst
    assert bucket.wait_time() == 0.0
    assert bucket.wait_time() > 0


def test_acquire_sleeps_on_the_injected_sleep() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(0.1, 1), clock=clock)
    for _ in range(4):
        bucket.acquire(clock.sleep)
    assert clock.slept == pytest.approx([10.0, 10.0, 10.0])


def test_a_late_wake_does_not_advance_the_next_request() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(0.1, 1), clock=clock)
    bucket.acquire(clock.sleep)
    clock.advance(25)  # the thread got to its next request late
    bucket.acquire(clock.sleep)
    taken = clock()
    bucket.acquire(clock.sleep)
    assert clock() - taken == pytest.approx(10.0)  # counted from when it really went


def test_margin_keeps_the_client_under_the_quota() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(1.0, 1), clock=clock, margin=0.02)
    bucket.wait_time()
    assert bucket.wait_time() == pytest.approx(1 / 0.98)


def test_try_take_is_the_server_side() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(0.1, 1), clock=clock)
    assert bucket.try_take()
    assert not bucket.try_take()
    clock.advance(9.9)
    assert not bucket.try_take()
    clock.advance(0.1)
    assert bucket.try_take()


def test_adopted_rate_and_drain() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(2.0, 2), clock=clock)
    bucket.set_rate(5.0)
    bucket.wait_time(), bucket.wait_time()
    assert bucket.wait_time() == pytest.approx(0.2)
    clock.advance(100)
    bucket.drain()  # a 429 says the server's bucket is empty: wait a full interval
    assert bucket.wait_time() == pytest.approx(0.2)


def test_backoff_grows_is_jittered_and_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0)
    rng = random.Random(7)
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = {policy.backoff(retry, rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


@pytest.mark.parametrize(
    "value, rate",
    [("0.5", 0.5), ("2", 2.0), (None, None), ("", None), ("abc", None), ("0", None), ("-1", None),
     ("inf", None), ("nan", None)],
)
def test_announced_rate(value: str | None, rate: float | None) -> None:
    assert announced_rate(value) == rate


def test_set_rate_ignores_rates_that_would_break_the_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(2.0, 2), clock=clock)
    for junk in (0.0, -1.0, float("inf"), float("nan")):
        bucket.set_rate(junk)
    assert bucket.rate == 2.0


@pytest.mark.parametrize(
    "headers, seconds",
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT", "Date": "Wed, 21 Oct 2026 07:28:00 GMT"}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT"}, None),  # no Date to read it against
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(httpx.Headers(headers)) == seconds
