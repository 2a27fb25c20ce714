"""Small pure pieces of the fingerprint: 64-bit hashes and sRGB -> CIELAB."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image


@lru_cache(maxsize=1)
def _dct_matrix(size: int = 32) -> np.ndarray:
    """DCT-II basis; its scale does not matter because the hash compares with the median."""
    k = np.arange(size)[:, None]
    n = np.arange(size)[None, :]
    return np.cos(np.pi * k * (2 * n + 1) / (2 * size))


def phash(small: Image.Image) -> str:
    """pHash as imagehash computes it (without scipy): 2-D DCT of a 32 x 32 grey picture,
    the 8 x 8 lowest frequencies against their median."""
    basis = _dct_matrix()
    low = (basis @ np.asarray(small, dtype=np.float64) @ basis.T)[:8, :8]
    return _hex(low > np.median(low))


def dhash(small: Image.Image) -> str:
    """dHash: is each pixel of a 9 x 8 grey picture brighter than its left neighbour."""
    pixels = np.asarray(small.resize((9, 8), Image.Resampling.BILINEAR), dtype=np.int16)
    return _hex(pixels[:, 1:] > pixels[:, :-1])


def _hex(bits: np.ndarray) -> str:
    """64 bits, row by row, as 16 hex digits: the same text as str(imagehash.ImageHash(bits))."""
    return np.packbits(bits.ravel()).tobytes().hex()


@lru_cache(maxsize=1)
def _linear_lut() -> np.ndarray:
    value = np.arange(256) / 255.0
    return np.where(value <= 0.04045, value / 12.92, ((value + 0.055) / 1.055) ** 2.4)


_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE_XYZ = np.array([0.95047, 1.0, 1.08883])


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 sRGB (..., 3) -> CIELAB (D65), float64."""
    xyz = (_linear_lut()[rgb] @ _RGB_TO_XYZ.T) / _WHITE_XYZ
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )
