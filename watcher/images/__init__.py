"""Main-image fingerprints and verdicts (provisional: greyscale pHash plus mean colour).

Public API, used by the pipeline, the diff and the CLI:

- `analyse(data) -> (Fingerprint, evidence_jpeg_bytes)`; raises `ImageError`
- `compare(old, new) -> ImageComparison`
- `Fingerprint.to_json()` / `Fingerprint.from_json(text)`
- `original_link(link)`: the link without Amazon's size modifiers
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Literal

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageError

Verdict = Literal["same", "recolored", "different", "edited"]
ALGORITHM = "provisional-phash8-meanrgb"
Image.MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class Fingerprint:
    algorithm: str
    width: int
    height: int
    phash: str
    mean_rgb: tuple[float, float, float]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Fingerprint":
        data = json.loads(text)
        data["mean_rgb"] = tuple(data["mean_rgb"])
        return cls(**data)


@dataclass(frozen=True)
class ImageComparison:
    verdict: Verdict
    low_res: bool
    scores: dict[str, float] = field(default_factory=dict)


_SIZE_MODIFIER = re.compile(r"\._[^/]*?_(?=\.[A-Za-z0-9]+$)")


def original_link(link: str) -> str:
    """`.../I/61AbC._AC_SL1500_.jpg` -> `.../I/61AbC.jpg` (Amazon serves the original)."""
    return _SIZE_MODIFIER.sub("", link)


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageError("image is empty (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise ImageError(f"not a readable image: {exc.__class__.__name__}") from None
    return ImageOps.exif_transpose(image).convert("RGB")


def analyse(data: bytes) -> tuple[Fingerprint, bytes]:
    image = _open(data)
    small = image.copy()
    small.thumbnail((256, 256))
    pixels = list(small.getdata())
    mean = tuple(round(sum(p[i] for p in pixels) / len(pixels), 2) for i in range(3))
    fp = Fingerprint(ALGORITHM, image.width, image.height, str(imagehash.phash(small)), mean)  # type: ignore[arg-type]
    copy = image.copy()
    copy.thumbnail((1000, 1000))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85)
    return fp, out.getvalue()


def compare(old: Fingerprint, new: Fingerprint) -> ImageComparison:
    bits = imagehash.hex_to_hash(old.phash) - imagehash.hex_to_hash(new.phash)
    colour = sum(abs(a - b) for a, b in zip(old.mean_rgb, new.mean_rgb)) / 3
    low_res = max(new.width, new.height) < 500 or (
        max(old.width, old.height) >= 1000 > max(new.width, new.height)
    )
    verdict: Verdict = "same"
    if bits > 12:
        verdict = "different"
    elif colour > 20:
        verdict = "recolored"
    return ImageComparison(verdict, low_res, {"phash_bits": float(bits), "colour": colour})
