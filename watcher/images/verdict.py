"""Two fingerprints -> `ImageComparison`: same, recolored, different or edited, plus low_res.

Pure: values in, values out. The order of decisions:

1. structure far -> `different`. Structure is the median, over the blocks that have
   edges, of the correlation of gradient magnitude: it ignores colour and brightness (so
   a recolour keeps it) and a few changed blocks (so an added logo keeps it).
2. structure near, the colour of a large share of the product moved -> `recolored`
   (hue, or lightness and chroma for black / white / grey variants).
3. structure near, colour in place, a few blocks differ far more than re-encoding and
   resizing explain -> `edited` (text, logo, watermark).
4. otherwise `same` (re-encoded, resized, padded, re-uploaded under a new id).

`low_res` is separate: the new picture's longest side is under 500 px, or under 1000 px
when the old one had 1000 (zoom lost), or it is an upscaled small picture (detail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..errors import ImageError
from .fingerprint import Fingerprint, View
from .measures import colour_moved, edit_score, structure_similarity

Verdict = Literal["same", "recolored", "different", "edited"]

# Set on the labelled benchmark (benchmarks/bench_images.py), each with a margin on
# both sides; the comments give what the benchmark measured.
STRUCTURE_NEAR = 0.55  # other photos stay under 0.4, one photo (edited, recoloured) over 0.7
FRAME_PREFERENCE = 0.05  # use the whole-frame view only when it lines up clearly better
COLOUR_MOVED_SHARE = 0.30  # recolours move 40 % of the product and more, edits under 20 %
EDIT_SCORE = 0.55  # re-encodes, resizes and padding stay under 0.42
ZOOM_SIDE = 1000  # Amazon offers zoom from 1000 px on the longest side
POOR_SIDE = 500
DETAIL_POOR = 0.25  # detail of an upscaled small picture (sharp ones measure 0.3 to 1) ...
DETAIL_DROP = 0.6  # ... and well below the old picture's, which may have been soft already


@dataclass(frozen=True)
class ImageComparison:
    """The verdict on a main-image change. `scores` are for logs and `--json`."""

    verdict: Verdict
    low_res: bool
    scores: dict[str, float] = field(default_factory=dict)


def compare(old: Fingerprint, new: Fingerprint) -> ImageComparison:
    """Judge how the new main image differs from the old one.

    Example: `compare(analyse(a)[0], analyse(b)[0]).verdict` -> "same".
    """
    if old.algorithm != new.algorithm:
        raise ImageError(
            f"image fingerprints of different algorithms ({old.algorithm} vs {new.algorithm}): "
            "fingerprint the old image again"
        )
    view, structure = _aligned_view(old, new)
    scores: dict[str, float] = {
        "phash_bits": float(_bits(old.phash, new.phash)),
        "dhash_bits": float(_bits(old.dhash, new.dhash)),
        "structure": round(structure, 3),
        "frame_view": 1.0 if view == "frame" else 0.0,
        "detail_old": old.detail,
        "detail_new": new.detail,
    }
    verdict = _verdict(getattr(old, view), getattr(new, view), structure, scores)
    return ImageComparison(verdict, low_res(old, new), scores)


def _verdict(old: View, new: View, structure: float, scores: dict[str, float]) -> Verdict:
    moved = colour_moved(old.lab_array(), new.lab_array())
    scores["colour_moved"] = round(moved, 3)
    if structure < STRUCTURE_NEAR:
        return "different"
    if moved >= COLOUR_MOVED_SHARE:
        return "recolored"
    edit = edit_score(old.grey_array(), new.grey_array())
    scores["edit"] = round(edit, 3)
    return "edited" if edit >= EDIT_SCORE else "same"


def _bits(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _aligned_view(old: Fingerprint, new: Fingerprint) -> tuple[str, float]:
    """The view (trimmed or whole frame) in which the two pictures line up, and how well."""
    trim = structure_similarity(old.trim.grey_array(), new.trim.grey_array())
    if old.frame == old.trim and new.frame == new.trim:
        return "trim", trim
    frame = structure_similarity(old.frame.grey_array(), new.frame.grey_array())
    if frame > trim + FRAME_PREFERENCE:
        return "frame", frame
    return "trim", trim


def low_res(old: Fingerprint, new: Fingerprint) -> bool:
    """The new picture is poor: too small, zoom lost, or an upscaled small picture."""
    new_side = max(new.width, new.height)
    old_side = max(old.width, old.height)
    if new_side < POOR_SIDE or (old_side >= ZOOM_SIDE > new_side):
        return True
    # An upscaled small picture passes the size rules; its missing fine detail does not.
    return new.detail < DETAIL_POOR and new.detail < DETAIL_DROP * old.detail
