"""The stored fingerprint: its fields, its JSON, and hashes that mean what they say."""

from __future__ import annotations

import json

import imagehash
import pytest
from PIL import Image

from test_images_support import jpeg, padded, photo, product, resized
from watcher.errors import ImageError
from watcher.images import ALGORITHM, Fingerprint, analyse
from watcher.images.normalize import decode, normalise


def test_fields_algorithm_and_original_size() -> None:
    fingerprint, _ = analyse(jpeg(padded(product(1000), 0, 0, 500, 0)))
    assert fingerprint.algorithm == ALGORITHM
    assert "phash64" in ALGORITHM and "dhash64" in ALGORITHM and "lab32" in ALGORITHM
    assert (fingerprint.width, fingerprint.height) == (1500, 1000)
    assert len(fingerprint.phash) == 16 and len(fingerprint.dhash) == 16


def test_json_round_trip() -> None:
    for picture in (product(900), resized(photo("coffee"), 900)):
        fingerprint, _ = analyse(jpeg(picture))
        text = fingerprint.to_json()
        assert Fingerprint.from_json(text) == fingerprint
        data = json.loads(text)
        assert {"algorithm", "width", "height", "phash", "dhash", "detail", "trim", "frame"} <= set(data)
        assert len(text) < 40_000


def test_frame_view_is_stored_only_when_something_was_trimmed() -> None:
    full_frame, _ = analyse(jpeg(resized(photo("chelsea"), 900)))
    assert json.loads(full_frame.to_json())["frame"] is None
    assert full_frame.frame == full_frame.trim
    on_white, _ = analyse(jpeg(product(900)))
    assert json.loads(on_white.to_json())["frame"] is not None


def test_same_bytes_same_fingerprint() -> None:
    data = jpeg(product(800))
    assert analyse(data)[0] == analyse(data)[0]


def test_phash_is_imagehash_phash_of_the_square() -> None:
    pytest.importorskip("scipy")  # imagehash's own phash needs it; watcher's does not
    square = normalise(decode(jpeg(product(900)))).square
    fingerprint, _ = analyse(jpeg(product(900)))
    ours = imagehash.hex_to_hash(fingerprint.phash)
    theirs = imagehash.phash(square)
    assert ours - theirs <= 2  # same algorithm; the DCT's rounding can flip a tied bit


def test_trim_ignores_white_padding() -> None:
    plain, _ = analyse(jpeg(product(800)))
    framed, _ = analyse(jpeg(padded(product(800), 200, 50, 0, 300)))
    assert (int(plain.phash, 16) ^ int(framed.phash, 16)).bit_count() <= 2


@pytest.mark.parametrize(
    "text",
    ["", "{}", "not json", '{"algorithm": "x", "width": 1}', json.dumps({"algorithm": "x", "width": 1, "height": 1,
     "phash": "0", "dhash": "0", "detail": 1.0, "trim": {"grey": "!!", "lab": "!!"}, "frame": None})],
)
def test_damaged_json_raises_image_error(text: str) -> None:
    with pytest.raises(ImageError):
        Fingerprint.from_json(text)


def test_detail_is_low_for_an_upscaled_small_picture() -> None:
    sharp, _ = analyse(jpeg(product(1200)))
    blown_up, _ = analyse(jpeg(resized(resized(product(1200), 250), 1200)))
    assert blown_up.detail < 0.25 < sharp.detail


def test_a_white_picture_fingerprints() -> None:
    fingerprint, _ = analyse(jpeg(Image.new("RGB", (600, 600), (255, 255, 255))))
    assert fingerprint.width == 600
