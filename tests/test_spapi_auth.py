"""The LWA access token: form fields, caching, refresh a minute early, clean failures."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from spapi_helpers import FakeClock
from watcher.config import Credentials
from watcher.errors import AuthError
from watcher.source.auth import LwaToken
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
