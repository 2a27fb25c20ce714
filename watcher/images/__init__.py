"""Main-image fingerprints and verdicts: did the main image change, and how?

Public API, used by the pipeline, the store and the CLI:

- `analyse(data) -> (Fingerprint, evidence_jpeg)`; raises `ImageError` (one line) for
  empty, truncated, non-image, oversized or tiny input
- `compare(old, new) -> ImageComparison(verdict, low_res, scores)`, pure
- `Fingerprint.to_json()` / `Fingerprint.from_json(text)`
- `original_link(link)`, `download(client, link)`, `read_image(path_or_url)`

Modules, in pipeline order: `fetch` (link or path -> bytes), `decoding` (bytes ->
upright sRGB picture on white), `normalize` (picture -> trimmed squares, evidence copy),
`hashes` and `detail` (pieces of a fingerprint), `fingerprint` (the stored value),
`measures` (structure, colour, local edits of two squares) and `verdict` (the decision).

Example:

    old, _ = analyse(read_image("before.jpg"))
    new, evidence_jpeg = analyse(read_image("https://m.media-amazon.com/images/I/61AbC.jpg"))
    compare(old, new).verdict  # "same", "recolored", "different" or "edited"
"""

from __future__ import annotations

from .fetch import download, original_link, read_image
from .fingerprint import ALGORITHM, Fingerprint, View, fingerprint_of
from .normalize import decode, evidence
from .verdict import ImageComparison, Verdict, compare


def analyse(data: bytes) -> tuple[Fingerprint, bytes]:
    """Fingerprint image bytes and make the evidence copy (JPEG, longest side <= 1000 px).

    Raises ImageError with a one-line reason for anything that is not a usable image.
    """
    decoded = decode(data)
    return fingerprint_of(decoded), evidence(decoded)


__all__ = [
    "ALGORITHM",
    "Fingerprint",
    "ImageComparison",
    "Verdict",
    "View",
    "analyse",
    "compare",
    "download",
    "original_link",
    "read_image",
]
