"""Pure measures on two normalised squares: structure, product colour, local edits.

Each takes the thumbnails of one view (numpy arrays) and returns a number; the
thresholds that turn them into a verdict live in `verdict.py`.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

CHROMA_MOVED = 10.0  # a cell's a*b* moved this far (CIELAB units) ...
LIGHTNESS_MOVED = 20.0  # ... or its L* this far (black / white variants)
EDGE_WEIGHT = 0.25  # share of the local edge strength a re-encode may move a pixel
NOISE = 12.0  # grey levels any pixel may move


# --- structure ---------------------------------------------------------------------------


def _gradient(grey: np.ndarray) -> np.ndarray:
    gx = np.zeros_like(grey)
    gy = np.zeros_like(grey)
    gx[:, 1:-1] = grey[:, 2:] - grey[:, :-2]
    gy[1:-1, :] = grey[2:, :] - grey[:-2, :]
    return np.hypot(gx, gy)


def _blocks(array: np.ndarray, count: int) -> np.ndarray:
    """(n, n) -> (count*count, cells): each row one block, read row by row."""
    side = array.shape[0] // count
    return array.reshape(count, side, count, side).transpose(0, 2, 1, 3).reshape(count * count, -1)


def _half(grey: np.ndarray) -> np.ndarray:
    return 0.25 * (grey[0::2, 0::2] + grey[1::2, 0::2] + grey[0::2, 1::2] + grey[1::2, 1::2])


def structure_similarity(old: np.ndarray, new: np.ndarray) -> float:
    """Median over 8 x 8 blocks with edges of the gradient-magnitude correlation, at 64 px.

    About 1 for one photo re-encoded, resized or recoloured, under 0.4 for other photos.
    Gradient magnitude ignores which side of an edge is darker, so a colour swap that
    turns light-on-dark into dark-on-light still lines up.
    """
    a = _blocks(_gradient(_half(old)), 8)
    b = _blocks(_gradient(_half(new)), 8)
    active = np.maximum(a.mean(axis=1), b.mean(axis=1)) > 4.0
    if not active.any():
        return 1.0  # both blank: nothing to tell them apart
    a = a[active] - a[active].mean(axis=1, keepdims=True)
    b = b[active] - b[active].mean(axis=1, keepdims=True)
    norm = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    corr = np.where(norm > 1e-6, (a * b).sum(axis=1) / np.maximum(norm, 1e-6), 0.0)
    return float(np.median(corr))


# --- colour ------------------------------------------------------------------------------


def colour_moved(old: np.ndarray, new: np.ndarray) -> float:
    """Share of the product's cells (not white background on both sides) whose colour moved.

    A cell moved when its a*b* changed by CHROMA_MOVED or its L* by LIGHTNESS_MOVED:
    a hue swap moves a*b*, a black or white variant moves L*, a grey variant loses
    chroma. Re-encoding moves cells by 1 or 2 units, an added logo moves a few cells.
    """
    background = (old[..., 0] > 92) & (np.hypot(old[..., 1], old[..., 2]) < 6)
    background &= (new[..., 0] > 92) & (np.hypot(new[..., 1], new[..., 2]) < 6)
    product = ~background
    if product.sum() < 8:
        return 0.0
    chroma = np.hypot(old[..., 1] - new[..., 1], old[..., 2] - new[..., 2])
    lightness = np.abs(old[..., 0] - new[..., 0])
    moved = (chroma > CHROMA_MOVED) | (lightness > LIGHTNESS_MOVED)
    return float(moved[product].mean())


# --- local edits -------------------------------------------------------------------------


def edit_score(old: np.ndarray, new: np.ndarray) -> float:
    """How much the worst 8 x 8 px blocks of the 128 px squares differ beyond what
    re-encoding, resizing and a trim box a pixel off explain (0 to about 20).

    Steps: match tones, line the new square up with the old one (one zoom, two shifts,
    found on the row and column profiles); divide the difference by the local edge
    strength (a sharp edge off by half a pixel differs a lot and means nothing); per
    block keep the best of a one-pixel shift and a light blur of either side. Text, a
    logo or a watermark add edges where the old picture had none, and no shift of a
    whole block explains them.
    """
    blocks = edit_blocks(old, new)
    # The mean of the worst three blocks: an overlay spans a few blocks, while one odd
    # block on a sharp edge is what resizing leaves behind.
    return float(np.sort(blocks)[-3:].mean())


def edit_blocks(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The unexplained difference of each 8 x 8 px block (256 of them, row by row)."""
    # Tones first (the profiles need them), then position, then tones again on what
    # now lines up: quantiles of a square a few rows taller are not quite the same.
    new = _match_brightness(old, _align(old, _match_brightness(old, new)))
    scale = EDGE_WEIGHT * np.minimum(_local_max(_gradient(old)), _local_max(_gradient(new))) + NOISE
    weight = _inner(old, new) / scale
    best = _blocks(np.abs(old - new) * weight, 16).mean(axis=1)
    for a, b in ((old, new), (_box3(old), new), (old, _box3(new))):
        for shifted in _shifts(b):
            np.minimum(best, _blocks(np.abs(a - shifted) * weight, 16).mean(axis=1), out=best)
    return best


