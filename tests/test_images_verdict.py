"""Each verdict on a few small real pictures, and the low_res flag."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from PIL import Image

from test_images_support import (
    darkened,
    encode,
    hue_rotated,
    jpeg,
    padded,
    photo,
    product,
    resized,
    with_logo,
    with_text,
)
from watcher.errors import ImageError
from watcher.images import Fingerprint, ImageComparison, analyse, compare


def _fp(image: Image.Image | bytes) -> Fingerprint:
    return analyse(image if isinstance(image, bytes) else jpeg(image))[0]


@pytest.fixture(scope="module")
def cup() -> Image.Image:
    return product(1200)


@pytest.fixture(scope="module")
def cup_fp(cup: Image.Image) -> Fingerprint:
    return _fp(cup)


def _judge(old: Fingerprint, new: Image.Image | bytes) -> ImageComparison:
    return compare(old, _fp(new))


@pytest.mark.parametrize(
    "variant",
    [
        lambda p: jpeg(p, 40),
        lambda p: jpeg(p, 95),
        lambda p: jpeg(resized(p, 1000), 70),
        lambda p: jpeg(padded(p, 150, 150, 150, 150), 85),
        lambda p: jpeg(padded(p, 400, 0, 100, 60), 60),
        lambda p: encode(p, "PNG"),
        lambda p: encode(p, "WEBP", quality=60),
    ],
    ids=["jpeg-q40", "jpeg-q95", "resized-1000", "padded", "padded-wide-q60", "png", "webp"],
)
def test_same_picture_re_encoded_resized_or_padded(cup: Image.Image, cup_fp: Fingerprint, variant) -> None:
    result = _judge(cup_fp, variant(cup))
    assert (result.verdict, result.low_res) == ("same", False), result.scores


def test_same_full_frame_photo(cup_fp: Fingerprint) -> None:
    cat = resized(photo("chelsea"), 1200)
    result = compare(_fp(cat), _fp(jpeg(resized(cat, 1100), 50)))
    assert (result.verdict, result.low_res) == ("same", False), result.scores


@pytest.mark.parametrize("degrees", [45, 90, 180, 270])
def test_hue_swaps_are_recolored(cup: Image.Image, cup_fp: Fingerprint, degrees: int) -> None:
    result = _judge(cup_fp, hue_rotated(cup, degrees))
    assert result.verdict == "recolored", result.scores
    assert result.low_res is False


def test_black_and_grey_variants_are_recolored(cup: Image.Image, cup_fp: Fingerprint) -> None:
    assert _judge(cup_fp, darkened(cup)).verdict == "recolored"
    grey = cup.convert("L").convert("RGB")
    assert _judge(cup_fp, grey).verdict == "recolored"


def test_a_greyscale_hash_alone_would_have_missed_the_swap(cup: Image.Image, cup_fp: Fingerprint) -> None:
    result = _judge(cup_fp, hue_rotated(cup, 180))
    assert result.scores["phash_bits"] <= 12  # "same picture" by the usual pHash reading
    assert result.verdict == "recolored"


def test_other_photos_are_different(cup_fp: Fingerprint) -> None:
    for other in ("chelsea", "astronaut"):
        result = _judge(cup_fp, resized(photo(other), 1200))
        assert result.verdict == "different", (other, result.scores)
    result = compare(_fp(resized(photo("astronaut"), 1000)), _fp(resized(photo("chelsea"), 1000)))
    assert result.verdict == "different"


def test_another_product_on_white_is_different(cup_fp: Fingerprint) -> None:
    box = resized(photo("astronaut"), 700)
    result = _judge(cup_fp, padded(box, 250, 250, 250, 250))
    assert result.verdict == "different", result.scores


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: with_text(p, "SALE 50% OFF", (0.25, 0.45), 0.07, (220, 0, 0)),
        lambda p: with_text(p, "No.1", (0.3, 0.3), 0.1, (0, 0, 0)),
        lambda p: with_logo(p, (0.6, 0.55), 0.18),
        lambda p: with_logo(p, (0.02, 0.02), 0.15),  # in the white margin
    ],
    ids=["red-text", "black-text", "logo-on-product", "badge-in-margin"],
)
def test_text_and_logos_are_edited(cup: Image.Image, cup_fp: Fingerprint, edit) -> None:
    result = _judge(cup_fp, edit(cup))
    assert result.verdict == "edited", result.scores


def test_downscaled_below_500_is_low_res(cup: Image.Image, cup_fp: Fingerprint) -> None:
    result = _judge(cup_fp, resized(cup, 450))
    assert (result.verdict, result.low_res) == ("same", True), result.scores


def test_zoom_lost_when_the_old_one_had_it(cup: Image.Image, cup_fp: Fingerprint) -> None:
    assert _judge(cup_fp, resized(cup, 800)).low_res is True
    small_old = _fp(resized(cup, 900))
    assert _judge(small_old, resized(cup, 800)).low_res is False  # no zoom to lose


def test_an_upscaled_small_picture_is_low_res_despite_its_size(cup: Image.Image, cup_fp: Fingerprint) -> None:
    blown_up = resized(resized(cup, 250), 1200)
    result = _judge(cup_fp, blown_up)
    assert (result.verdict, result.low_res) == ("same", True), result.scores


def test_scores_are_plain_numbers_for_json(cup: Image.Image, cup_fp: Fingerprint) -> None:
    result = _judge(cup_fp, hue_rotated(cup, 90))
    assert all(isinstance(value, float) for value in result.scores.values())
    json.dumps({"verdict": result.verdict, "low_res": result.low_res, "scores": result.scores})


def test_compare_is_pure(cup: Image.Image, cup_fp: Fingerprint) -> None:
    new = _fp(with_logo(cup, (0.6, 0.55), 0.18))
    assert compare(cup_fp, new) == compare(cup_fp, new)
    assert compare(cup_fp, cup_fp).verdict == "same"


def test_fingerprints_of_another_algorithm_are_refused(cup_fp: Fingerprint) -> None:
    older = replace(cup_fp, algorithm="provisional-phash8-meanrgb")
    with pytest.raises(ImageError, match="different algorithms"):
        compare(older, cup_fp)
