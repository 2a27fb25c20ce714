"""The LWA access token: form fields, caching, refresh a minute early, clean failures."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from spapi_helpers import FakeClock
from watcher.config import Credentials
from watcher.errors import AuthError
from watcher.source.auth import LwaToken, refresh_time
from watcher.source.ratelimit import RetryPolicy
from watcher.source.spapi import build_client

CREDS = Credentials("amzn1.application-oa2-client.t", "s3cret-client", "Atzr|r3fresh")
URL = "https://api.amazon.com/auth/o2/token"


def lwa(handler, clock: FakeClock | None = None) -> tuple[LwaToken, FakeClock]:
    clock = clock or FakeClock()
    client = build_client(transport=httpx.MockTransport(handler))
    return LwaToken(client, URL, CREDS, clock=clock, sleep=clock.sleep, retry=RetryPolicy(attempts=3)), clock


def test_form_fields_and_caching() -> None:
    seen: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(parse_qs(request.content.decode()))
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert request.headers["user-agent"].startswith("watcher/")
        return httpx.Response(200, json={"access_token": f"Atza|t{len(seen)}", "expires_in": 3600})

    token, clock = lwa(handler)
    assert token.token() == "Atza|t1"
    assert seen[0] == {
        "grant_type": ["refresh_token"],
        "refresh_token": [CREDS.refresh_token],
        "client_id": [CREDS.app_id],
        "client_secret": [CREDS.client_secret],
    }
    clock.advance(3600 - 61)
    assert token.token() == "Atza|t1"  # still more than a minute left: cached
    clock.advance(2)
    assert token.token() == "Atza|t2"  # within the last minute: renewed
    token.invalidate()
    assert token.token() == "Atza|t3"
    assert len(seen) == 3


@pytest.mark.parametrize(
    "response, expected",
    [
        (httpx.Response(401, json={"error": "invalid_client", "error_description": "s3cret-client"}), "HTTP 401 invalid_client"),
        (httpx.Response(400, json={"error": "invalid_grant"}), "HTTP 400 invalid_grant"),
        (httpx.Response(400, text="<html>Atzr|r3fresh</html>"), "HTTP 400"),
        (httpx.Response(200, json={"token_type": "bearer"}), "not understood"),
    ],
)
def test_failures_are_one_clean_line(response: httpx.Response, expected: str) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return response

    token, _ = lwa(handler)
    with pytest.raises(AuthError) as info:
        token.token()
    message = str(info.value)
    assert expected in message and "\n" not in message
    assert URL in message
    for secret in CREDS.secrets():
        assert secret not in message and secret not in repr(info.value)
    assert len(calls) == 1  # a refused credential is not retried
    # No chained exception drags the request (and its form body) into a traceback.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_server_errors_and_network_failures_are_retried_then_fail() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(503)

    token, clock = lwa(handler)
    with pytest.raises(AuthError, match="HTTP 503"):
        token.token()
    assert len(calls) == 3 and len(clock.slept) == 2


def test_repr_hides_the_token() -> None:
    token, _ = lwa(lambda r: httpx.Response(200, json={"access_token": "Atza|visible?", "expires_in": 60}))
    token.token()
    assert "Atza" not in repr(token)


def test_lifetime_counts_from_the_request_and_short_lifetimes_renew_halfway() -> None:
    slow_clock = FakeClock()
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        slow_clock.advance(20)  # LWA took 20 s to answer: the token was issued when asked
        return httpx.Response(200, json={"access_token": f"Atza|t{len(calls)}", "expires_in": 100})

    token, clock = lwa(handler, slow_clock)
    assert token.token() == "Atza|t1"
    clock.advance(29)  # 49 s after asking: under half of its 100 s
    assert token.token() == "Atza|t1"
    clock.advance(1)  # 50 s: renewed halfway, not on every call as a minute's margin would
    assert token.token() == "Atza|t2"
    assert refresh_time(0, 3600) == 3540 and refresh_time(0, 60) == 30


@pytest.mark.parametrize("lifetime", [0, -5, "nan", "inf", "soon"])
def test_an_unusable_lifetime_is_an_auth_error(lifetime: object) -> None:
    token, _ = lwa(lambda r: httpx.Response(200, json={"access_token": "Atza|x", "expires_in": lifetime}))
    with pytest.raises(AuthError, match="expires_in|not understood"):
        token.token()


def test_a_refused_token_is_renewed_at_most_once_a_minute() -> None:
    seen = []
    token, clock = lwa(lambda r: seen.append(1) or httpx.Response(200, json={"access_token": f"Atza|t{len(seen)}", "expires_in": 3600}))
    first = token.token()
    assert token.invalidate(first) and token.token() == "Atza|t2"
    assert token.invalidate(first)  # stale: another thread renewed it already, retry with t2
    assert token.token() == "Atza|t2"
    assert not token.invalidate("Atza|t2")  # the fresh one refused too: rights, not the token
    assert token.token() == "Atza|t2" and len(seen) == 2
    clock.advance(61)
    assert token.invalidate("Atza|t2") and token.token() == "Atza|t3"


def test_the_token_request_never_follows_a_redirect() -> None:
    hosts = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(307, headers={"location": "https://collector.example/steal"})

    token, _ = lwa(handler)
    with pytest.raises(AuthError, match="HTTP 307"):
        token.token()
    assert hosts == ["api.amazon.com"]  # the form (secret, refresh token) went nowhere else


@pytest.mark.parametrize(
    "error, expected, calls",
    [
        (httpx.DecodingError("bad gzip"), "DecodingError", 3),
        (httpx.RemoteProtocolError("dropped"), "RemoteProtocolError", 3),
        (httpx.UnsupportedProtocol("Request URL is missing an 'http://' or 'https://' protocol."), "bad URL", 1),
    ],
)
def test_any_request_error_is_one_auth_error(error: Exception, expected: str, calls: int) -> None:
    made = []

    def handler(request: httpx.Request) -> httpx.Response:
        made.append(1)
        raise error

    token, _ = lwa(handler)
    with pytest.raises(AuthError, match=expected) as info:
        token.token()
    assert "\n" not in str(info.value) and len(made) == calls


def test_the_token_url_is_shown_without_user_info_or_query() -> None:
    client = build_client(transport=httpx.MockTransport(lambda r: httpx.Response(401, json={"error": "invalid_client"})))
    url = "https://user:p4ssw0rd@lwa.example/o2/token?key=s3cret"
    token = LwaToken(client, url, CREDS, retry=RetryPolicy(attempts=1))
    with pytest.raises(AuthError) as info:
        token.token()
    assert str(info.value) == "access-token request to https://lwa.example/o2/token failed: HTTP 401 invalid_client"
    assert "p4ssw0rd" not in repr(token) and "s3cret" not in repr(token)