def _inner(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """1 inside the content, 0 on its outermost rows and columns and on the padding.

    The content's edge row is where a trim box one pixel apart (JPEG ringing next to a
    dark edge) shows: half content, half padding. Nothing is added there that matters.
    """
    content = np.minimum(old, new) < 250
    rows = np.flatnonzero(content.any(axis=1))
    cols = np.flatnonzero(content.any(axis=0))
    weight = np.zeros_like(old)
    if len(rows) > 2 and len(cols) > 2:
        weight[rows[0] + 1 : rows[-1], cols[0] + 1 : cols[-1]] = 1.0
    return weight


_QUANTILES = np.array([2.0, *np.linspace(5, 95, 19), 98.0])


def _match_brightness(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """new's tones mapped onto old's, quantile by quantile.

    A brighter, darker or more contrasty re-upload of one photo is not an edit; an added
    logo moves the quantiles too little to hide itself.
    """
    source = np.percentile(new, _QUANTILES)
    target = np.percentile(old, _QUANTILES)
    keys, start, count = np.unique(source, return_index=True, return_counts=True)
    if len(keys) < 2:
        return new + float(np.median(old - new))  # one flat tone: a plain offset will do
    # A tone that fills several quantiles (white padding, a black background) maps to
    # the end of its run that touches the range's end, else to the middle of it.
    pick = np.where(start == 0, 0, np.where(start + count == len(source), start + count - 1, start + count // 2))
    values = target[pick]
    mapped = np.interp(new, keys, values)
    # Past the outer quantiles keep the offset, not a flat clip: the brightest and darkest
    # few percent (a highlight, a thin white line) must not be squashed together.
    mapped = np.where(new > keys[-1], new - keys[-1] + values[-1], mapped)
    mapped = np.where(new < keys[0], new - keys[0] + values[0], mapped)
    return mapped.astype(np.float32)


def _align(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Undo the small zoom and shift a trim box a pixel or two off leaves.

    The square's zoom is the same on both axes, so one scale and two shifts, fitted on
    the column and row profiles, then checked on the pixels.
    """
    errors_x = _profile_errors(old.mean(axis=0), new.mean(axis=0))
    errors_y = _profile_errors(old.mean(axis=1), new.mean(axis=1))
    total = errors_x.min(axis=1) + errors_y.min(axis=1)
    i = int(np.argmin(total))
    scale = float(_SCALES[i])
    shift_x = float(_SHIFTS[int(np.argmin(errors_x[i]))])
    shift_y = float(_SHIFTS[int(np.argmin(errors_y[i]))])
    if (scale, shift_x, shift_y) == (1.0, 0.0, 0.0):
        return new
    aligned = _warp(new, scale, shift_x, shift_y)
    # Keep the warp only if it helps: a wrong one would make every edge look edited.
    return aligned if np.abs(old - aligned).mean() < np.abs(old - new).mean() else new


def _warp(grey: np.ndarray, scale: float, shift_x: float, shift_y: float) -> np.ndarray:
    side = grey.shape[0]
    centre = (side - 1) / 2
    coefficients = (
        1 / scale, 0.0, centre - (centre + shift_x) / scale,
        0.0, 1 / scale, centre - (centre + shift_y) / scale,
    )
    moved = Image.fromarray(grey.astype(np.float32), "F").transform(
        (side, side), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR, fillcolor=255.0
    )
    return np.asarray(moved, dtype=np.float32)


_SCALES = np.linspace(0.97, 1.03, 61)
_SHIFTS = np.linspace(-3.0, 3.0, 25)


def _profile_errors(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Mean |old - new mapped| for every (scale, shift) pair, scaling about the centre."""
    n = len(old)
    x = np.arange(n, dtype=np.float64)
    centre = (n - 1) / 2
    source = (x[None, None, :] - centre - _SHIFTS[None, :, None]) / _SCALES[:, None, None] + centre
    values = np.interp(source.ravel(), x, new).reshape(source.shape)
    inside = (source >= 0) & (source <= n - 1)
    error = np.where(inside, np.abs(values - old[None, None, :]), 0.0).sum(axis=-1)
    return error / np.maximum(inside.sum(axis=-1), 1)


def _box3(grey: np.ndarray) -> np.ndarray:
    padded = np.pad(grey, 1, mode="edge")
    total = np.zeros_like(grey)
    for dy in range(3):
        for dx in range(3):
            total += padded[dy : dy + grey.shape[0], dx : dx + grey.shape[1]]
    return total / 9.0


def _shifts(grey: np.ndarray) -> list[np.ndarray]:
    padded = np.pad(grey, 1, mode="edge")
    height, width = grey.shape
    return [padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3)]


def _local_max(grey: np.ndarray) -> np.ndarray:
    return np.max(np.stack(_shifts(grey)), axis=0)
