"""Decoded picture -> `Fingerprint`: structure hashes, thumbnails, colour, detail, size.

Two views of each picture are kept, built the same way: `trim` (white margins trimmed,
so padding does not matter) and `frame` (the whole frame, so a badge added in the white
margin does not move the product). The verdict compares whichever view lines up.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..errors import ImageError
from .detail import detail
from .hashes import dhash, phash, to_lab
from .normalize import SIDE, Decoded, normalise

# Name and sizes of everything stored. Bump it when any of them changes: fingerprints of
# another algorithm are never compared (the pipeline fingerprints the image again).
ALGORITHM = "wfp1:phash64+dhash64+grey128+lab32+detail512"
GREY_SIDE = SIDE
LAB_SIDE = 32


@dataclass(frozen=True)
class View:
    """The thumbnails of one normalised square (raw bytes; JSON gets them compressed)."""

    grey: bytes = field(repr=False)  # GREY_SIDE^2 uint8 luminance
    lab: bytes = field(repr=False)  # LAB_SIDE^2 x 3 uint8 CIELAB: L*2.55, a+128, b+128

    def grey_array(self) -> np.ndarray:
        """Float luminance, shape (GREY_SIDE, GREY_SIDE)."""
        return _array(self.grey, (GREY_SIDE, GREY_SIDE)).astype(np.float32)

    def lab_array(self) -> np.ndarray:
        """Float CIELAB, shape (LAB_SIDE, LAB_SIDE, 3)."""
        raw = _array(self.lab, (LAB_SIDE, LAB_SIDE, 3)).astype(np.float32)
        return np.stack([raw[..., 0] / 2.55, raw[..., 1] - 128, raw[..., 2] - 128], axis=-1)

    def to_dict(self) -> dict[str, str]:
        return {"grey": _text(self.grey), "lab": _text(self.lab)}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> "View":
        return cls(_bytes(data["grey"]), _bytes(data["lab"]))


@dataclass(frozen=True)
class Fingerprint:
    """What is stored per image id. `width`/`height` are the original's, upright.

    `algorithm` names every part and its size; fingerprints of another algorithm are
    not compared. The hashes are those of the trimmed square, as 16 hex digits (the
    text imagehash uses). Example: `Fingerprint.from_json(fp.to_json()) == fp`.
    """

    algorithm: str
    width: int
    height: int
    phash: str  # DCT hash: 8 x 8 lowest frequencies of the 32 x 32 grey square vs their median
    dhash: str  # difference hash of the 9 x 8 grey square
    detail: float  # fine-detail ratio: 0.3 to 1 for a sharp picture, near 0.1 for an upscaled one
    trim: View  # the content, white margins trimmed, squared
    frame: View  # the whole picture squared; the same object as `trim` if nothing was trimmed

    def to_json(self) -> str:
        """Compact JSON; the thumbnails are zlib-compressed and base64-encoded here."""
        data = {
            "algorithm": self.algorithm,
            "width": self.width,
            "height": self.height,
            "phash": self.phash,
            "dhash": self.dhash,
            "detail": self.detail,
            "trim": self.trim.to_dict(),
            "frame": None if self.frame == self.trim else self.frame.to_dict(),
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Fingerprint":
        try:
            data = json.loads(text)
            trim = View.from_dict(data["trim"])
            frame = View.from_dict(data["frame"]) if data.get("frame") else trim
            return cls(
                algorithm=str(data["algorithm"]),
                width=int(data["width"]),
                height=int(data["height"]),
                phash=str(data["phash"]),
                dhash=str(data["dhash"]),
                detail=float(data["detail"]),
                trim=trim,
                frame=frame,
            )
        except (ValueError, KeyError, TypeError, AttributeError, zlib.error) as exc:
            raise ImageError(f"not a stored image fingerprint: {exc.__class__.__name__}") from None


def fingerprint_of(decoded: Decoded) -> Fingerprint:
    """The fingerprint of a decoded picture (normalised here, the same way for every side)."""
    normalised = normalise(decoded)
    grey = normalised.square.convert("L")
    small = grey.resize((32, 32), Image.Resampling.LANCZOS)
    trim = _view(normalised.square, grey)
    frame = trim if normalised.frame is normalised.square else _view(normalised.frame)
    return Fingerprint(
        algorithm=ALGORITHM,
        width=decoded.width,
        height=decoded.height,
        phash=phash(small),
        dhash=dhash(small),
        detail=detail(decoded),
        trim=trim,
        frame=frame,
    )


def _text(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def _bytes(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text, validate=True))


def _array(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.frombuffer(raw, np.uint8).reshape(shape)
    except ValueError:
        raise ImageError("stored image fingerprint is damaged (thumbnail of the wrong size)") from None


def _view(square: Image.Image, grey: Image.Image | None = None) -> View:
    lab = to_lab(np.asarray(square.reduce(SIDE // LAB_SIDE)))
    lab[..., 0] *= 2.55
    lab[..., 1:] += 128
    grey = grey if grey is not None else square.convert("L")
    return View(grey=grey.tobytes(), lab=np.clip(np.round(lab), 0, 255).astype(np.uint8).tobytes())
