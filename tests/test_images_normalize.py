"""Trimming and squaring: two versions of one picture must land on the same pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from test_images_support import encode, jpeg, padded, photo, product, resized
from watcher.images.normalize import SIDE, content_box, decode, normalise


def _white(size: tuple[int, int]) -> Image.Image:
    return Image.new("RGB", size, (255, 255, 255))


@pytest.mark.parametrize("where", [(3, 7), (121, 88), (518, 401)])
def test_content_box_finds_a_one_pixel_speck_anywhere(where: tuple[int, int]) -> None:
    picture = _white((520, 410))
    picture.putpixel(where, (250, 40, 40))
    assert content_box(picture) == (where[0], where[1], where[0] + 1, where[1] + 1)


def test_content_box_finds_thin_lines_past_the_coarse_search() -> None:
    picture = _white((800, 600))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((200, 150, 600, 450), fill=(30, 60, 200))
    draw.line((401, 97, 401, 149), fill=(0, 0, 0))  # a 1 px antenna sticking up
    draw.line((601, 301, 613, 301), fill=(0, 0, 0))  # and a short one to the right
    assert content_box(picture) == (200, 97, 614, 451)


def test_near_white_and_pale_colours() -> None:
    picture = _white((600, 600))
    picture.paste((240, 240, 240), (100, 100, 200, 200))  # a shadow this faint is background
    picture.paste((255, 250, 180), (300, 300, 400, 400))  # a pale yellow product is content
    assert content_box(picture) == (300, 300, 400, 400)
    assert content_box(_white((300, 300))) == (0, 0, 300, 300)


def test_the_box_is_found_to_a_fraction_of_a_pixel() -> None:
    # 141 px of padding, decoded at 1/2: the edge falls in the middle of a pixel.
    photo_1411 = resized(photo("coffee"), 1411)
    framed = decode(jpeg(padded(photo_1411, 141, 141, 141, 141), 95))
    assert framed.box[0] == pytest.approx(70.5, abs=0.15)
    assert framed.box[2] - framed.box[0] == pytest.approx(1411 / 2, abs=0.3)


def test_squares_of_padded_and_plain_pictures_agree() -> None:
    picture = resized(photo("chelsea"), 1200)
    plain = np.asarray(normalise(decode(jpeg(picture, 95))).square, dtype=np.float32)
    framed = np.asarray(normalise(decode(jpeg(padded(picture, 130, 90, 20, 300), 95))).square, dtype=np.float32)
    assert np.abs(plain - framed).mean() < 2.0


def test_a_small_product_on_a_big_canvas_is_decoded_finer() -> None:
    canvas = _white((3200, 3200))
    canvas.paste(product(1200), (1000, 1000))  # the cup is 720 px wide
    decoded = decode(jpeg(canvas, 80))
    assert decoded.image.size == (1600, 1600)  # 1/4 would leave the cup 180 px, 1/2: 360
    assert decoded.content_px() >= 320


def test_both_views() -> None:
    on_white = normalise(decode(jpeg(padded(product(800), 0, 0, 400, 0))))
    assert on_white.square.size == on_white.frame.size == (SIDE, SIDE)
    assert on_white.frame is not on_white.square
    full_frame = normalise(decode(encode(resized(photo("coffee"), 700), "PNG")))
    assert full_frame.frame is full_frame.square
