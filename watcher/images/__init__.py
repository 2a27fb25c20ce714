"""Main-image fingerprints and verdicts (work in progress)."""
from __future__ import annotations
from ..errors import ImageError
from .fingerprint import Fingerprint, fingerprint_image
from .normalize import decode, evidence

def analyse(data: bytes):
    decoded = decode(data)
    return fingerprint_image(decoded), evidence(decoded)

def compare(old, new):
    raise NotImplementedError
