"""Getting image bytes: Amazon's original-size link, a bounded download, a local file.

`download` asks for the original size first (Amazon's size modifiers stripped from the
link) and falls back to the link as given. Every request has a timeout, and a response
is read in chunks and abandoned past `max_bytes`, so a huge or endless body cannot
exhaust memory.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from ..errors import ImageError, UsageError

MAX_BYTES = 20_000_000
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
_NOT_IMAGES = ("text/html", "application/json", "text/plain", "application/xml", "text/xml")

# `/images/I/<id>.<modifiers>.<ext>`: an image id holds no dot, and each modifier block
# (`_AC_SL1500_`, `_SX300_QL70_`, `_SR320,320_` ...) sits between underscores.
_MODIFIERS = re.compile(r"(/images/[A-Za-z]/[^/.?#]+)((?:\._[^/?#]*?_)+)(\.[A-Za-z0-9]+)(?=$|[?#])")


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
) -> bytes:
    """The image bytes at `link`, trying the original size first; ImageError if both fail.

    Example: `download(client, item.main_image.link)`.
    """
    original = original_link(link)
    if original == link:
        return _get(client, link, max_bytes, timeout)
    try:
        return _get(client, original, max_bytes, timeout)
    except ImageError as first:
        try:
            return _get(client, link, max_bytes, timeout)
        except ImageError as second:
            raise ImageError(f"{second} (original size: {_reason_only(first)})") from None


def _reason_only(error: ImageError) -> str:
    return str(error).split(": ", 1)[-1]


def _get(client: httpx.Client, link: str, max_bytes: int, timeout: httpx.Timeout) -> bytes:
    try:
        with client.stream("GET", link, timeout=timeout, follow_redirects=True) as response:
            _check_response(response, link, max_bytes)
            return _read_bounded(response, link, max_bytes)
    except httpx.TimeoutException:
        raise ImageError(f"image download timed out: {link}") from None
    except httpx.HTTPError as exc:
        raise ImageError(f"image download failed: {link}: {exc.__class__.__name__}") from None


def _check_response(response: httpx.Response, link: str, max_bytes: int) -> None:
    if response.status_code != 200:
        raise ImageError(f"image download failed: {link}: HTTP {response.status_code}")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in _NOT_IMAGES:
        raise ImageError(f"image download failed: {link}: {kind} served instead of an image")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise ImageError(f"image download failed: {link}: {int(length)} bytes, over the {max_bytes} limit")


def _read_bounded(response: httpx.Response, link: str, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ImageError(f"image download failed: {link}: more than {max_bytes} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise ImageError(f"image download failed: {link}: empty body (0 bytes)")
    return data


def read_image(path_or_url: str, client: httpx.Client | None = None, max_bytes: int = MAX_BYTES) -> bytes:
    """Bytes of a local image file or an http(s) URL, for `watcher compare-images OLD NEW`.

    A URL goes through `download` (original size first); a missing or unreadable file
    raises UsageError, a failed download ImageError.
    """
    if path_or_url.lower().startswith(("http://", "https://")):
        if client is not None:
            return download(client, path_or_url, max_bytes)
        with httpx.Client(headers={"User-Agent": "watcher (image check)"}) as own:
            return download(own, path_or_url, max_bytes)
    return _read_file(Path(path_or_url).expanduser(), max_bytes)


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UsageError(f"not a file: {path}")
        if size > max_bytes:
            raise ImageError(f"image file is too large: {path} ({size} bytes, limit {max_bytes})")
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such image file: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read image file {path}: {exc.strerror or exc.__class__.__name__}") from None
