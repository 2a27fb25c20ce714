"""Bad images give one clear ImageError; odd but valid formats fingerprint like the original."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms

from test_images_support import encode, jpeg, present, product, resized
from watcher.errors import ImageError
from watcher.images import analyse, compare

# --- bad input: one-line ImageError -------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (the body is a 1-pixel image)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    ihdr = bytearray(data[12:29])
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty (0 bytes)"),
        (jpeg(product(600))[:4000], "truncated"),
        (b"<!DOCTYPE html><html><body>Robot check</body></html>", "HTML"),
        (b'  {"errors": [{"code": "NotFound"}]}', "JSON"),
        (b"GIF89a but not really a gif at all", "not a readable image"),
        (bytes(range(256)) * 8, "not a readable image"),
        (_png_header(9000, 9000), "too many pixels"),
        (_png_header(40000, 40000), "decompression bomb"),
        (encode(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"), "too small"),
        (encode(Image.new("RGB", (300, 8), (200, 10, 10)), "PNG"), "too small"),
    ],
    ids=["zero-bytes", "truncated-jpeg", "html", "json", "fake-gif", "garbage", "bomb", "pillow-bomb", "1x1", "sliver"],
)
def test_bad_images_raise_one_clear_line(data: bytes, words: str) -> None:
    with pytest.raises(ImageError) as info:
        analyse(data)
    message = str(info.value)
    assert words in message
    assert "\n" not in message and len(message) < 200
    assert " object at 0x" not in message  # no Python repr leaks to the seller


def test_truncated_png_is_an_error_too() -> None:
    data = encode(product(400), "PNG")
    with pytest.raises(ImageError, match="truncated or corrupt PNG"):
        analyse(data[: len(data) // 2])


# --- valid but unusual: fingerprinted like the plain JPEG ---------------------------------


def _same(a: bytes, b: bytes) -> None:
    result = compare(analyse(a)[0], analyse(b)[0])
    assert (result.verdict, result.low_res) == ("same", False), result.scores


def test_cmyk_jpeg_matches_the_rgb_one() -> None:
    picture = product(1000)
    cmyk = encode(picture.convert("CMYK"), "JPEG", quality=92)
    assert Image.open(io.BytesIO(cmyk)).mode == "CMYK"
    _same(jpeg(picture), cmyk)


def _on_white(rgba: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def test_palette_png_with_transparency_lies_on_white() -> None:
    box = resized(present(), 1000)
    data = encode(box.quantize(colors=128), "PNG")  # palette + tRNS chunk (alpha per index)
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == "P" and "transparency" in decoded.info
    _same(jpeg(_on_white(box)), data)


def test_rgba_png_lies_on_white() -> None:
    box = resized(present(), 1000)
    _same(jpeg(_on_white(box)), encode(box, "PNG"))


def test_webp_lossy_and_lossless() -> None:
    picture = product(1000)
    _same(jpeg(picture), encode(picture, "WEBP", quality=80))
    _same(jpeg(picture), encode(picture, "WEBP", lossless=True))


def test_animated_gif_uses_the_first_frame() -> None:
    first = product(600)
    second = Image.new("RGB", first.size, (20, 120, 30))
    data = encode(first.convert("P"), "GIF", save_all=True, append_images=[second.convert("P")], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    fingerprint, _ = analyse(data)
    assert compare(analyse(jpeg(first))[0], fingerprint).verdict == "same"
    assert compare(analyse(jpeg(second))[0], fingerprint).verdict == "different"


def test_exif_orientation_is_applied() -> None:
    picture = product(1000).crop((0, 100, 1000, 900))  # landscape: 1000 x 800
    turned = picture.transpose(Image.Transpose.ROTATE_90)  # stored on its side ...
    exif = Image.Exif()
    exif[0x0112] = 6  # ... and tagged "rotate 90 clockwise to view"
    data = jpeg(turned, exif=exif.tobytes())
    fingerprint, _ = analyse(data)
    assert (fingerprint.width, fingerprint.height) == (1000, 800)
    assert compare(analyse(jpeg(picture))[0], fingerprint).verdict == "same"


def test_16_bit_grey_png_is_not_clipped_to_white() -> None:
    grey = product(800).convert("L")
    deep = Image.frombytes("I;16", grey.size, bytes(b for v in grey.tobytes() for b in (v, v)))
    _same(jpeg(grey.convert("RGB")), encode(deep, "PNG"))


def test_embedded_icc_profiles_good_and_broken() -> None:
    picture = product(800)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    _same(jpeg(picture), jpeg(picture, icc_profile=srgb))
    _same(jpeg(picture), jpeg(picture, icc_profile=b"not a profile at all"))


def test_grey_and_one_bit_images() -> None:
    grey = product(800).convert("L")
    _same(jpeg(grey.convert("RGB")), encode(grey, "PNG"))
    _same(jpeg(grey.convert("RGB")), encode(grey, "JPEG", quality=90))  # a one-channel JPEG
    line_art = grey.point(lambda v: 255 if v > 128 else 0).convert("1")
    analyse(encode(line_art, "PNG"))  # fingerprints without error


# --- the evidence copy --------------------------------------------------------------------


def test_evidence_copy_is_a_jpeg_of_at_most_1000_px() -> None:
    _, copy = analyse(jpeg(product(1500)))
    image = Image.open(io.BytesIO(copy))
    assert image.format == "JPEG" and max(image.size) <= 1000 and max(image.size) >= 700
    _, small = analyse(encode(resized(product(1200), 400), "PNG"))
    assert Image.open(io.BytesIO(small)).size == (400, 400)


def test_evidence_of_a_transparent_png_is_on_white() -> None:
    _, copy = analyse(encode(resized(present(), 600), "PNG"))
    corner = Image.open(io.BytesIO(copy)).convert("RGB").getpixel((2, 2))
    assert min(corner) > 245
