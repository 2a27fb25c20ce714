"""Real test pictures for the image tests, built from the photos in fixtures/images/.

Helpers only (no tests here): a product on white, encodings, recolours and overlays.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "images"
WHITE = (255, 255, 255)


@lru_cache(maxsize=None)
def photo(name: str) -> Image.Image:
    """A fixture photo (coffee, chelsea, astronaut) as RGB."""
    return Image.open(FIXTURES / f"{name}.jpg").convert("RGB")


def present() -> Image.Image:
    """The blue gift box cut-out (RGBA, transparent around it)."""
    return Image.open(FIXTURES / "present.png").convert("RGBA")


@lru_cache(maxsize=None)
def _product(side: int) -> Image.Image:
    cup = photo("coffee").crop((60, 0, 560, 400)).resize((int(side * 0.6), int(side * 0.5)), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(cup)
    # Crisp printed lines, drawn at full size: real product photos are sharp.
    for i in range(6):
        y = cup.height * (0.55 + 0.03 * i)
        draw.line((cup.width * 0.15, y, cup.width * (0.5 + 0.05 * i), y), fill=(20, 20, 20), width=2)
    mask = Image.new("L", cup.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, cup.width - 1, cup.height - 1), fill=255)
    canvas = Image.new("RGB", (side, side), WHITE)
    canvas.paste(cup, ((side - cup.width) // 2, (side - cup.height) // 2), mask.filter(ImageFilter.GaussianBlur(1)))
    return canvas


def product(side: int = 1200) -> Image.Image:
    """A coffee cup cut into an ellipse on a white square canvas: a product on white."""
    return _product(side).copy()


def jpeg(image: Image.Image, quality: int = 90, **options: object) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality, **options)
    return out.getvalue()


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def resized(image: Image.Image, longest: int) -> Image.Image:
    scale = longest / max(image.size)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)


def padded(image: Image.Image, left: int, top: int, right: int, bottom: int) -> Image.Image:
    canvas = Image.new("RGB", (image.width + left + right, image.height + top + bottom), WHITE)
    canvas.paste(image, (left, top))
    return canvas


def hue_rotated(image: Image.Image, degrees: int) -> Image.Image:
    """Another dye: hue turned in HSV, the white background stays white (no saturation)."""
    h, s, v = image.convert("HSV").split()
    h = h.point(lambda value: (value + round(degrees * 256 / 360)) % 256)
    return Image.merge("HSV", (h, s, v)).convert("RGB")


def darkened(image: Image.Image) -> Image.Image:
    """A black variant: the product's pixels darkened and greyed, white stays white."""
    grey = image.convert("L")
    dark = grey.point(lambda value: 255 if value > 235 else int(value * 0.3))
    return Image.merge("RGB", (dark, dark, dark))


def with_text(image: Image.Image, text: str, where: tuple[float, float], height: float, fill: tuple[int, int, int]) -> Image.Image:
    out = image.copy()
    font = ImageFont.load_default(size=max(10, int(image.height * height)))
    ImageDraw.Draw(out).text((image.width * where[0], image.height * where[1]), text, font=font, fill=fill)
    return out


def with_logo(image: Image.Image, where: tuple[float, float], size: float) -> Image.Image:
    logo = present()
    side = int(max(image.size) * size)
    logo = logo.resize((side, side), Image.Resampling.LANCZOS)
    out = image.copy()
    out.paste(logo, (int(image.width * where[0]), int(image.height * where[1])), logo)
    return out
