"""A decoded picture -> the normalised squares both sides are compared on.

Both sides go through the same steps so that two versions of one photo land on the same
pixels: near-white margins trimmed (to a fraction of a pixel), the content padded to a
square on white, resized to SIDE px. Trimming makes Amazon's white padding and a
re-framed upload harmless; a second square of the whole frame keeps things that were
added in the margin (a badge) from moving the product.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .decoding import WHITE, decode_at

SIDE = 128  # side of the normalised squares: every thumbnail and hash is taken from them
# A pixel is content when any channel is darker than this. Not 250: JPEG ringing leaves
# rows of 225-245 next to a dark edge, and a box grown by a pixel misaligns the square.
WHITE_LEVEL = 224
# JPEGs are decoded at 1/2, 1/4 or 1/8 scale while the picture keeps this many px: enough
# for the evidence copy and the detail measure.
DECODE_MIN = 512
CONTENT_MIN = 320  # a content box smaller than this after a scaled decode: decode finer
EVIDENCE_MAX = 1000
# Box-reduce to about the target size first, then a bilinear filter: three times faster
# than the filter alone on the full picture, and the verdict tolerates the difference.
REDUCING_GAP = 1.0

# Any channel darker than WHITE_LEVEL -> 255, else 0: `getbbox` then finds the content.
_CONTENT_LUT = [255 if value < WHITE_LEVEL else 0 for value in range(256)] * 3

Box = tuple[int, int, int, int]
Area = tuple[float, float, float, float]  # a box to a fraction of a pixel


@dataclass(frozen=True)
class Decoded:
    """An upright sRGB picture on white, maybe decoded at a reduced scale.

    `width`/`height` are the original's (upright). `box` is the content (not near-white)
    in `image` pixels, to a fraction of a pixel. `trimmed` is False when the content
    fills the whole picture (or the picture is all white).
    """

    image: Image.Image
    width: int
    height: int
    box: Area
    trimmed: bool

    def content_px(self) -> float:
        """Longest side of the content, in `image` pixels."""
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])


@dataclass(frozen=True)
class Normalised:
    """Two SIDE x SIDE RGB squares: the trimmed content, and the whole frame."""

    square: Image.Image
    frame: Image.Image


def decode(data: bytes) -> Decoded:
    """Image bytes -> `Decoded`, or `ImageError` with one clear line.

    Example: `decode(Path("main.jpg").read_bytes()).box`.
    """
    image, width, height, scale = decode_at(data, DECODE_MIN)
    decoded = _with_box(image, width, height, scale)
    content = decoded.content_px()
    if scale > 1 and content < CONTENT_MIN:
        # A small product on a big white canvas: decode again with more pixels.
        finer = next((s for s in (4, 2) if s < scale and content * scale / s >= CONTENT_MIN), 1)
        image, width, height, scale = decode_at(data, DECODE_MIN, finer)
        decoded = _with_box(image, width, height, scale)
    return decoded


def _with_box(image: Image.Image, width: int, height: int, scale: int) -> Decoded:
    box = content_box(image)
    trimmed = box != (0, 0, image.width, image.height)
    left, top, right, bottom = _subpixel(image, box) if trimmed else (0.0, 0.0, *map(float, image.size))
    # A scaled decode rounds the size up: 1411 px at 1/2 is 706 px, the last one half
    # beyond the picture. The content ends where the picture does.
    if image.size == (-(-width // scale), -(-height // scale)):
        right, bottom = min(right, width / scale), min(bottom, height / scale)
    return Decoded(image, width, height, (left, top, right, bottom), trimmed)


def _ink(image: Image.Image, box: Box) -> np.ndarray:
    """255 minus the darkest channel: 0 on white, high on any colour."""
    rgb = np.asarray(image.crop(box))
    # Two elementwise minimums: numpy's min over a 3-long last axis is far slower.
    darkest = np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])
    return 255.0 - darkest.astype(np.float32)


def content_box(image: Image.Image) -> Box:
    """Whole-pixel box of everything not near-white; the whole picture if it is all white.

    One exact pass: a quicker search on sampled or reduced pixels misses a thin part
    (a cable, an antenna) at the edge of the product, and the box then moves.
    """
    box = image.point(_CONTENT_LUT).getbbox()
    return box if box else (0, 0, image.width, image.height)


def _subpixel(image: Image.Image, box: Box) -> Area:
    """Move each edge of the box in by the part of its outermost pixel line that is padding.

    Where a picture was padded at one size and decoded at another, its edge falls inside
    a pixel, which then shows part content, part white. How dark that line is next to
    the line inside it tells how much of it is content. Edges on the picture's border
    stay where they are.
    """
    left, top, right, bottom = box
    width, height = image.size
    if right - left < 8 or bottom - top < 8:
        return (float(left), float(top), float(right), float(bottom))  # a speck: keep it whole
    return (
        left + 1 - _coverage(_ink(image, (left, top, left + 2, bottom)).T) if left > 0 else 0.0,
        top + 1 - _coverage(_ink(image, (left, top, right, top + 2))) if top > 0 else 0.0,
        right - 1 + _coverage(_ink(image, (right - 2, top, right, bottom)).T[::-1]) if right < width else float(right),
        bottom - 1 + _coverage(_ink(image, (left, bottom - 2, right, bottom))[::-1]) if bottom < height else float(bottom),
    )


def _coverage(lines: np.ndarray) -> float:
    """Share (0..1) of line 0 that is content, judged against line 1 next to it."""
    if lines.shape[0] < 2:
        return 1.0
    edge, inner = lines[0], lines[1]
    usable = inner > 64  # only where the inner line is clearly content
    if usable.sum() < 3:
        return 1.0
    return float(np.clip(edge[usable].sum() / inner[usable].sum(), 0.0, 1.0))


def normalise(decoded: Decoded) -> Normalised:
    """The content box zoomed to fill a SIDE px white square, and the whole frame squared."""
    image, box = decoded.image, decoded.box
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    zoom = SIDE / decoded.content_px()
    square = _render(image, box, centre, zoom)
    if not decoded.trimmed:
        return Normalised(square, square)  # nothing trimmed: both views are the same
    # The frame is drawn from the square, not from the picture again: outside the
    # content box there is only white, and the square has a few percent of the pixels.
    def in_square(x: float, y: float) -> tuple[float, float]:
        return ((x - centre[0]) * zoom + SIDE / 2, (y - centre[1]) * zoom + SIDE / 2)

    content = (*in_square(box[0], box[1]), *in_square(box[2], box[3]))
    middle = in_square(image.width / 2, image.height / 2)
    frame = _render(square, content, middle, SIDE / max(image.size) / zoom)
    return Normalised(square, frame)


def _render(image: Image.Image, box: Area, centre: tuple[float, float], zoom: float) -> Image.Image:
    """A SIDE px white square showing `box` of `image`, `centre` in its middle, scaled by `zoom`.

    The content is resampled onto whole output pixels at its exact sub-pixel place (a
    paste at a rounded offset would shift two sizes of one picture apart), and only
    output pixels wholly inside the box are drawn: whether the content touched the
    picture's edge or sat on white padding then makes no difference.
    """

    def out(value: float, axis: int) -> float:
        return (value - centre[axis]) * zoom + SIDE / 2

    def back(value: int, axis: int) -> float:
        return (value - SIDE / 2) / zoom + centre[axis]

    low = [max(math.ceil(out(box[a], a) - 1e-3), 0) for a in (0, 1)]
    high = [min(math.floor(out(box[a + 2], a) + 1e-3), SIDE) for a in (0, 1)]
    square = Image.new("RGB", (SIDE, SIDE), WHITE)
    if high[0] <= low[0] or high[1] <= low[1]:
        return square
    source = (back(low[0], 0), back(low[1], 1), back(high[0], 0), back(high[1], 1))
    # Crop first: the filter reaches past its box, into white padding on one picture
    # and into nothing on the other.
    hull = (
        max(0, math.floor(source[0])),
        max(0, math.floor(source[1])),
        min(image.width, math.ceil(source[2])),
        min(image.height, math.ceil(source[3])),
    )
    inside = (
        max(0.0, source[0] - hull[0]),
        max(0.0, source[1] - hull[1]),
        min(float(hull[2] - hull[0]), source[2] - hull[0]),
        min(float(hull[3] - hull[1]), source[3] - hull[1]),
    )
    size = (high[0] - low[0], high[1] - low[1])
    # (No copy needed when the hull is the whole picture: nothing lies beyond it.)
    source_image = image if hull == (0, 0, image.width, image.height) else image.crop(hull)
    part = source_image.resize(size, Image.Resampling.BILINEAR, box=inside, reducing_gap=REDUCING_GAP)
    square.paste(part, (low[0], low[1]))
    return square


def evidence(decoded: Decoded, quality: int = 85) -> bytes:
    """A JPEG copy, longest side at most EVIDENCE_MAX px, for the alert's evidence folder."""
    image = decoded.image
    if max(image.size) > EVIDENCE_MAX:
        scale = EVIDENCE_MAX / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
