"""How much fine detail a picture has: an upscaled small picture has little.

Natural photos carry about as much energy in each octave of spatial frequency; an
upscaled small image has almost none in the top one. The measure is the energy of the
finest octave over the next one, so it depends on sharpness, not on how busy the
picture is.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .normalize import Decoded

DETAIL_SIDE = 128  # px of the centre crop the detail is measured on ...
DETAIL_SCALE = 512  # ... a quarter of the content, drawn as if the content were this big


def detail(decoded: Decoded) -> float:
    """Fine detail of the content's centre: 0.3 to 1 when sharp, about 0.1 when upscaled.

    Taken at a fixed scale of the content (DETAIL_SCALE px), so that two sizes of one
    picture agree, and on the centre only: that is where the product is, and it is cheap.
    """
    left, top, right, bottom = decoded.box
    half = max(right - left, bottom - top) * DETAIL_SIDE / DETAIL_SCALE / 2
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    crop = (
        round(max(left, centre_x - half)),
        round(max(top, centre_y - half)),
        round(min(right, centre_x + half)),
        round(min(bottom, centre_y + half)),
    )
    scale = DETAIL_SIDE / (2 * half) if half else 1.0
    size = (max(8, round((crop[2] - crop[0]) * scale)), max(8, round((crop[3] - crop[1]) * scale)))
    grey = decoded.image.crop(crop).convert("L").resize(size, Image.Resampling.BILINEAR)
    return _octave_ratio(np.asarray(grey, dtype=np.float32))


def _octave_ratio(pixels: np.ndarray) -> float:
    """Energy lost by halving the picture, over the energy lost by halving it again."""
    height, width = (pixels.shape[0] // 4) * 4, (pixels.shape[1] // 4) * 4
    if height < 16 or width < 16:
        return 1.0
    pixels = pixels[:height, :width]
    half = _halve(pixels)
    quarter = _halve(half)
    fine = float(np.mean((pixels - _double(half))[2:-2, 2:-2] ** 2))
    coarse = float(np.mean((half - _double(quarter))[1:-1, 1:-1] ** 2))
    return round(fine / coarse, 4) if coarse > 1e-3 else 1.0


def _halve(pixels: np.ndarray) -> np.ndarray:
    """2 x 2 means (slices, not reshape-and-mean: several times faster at this size)."""
    return 0.25 * (pixels[0::2, 0::2] + pixels[1::2, 0::2] + pixels[0::2, 1::2] + pixels[1::2, 1::2])


def _double(pixels: np.ndarray) -> np.ndarray:
    """Bilinear 2x upsampling, so that a smooth gradient comes back whole and only the
    detail the halving lost remains in the difference."""
    height, width = pixels.shape
    image = Image.fromarray(pixels, "F").resize((2 * width, 2 * height), Image.Resampling.BILINEAR)
    return np.asarray(image)
