"""Image bytes -> an upright sRGB RGB picture on white, or one clear `ImageError`.

JPEGs are decoded with `Image.draft`, which lets libjpeg scale by 1/2, 1/4 or 1/8 while
decoding: most of the work is skipped and the fingerprint does not need more pixels.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from ..errors import ImageError

MAX_PIXELS = 50_000_000  # about 7000 x 7000: more is a decompression bomb, not a product photo
MIN_SIDE = 16  # tracking pixels and icons are not product photos
WHITE = (255, 255, 255)

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def decode_at(data: bytes, longest_min: int, scale_limit: int = 8) -> tuple[Image.Image, int, int, int]:
    """(picture, original width, original height, JPEG draft scale), width/height upright.

    A JPEG is decoded at the smallest scale (at most `scale_limit`) that keeps
    `longest_min` px on its longest side.
    """
    image = _open(data)
    width, height = image.size
    scale = _draft(image, longest_min, scale_limit)
    _load(image, len(data))
    picture = _on_white(_to_srgb(_upright(image)))
    if _turned(picture, width, height):
        width, height = height, width
    return picture, width, height, scale


def _sniff(data: bytes) -> str | None:
    """A clear name for the usual non-images a CDN or a proxy sends back with status 200."""
    head = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        return "HTML" if b"html" in data[:2048].lower() else "HTML/XML"
    if head.startswith((b"{", b"[")):
        return "JSON"
    return None


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageError("image is empty (0 bytes)")
    kind = _sniff(data)
    if kind:
        raise ImageError(f"not an image: {kind} was served instead ({len(data)} bytes)")
    try:
        # (No warnings.catch_warnings here: it is not thread-safe. Pillow only warns past
        # 89 M pixels, and _check_size refuses those anyway.)
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ImageError("image has too many pixels (decompression bomb?)") from None
    except UnidentifiedImageError:
        start = data[:8].hex(" ")
        raise ImageError(f"not a readable image ({len(data)} bytes): no known image format, starts {start}") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"not a readable image ({len(data)} bytes): {_reason(exc)}") from None
    _check_size(image.size)
    return image


def _reason(exc: BaseException) -> str:
    text = str(exc).split("\n")[0][:120]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise ImageError(f"image has too many pixels: {width}x{height} (decompression bomb?)")
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            f"image is too small to compare: {width}x{height} px (at least {MIN_SIDE} px a side)"
        )


def _draft(image: Image.Image, longest_min: int, scale_limit: int) -> int:
    if image.format != "JPEG":
        return 1
    width, height = image.size
    for scale in (8, 4, 2):
        if scale <= scale_limit and -(-max(width, height) // scale) >= longest_min:
            # Pillow picks the largest scale that keeps at least the size asked for.
            mode = "CMYK" if image.mode == "CMYK" else "RGB"
            image.draft(mode, (width // scale, height // scale))
            return scale
    return 1


def _load(image: Image.Image, size: int) -> None:
    try:
        image.load()
    except Image.DecompressionBombError:
        raise ImageError("image has too many pixels (decompression bomb?)") from None
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError) as exc:
        kind = image.format or "image"
        raise ImageError(f"truncated or corrupt {kind} data ({size} bytes): {_reason(exc)}") from None


def _upright(image: Image.Image) -> Image.Image:
    try:
        orientation = int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, OSError, SyntaxError):
        return image  # a broken EXIF block does not make the picture unusable
    method = _TRANSPOSE.get(orientation)
    if method is None:
        return image
    turned = image.transpose(method)
    turned.info = dict(image.info)  # keep the ICC profile
    return turned


def _turned(image: Image.Image, width: int, height: int) -> bool:
    """True when EXIF orientation turned the picture a quarter turn (sizes swap)."""
    return width != height and (image.width > image.height) != (width > height)


@lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Building an ICC transform costs more than applying it: keep the last few."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if mode == "RGB" and "srgb" in (ImageCms.getProfileDescription(source) or "").lower():
            return None  # already sRGB
        return ImageCms.buildTransform(source, _srgb(), mode, "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken or mismatched profile: fall back to the plain conversion


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "CMYK"):
        return image
    transform = _transform(bytes(icc), image.mode)
    if transform is None:
        return image
    try:
        converted = ImageCms.applyTransform(image, transform)
    except (ImageCms.PyCMSError, ValueError, OSError):
        return image
    return converted if converted is not None else image


def _deep_to_8bit(image: Image.Image) -> Image.Image:
    """16-bit and float greys: Pillow's own conversion clips everything above 255 to white."""
    array = np.asarray(image, dtype=np.float64)
    top = 65535.0 if image.mode.startswith("I;16") else max(float(array.max()), 1.0)
    return Image.fromarray(np.clip(array * (255.0 / top), 0, 255).astype(np.uint8), "L")


def _on_white(image: Image.Image) -> Image.Image:
    """Flatten any mode to RGB; transparent parts become white, as Amazon shows them."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        image = _deep_to_8bit(image)
    if image.mode == "P" or "transparency" in image.info:
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, WHITE)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image if image.mode == "RGB" else image.convert("RGB")
