"""Original-size links, bounded downloads over a mock transport, local files and URLs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from test_images_support import jpeg, product
from watcher.errors import ImageError, UsageError
from watcher.images import analyse, download, original_link, read_image

BASE = "https://m.media-amazon.com/images/I/"
IMAGE = jpeg(product(300))


@pytest.mark.parametrize(
    ("link", "original"),
    [
        (BASE + "61AbC+dEf._AC_SL1500_.jpg", BASE + "61AbC+dEf.jpg"),
        (BASE + "51xyz._SX300_QL70_.jpg", BASE + "51xyz.jpg"),
        (BASE + "41q-w._AC_UL320_SR320,320_.png", BASE + "41q-w.png"),
        (BASE + "71abc._SX38_SY50_CR,0,0,38,50_.jpg", BASE + "71abc.jpg"),
        (BASE + "81a._AC_._SL500_.jpg", BASE + "81a.jpg"),
        (BASE + "61AbC+dEf.jpg", BASE + "61AbC+dEf.jpg"),
        ("https://images-na.ssl-images-amazon.com/images/I/51K._SL1000_.jpg?x=1",
         "https://images-na.ssl-images-amazon.com/images/I/51K.jpg?x=1"),
        ("https://example.com/photos/shoe._large_.jpg", "https://example.com/photos/shoe._large_.jpg"),
    ],
)
def test_original_link_strips_size_modifiers(link: str, original: str) -> None:
    assert original_link(link) == original


Handler = Callable[[httpx.Request], httpx.Response]


def _client(routes: dict[str, Handler | httpx.Response], seen: list[str]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        route = routes.get(str(request.url), httpx.Response(404))
        return route(request) if callable(route) else route

    return httpx.Client(transport=httpx.MockTransport(handler))


def _image(data: bytes = IMAGE, **headers: str) -> httpx.Response:
    return httpx.Response(200, content=data, headers={"content-type": "image/jpeg", **headers})


def test_the_original_size_is_asked_for_first() -> None:
    seen: list[str] = []
    with _client({BASE + "61AbC.jpg": _image()}, seen) as client:
        assert download(client, BASE + "61AbC._AC_SL1500_.jpg") == IMAGE
    assert seen == [BASE + "61AbC.jpg"]


def test_falls_back_to_the_link_as_given() -> None:
    seen: list[str] = []
    with _client({BASE + "61AbC._SL500_.jpg": _image()}, seen) as client:
        assert download(client, BASE + "61AbC._SL500_.jpg") == IMAGE
    assert seen == [BASE + "61AbC.jpg", BASE + "61AbC._SL500_.jpg"]


def test_both_failing_gives_one_line_naming_both() -> None:
    seen: list[str] = []
    with _client({BASE + "61AbC.jpg": httpx.Response(403)}, seen) as client:
        with pytest.raises(ImageError) as info:
            download(client, BASE + "61AbC._SL500_.jpg")
    message = str(info.value)
    assert "HTTP 404" in message and "HTTP 403" in message and "\n" not in message


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (httpx.Response(200, html="<html><body>Sorry</body></html>"), "text/html served instead"),
        (httpx.Response(200, json={"error": "NotFound"}), "application/json served instead"),
        (httpx.Response(500), "HTTP 500"),
        (httpx.Response(200, content=b"", headers={"content-type": "image/jpeg"}), "empty body"),
    ],
    ids=["html", "json", "server-error", "empty"],
)
def test_not_an_image_is_an_error(response: httpx.Response, words: str) -> None:
    with _client({BASE + "61AbC.jpg": response}, []) as client:
        with pytest.raises(ImageError, match=words):
            download(client, BASE + "61AbC.jpg")


def test_html_without_a_content_type_is_caught_when_decoded() -> None:
    page = b"<!doctype html><html><head><title>Robot Check</title></head></html>"
    with _client({BASE + "61AbC.jpg": httpx.Response(200, content=page)}, []) as client:
        data = download(client, BASE + "61AbC.jpg")
    with pytest.raises(ImageError, match="HTML"):
        analyse(data)


def test_a_declared_size_over_the_limit_is_refused() -> None:
    big = _image(IMAGE, **{"content-length": str(50_000_000)})
    big.stream = httpx.ByteStream(IMAGE)
    with _client({BASE + "61AbC.jpg": big}, []) as client:
        with pytest.raises(ImageError, match="over the 1000 limit"):
            download(client, BASE + "61AbC.jpg", max_bytes=1000)


def test_a_streamed_body_is_abandoned_past_the_limit() -> None:
    pulled: list[int] = []

    def endless() -> Iterator[bytes]:
        for i in range(1_000):
            pulled.append(i)
            yield b"\xff" * 10_000

    response = httpx.Response(200, headers={"content-type": "image/jpeg"}, content=endless())
    with _client({BASE + "61AbC.jpg": response}, []) as client:
        with pytest.raises(ImageError, match="more than 50000 bytes"):
            download(client, BASE + "61AbC.jpg", max_bytes=50_000)
    assert len(pulled) < 10


def test_timeouts_and_connection_errors_are_image_errors() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with _client({BASE + "61AbC.jpg": slow}, []) as client:
        with pytest.raises(ImageError, match="timed out"):
            download(client, BASE + "61AbC.jpg")
    with _client({BASE + "61AbC.jpg": refused}, []) as client:
        with pytest.raises(ImageError, match="ConnectError"):
            download(client, BASE + "61AbC.jpg")


def test_redirects_are_followed() -> None:
    routes: dict[str, Handler | httpx.Response] = {
        BASE + "61AbC.jpg": httpx.Response(301, headers={"location": BASE + "moved.jpg"}),
        BASE + "moved.jpg": _image(),
    }
    with _client(routes, []) as client:
        assert download(client, BASE + "61AbC.jpg") == IMAGE


def test_read_image_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "registered.jpg"
    path.write_bytes(IMAGE)
    assert read_image(str(path)) == IMAGE


def test_read_image_missing_or_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such image file"):
        read_image(str(tmp_path / "nope.jpg"))
    with pytest.raises(UsageError, match="not a file"):
        read_image(str(tmp_path))


def test_read_image_refuses_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    path.write_bytes(IMAGE)
    with pytest.raises(ImageError, match="too large"):
        read_image(str(path), max_bytes=100)


def test_read_image_from_a_url_uses_the_client() -> None:
    seen: list[str] = []
    with _client({BASE + "61AbC.jpg": _image()}, seen) as client:
        assert read_image(BASE + "61AbC._AC_SL1500_.jpg", client=client) == IMAGE
    assert seen == [BASE + "61AbC.jpg"]


def _redirect(to: str) -> httpx.Response:
    return httpx.Response(302, headers={"location": to})


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("http://m.media-amazon.com/images/I/moved.jpg", "from https to plain http"),
        ("https://169.254.169.254/latest/meta-data/", "into the local network"),
        ("https://127.0.0.1/secret.jpg", "into the local network"),
        ("ftp://m.media-amazon.com/x.jpg", "not http"),
    ],
    ids=["downgrade", "metadata", "loopback", "ftp"],
)
def test_a_dangerous_redirect_is_refused(target: str, words: str) -> None:
    seen: list[str] = []
    routes: dict[str, Handler | httpx.Response] = {BASE + "61AbC.jpg": _redirect(target), target: _image()}
    with _client(routes, seen) as client:
        with pytest.raises(ImageError, match=words):
            download(client, BASE + "61AbC.jpg")
    assert target not in seen  # refused before asking


def test_a_local_link_may_redirect_within_the_local_network() -> None:
    start, moved = "http://127.0.0.1:8080/a.jpg", "http://localhost:8080/b.jpg"
    with _client({start: _redirect(moved), moved: _image()}, []) as client:
        assert download(client, start) == IMAGE


def test_a_redirect_loop_stops() -> None:
    a, b = BASE + "a.jpg", BASE + "b.jpg"
    with _client({a: _redirect(b), b: _redirect(a)}, []) as client:
        with pytest.raises(ImageError, match="more than 5 redirects"):
            download(client, a)


def test_a_gzip_body_is_inflated_and_a_gzip_bomb_is_caught_early() -> None:
    import gzip

    def streamed(data: bytes, encoding: str) -> httpx.Response:
        # a generator body stays a stream, as from a real server, so our own inflater runs
        chunks = [data[i : i + 8192] for i in range(0, len(data), 8192)]
        return httpx.Response(200, content=iter(chunks),
                              headers={"content-type": "image/jpeg", "content-encoding": encoding})

    packed = streamed(gzip.compress(IMAGE), "gzip")
    with _client({BASE + "61AbC.jpg": packed}, []) as client:
        assert download(client, BASE + "61AbC.jpg") == IMAGE
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire
    with _client({BASE + "61AbC.jpg": streamed(bomb, "gzip")}, []) as client:
        with pytest.raises(ImageError, match="more than 1000000 bytes"):
            download(client, BASE + "61AbC.jpg", max_bytes=1_000_000)
    with _client({BASE + "61AbC.jpg": streamed(IMAGE, "br")}, []) as client:
        with pytest.raises(ImageError, match="only plain, gzip or deflate"):
            download(client, BASE + "61AbC.jpg")


def test_a_dripping_body_stops_at_the_deadline() -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    def drip() -> Iterator[bytes]:
        for _ in range(1_000):
            now[0] += 5.0  # each chunk arrives five (fake) seconds after the last
            yield b"\xff"

    response = httpx.Response(200, headers={"content-type": "image/jpeg"}, content=drip())
    with _client({BASE + "61AbC.jpg": response}, []) as client:
        with pytest.raises(ImageError, match="took longer than 60 s"):
            download(client, BASE + "61AbC.jpg", clock=clock)
    assert now[0] <= 70.0


def test_read_image_file_url_and_refusals(tmp_path: Path) -> None:
    path = tmp_path / "registered.jpg"
    path.write_bytes(IMAGE)
    assert read_image(path.as_uri()) == IMAGE
    with pytest.raises(UsageError, match="product page, not an image"):
        read_image("https://www.amazon.co.jp/dp/B0EXAMPLE1")
    with pytest.raises(UsageError, match="not a file path or an http"):
        read_image("ftp://example.com/a.jpg")
    with pytest.raises(UsageError, match="directory"):
        read_image(str(tmp_path))
