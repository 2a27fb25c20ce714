"""Getting image bytes: Amazon's original-size link, a bounded download, a local file.

`download` asks for the original size first (Amazon's size modifiers stripped from the
link) and falls back to the link as given. A download is bounded every way a hostile or
broken server could stretch it: a timeout per network wait and a deadline for the whole
body (a server dripping one byte every few seconds never trips a read timeout); the body
is read in chunks and abandoned past `max_bytes`, counted after decompression, and only
one gzip/deflate layer is accepted (stacked layers inflate a few kilobytes into
gigabytes before any size check could see them).

Redirects are followed by hand, at most `MAX_REDIRECTS`, and each hop is checked: only
http(s), never from https down to plain http (evidence must not be open to tampering on
the way), and never from a public host into the local network (loopback, private,
link-local such as the cloud metadata address): a public image link has no business
there, and whatever came back would be stored and shipped in an evidence bundle. A link
that starts on the local network (the fake SP-API server, a NAS) may redirect within it.
The same rules apply to `watcher compare-images` with a URL.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import httpx

from ..errors import ImageError, UsageError

MAX_BYTES = 20_000_000
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
DEADLINE = 60.0  # seconds for one link, its redirects and its whole body
MAX_REDIRECTS = 5
_NOT_IMAGES = ("application/json", "application/xml", "application/xhtml+xml", "application/javascript")
_INFLATABLE = ("gzip", "x-gzip", "deflate")
_SHOWN_LINK = 200  # characters of a link quoted in an error

# `/images/<letter>/<id>.<modifiers>.<ext>`: an image id holds no dot, and each modifier
# block (`_AC_SL1500_`, `_SX300_QL70_`, `_SR320,320_` ...) sits between underscores.
_MODIFIERS = re.compile(r"(/images/[A-Za-z]/[^/.?#]+)((?:\._[^/?#]*?_)+)(\.[A-Za-z0-9]+)(?=$|[?#])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")
# Amazon product pages: a seller pasting one where the image link is wanted.
_PRODUCT_PAGE = re.compile(r"^https?://[^/]*amazon\.[^/]+/(?:.*/)?(?:dp|gp/product|gp/aw/d)/", re.IGNORECASE)

Clock = Callable[[], float]


def original_link(link: str) -> str:
    """The link without Amazon's size modifiers: the original upload, zoom size included.

    Example: `original_link(".../I/61AbC+dEf._AC_SL1500_.jpg")` -> `".../I/61AbC+dEf.jpg"`.
    A link without modifiers comes back unchanged.
    """
    return _MODIFIERS.sub(r"\1\3", link, count=1)


def download(
    client: httpx.Client,
    link: str,
    max_bytes: int = MAX_BYTES,
    *,
    timeout: httpx.Timeout = TIMEOUT,
    deadline: float = DEADLINE,
    clock: Clock = time.monotonic,
) -> bytes:
    """The image bytes at `link`, trying the original size first; ImageError if both fail.

    `deadline` bounds each of the two attempts as a whole (`clock` is for tests).

    Example: `download(client, item.main_image.link)`.
    """
    fetch = _Fetch(client, max_bytes, timeout, deadline, clock)
    original = original_link(link)
    if original == link:
        return fetch(link)
    try:
        return fetch(original)
    except ImageError as first:
        try:
            return fetch(link)
        except ImageError as second:
            raise ImageError(f"{second} (original size: {_reason_only(first)})") from None


def _reason_only(error: ImageError) -> str:
    return str(error).split(": ", 1)[-1]


def shown(link: str) -> str:
    """A link as quoted in an error: one line, control characters as `?`, not too long."""
    link = _CONTROL.sub("?", link)
    return link if len(link) <= _SHOWN_LINK else link[: _SHOWN_LINK - 1] + "…"


class _Fetch:
    """One bounded GET of one link, redirects checked hop by hop."""

    def __init__(self, client: httpx.Client, max_bytes: int, timeout: httpx.Timeout,
                 deadline: float, clock: Clock) -> None:
        self.client, self.max_bytes, self.timeout = client, max_bytes, timeout
        self.deadline, self.clock = deadline, clock

    def __call__(self, link: str) -> bytes:
        fail = f"image download failed: {shown(link)}"
        expires = self.clock() + self.deadline
        try:
            url = httpx.URL(link.strip())
            if url.scheme not in ("http", "https") or not url.host:
                raise ImageError(f"{fail}: not an http(s) link")
            for _ in range(MAX_REDIRECTS + 1):
                with self.client.stream("GET", url, timeout=self.timeout, follow_redirects=False,
                                        headers={"accept-encoding": "identity"}) as response:
                    if response.next_request is None:
                        _check_response(response, fail, self.max_bytes)
                        return self._read(response, fail, expires)
                    url = _next_hop(link, url, response.next_request.url, fail)
                self._check_time(expires, fail)
            raise ImageError(f"{fail}: more than {MAX_REDIRECTS} redirects")
        except httpx.TimeoutException:
            raise ImageError(f"image download timed out: {shown(link)}") from None
        except httpx.HTTPError as exc:
            raise ImageError(f"{fail}: {exc.__class__.__name__}") from None
        except httpx.InvalidURL:
            raise ImageError(f"{fail}: not a valid link") from None

    def _check_time(self, expires: float, fail: str) -> None:
        if self.clock() > expires:
            raise ImageError(f"{fail}: took longer than {self.deadline:g} s")

    def _read(self, response: httpx.Response, fail: str, expires: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in _decoded(response, fail, self.max_bytes):
            self._check_time(expires, fail)
            size += len(chunk)
            if size > self.max_bytes:
                raise ImageError(f"{fail}: more than {self.max_bytes} bytes")
            chunks.append(chunk)
        if not size:
            raise ImageError(f"{fail}: empty body (0 bytes)")
        return b"".join(chunks)


def _next_hop(link: str, current: httpx.URL, target: httpx.URL, fail: str) -> httpx.URL:
    if target.scheme not in ("http", "https"):
        raise ImageError(f"{fail}: redirected to a {target.scheme or 'relative'}: link, not http(s)")
    if current.scheme == "https" and target.scheme == "http":
        raise ImageError(f"{fail}: redirected from https to plain http ({shown(str(target.host))})")
    if target.host != current.host and _internal(target.host) and not _internal(httpx.URL(link.strip()).host):
        raise ImageError(f"{fail}: redirected into the local network ({shown(target.host)}); refused")
    return target


def _internal(host: str) -> bool:
    """Whether `host` is loopback, private, link-local or otherwise not on the internet."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal", ".home.arpa", ".lan")):
        return True
    try:
        addresses = [ipaddress.ip_address(name)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(name, None)
        except (OSError, UnicodeError):
            return False  # cannot be resolved, so cannot be reached either
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return any(not address.is_global for address in addresses)


def _check_response(response: httpx.Response, fail: str, max_bytes: int) -> None:
    if response.status_code != 200:
        raise ImageError(f"{fail}: HTTP {response.status_code}")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    document = kind.startswith("text/") or kind in _NOT_IMAGES
    if document or (kind.endswith(("+json", "+xml")) and not kind.startswith("image/")):
        raise ImageError(f"{fail}: {kind} served instead of an image")
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise ImageError(f"{fail}: {int(length)} bytes, over the {max_bytes} limit")


def _decoded(response: httpx.Response, fail: str, max_bytes: int) -> Iterator[bytes]:
    """The body as sent, or inflated from one gzip/deflate layer, never more than
    `max_bytes + 1` bytes at a time (zlib's `max_length`), so a bomb is caught early."""
    if response.is_stream_consumed:  # built in memory (a mock transport), already decoded
        yield response.content
        return
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_raw()
        return
    if encoding not in _INFLATABLE:
        raise ImageError(f"{fail}: body encoded as {encoding!r}; only plain, gzip or deflate is accepted")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    try:
        for raw in response.iter_raw():
            data = raw
            while data:
                out = inflater.decompress(data, max_bytes + 1)
                yield out
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
    except zlib.error:
        raise ImageError(f"{fail}: broken {encoding} body") from None
    if not inflater.eof:
        raise ImageError(f"{fail}: {encoding} body cut short")


def read_image(path_or_url: str, client: httpx.Client | None = None, max_bytes: int = MAX_BYTES) -> bytes:
    """Bytes of a local image file or an http(s) URL, for `watcher compare-images OLD NEW`.

    A URL goes through `download` (original size first, the redirect rules above); a
    `file://` URL is a local path. A missing, unreadable or non-file path, another URL
    scheme or an Amazon product page (not its image) raises UsageError, a failed
    download ImageError.
    """
    text = path_or_url.strip()
    scheme = _SCHEME.match(text)
    if scheme is None:
        return _read_file(Path(text).expanduser(), max_bytes)
    kind = scheme.group(1).lower()
    if kind == "file":
        return _read_file(_file_url_path(text), max_bytes)
    if kind not in ("http", "https"):
        raise UsageError(f"not a file path or an http(s) link: {shown(text)}")
    if _PRODUCT_PAGE.match(text):
        raise UsageError(
            f"{shown(text)} is a product page, not an image: open it, right-click the main "
            "image and copy the image address (https://m.media-amazon.com/images/I/...)"
        )
    if client is not None:
        return download(client, text, max_bytes)
    with httpx.Client(headers={"User-Agent": "watcher (image check)"}) as own:
        return download(own, text, max_bytes)


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise UsageError(f"not a local file: {shown(url)}")
    return Path(url2pathname(unquote(parts.path)))


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UsageError(f"not a file: {path} is a directory")
        if not path.is_file():
            raise UsageError(f"not a regular file: {path}")
        if size > max_bytes:
            raise ImageError(f"image file is too large: {path} ({size} bytes, limit {max_bytes})")
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since stat()
        if len(data) > max_bytes:
            raise ImageError(f"image file is too large: {path} (over the {max_bytes} byte limit)")
        return data
    except FileNotFoundError:
        raise UsageError(f"no such image file: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read image file {path}: {exc.strerror or exc.__class__.__name__}") from None
