#!/usr/bin/env python3
"""Writes the WebP and TIFF test fixtures with Pillow (an encoder independent of augmentd's; tiffcp for the tiled TIFF) into
Tests/CodecsTests/Fixtures, and prints Swift source with the SHA-256 of the pixels Pillow decodes
from each (upright: EXIF orientation applied; 16-bit samples rounded to 8 bits as
round(v * 255 / 65535)). CodecsTests/FixtureDecodeTests checks augmentd's decoders against them.

    ~/.cache/augmentd-peers-venv/bin/python3 scripts/codec-fixtures.py > Tests/CodecsTests/FixturePixelDigests.swift
"""
import hashlib
import io
import pathlib
import subprocess
import sys

import numpy as np
from PIL import Image, ImageOps

out = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "CodecsTests" / "Fixtures"
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(2026)


def picture(width, height, channels):
    """A smooth gradient with noise: lossy codecs keep it recognisable, every pixel differs."""
    y, x = np.mgrid[0:height, 0:width]
    planes = [(x * 255 // max(width - 1, 1)), (y * 255 // max(height - 1, 1)), ((x + y) * 3) % 256, (x * 7 + 40) % 256]
    a = np.stack(planes[:channels], axis=-1).astype(np.int32) + rng.integers(-12, 13, (height, width, channels))
    return np.clip(a, 0, 255).astype(np.uint8)


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


written = {}


def save(name, image, **options):
    path = out / name
    image.save(path, **options)
    written[name] = path


# WebP: lossy, lossless, alpha both ways, an EXIF orientation, an animation (refused).
save("lossy.webp", Image.fromarray(picture(40, 30, 3)), quality=80)
save("lossless.webp", Image.fromarray(picture(33, 21, 3)), lossless=True)
save("alpha-lossy.webp", Image.fromarray(picture(24, 24, 4), "RGBA"), quality=85)
save("alpha-lossless.webp", Image.fromarray(picture(17, 19, 4), "RGBA"), lossless=True)
save("rotated.webp", Image.fromarray(picture(30, 20, 3)), quality=90, exif=exif_orientation(6))
frames = [Image.fromarray(picture(16, 16, 3)), Image.fromarray(picture(16, 16, 3))]
frames[0].save(out / "animated.webp", save_all=True, append_images=frames[1:], duration=100, loop=0)

# TIFF: 8 and 16 bits, grey/RGB/RGBA, strips and tiles, none/LZW/Deflate/PackBits, a second page.
rgb = Image.fromarray(picture(37, 23, 3))
save("rgb-none.tif", rgb, compression="raw")
save("rgb-packbits.tif", rgb, compression="packbits")
save("rgb-lzw.tif", rgb, compression="tiff_lzw")
# Pillow writes strips only: libtiff's tiffcp (Debian's libtiff-tools) makes the tiled copy.
subprocess.run(["tiffcp", "-t", "-w", "16", "-l", "16", "-c", "zip", str(out / "rgb-none.tif"),
                str(out / "rgb-deflate-tiles.tif")], check=True)
written["rgb-deflate-tiles.tif"] = out / "rgb-deflate-tiles.tif"
save("rgba-packbits.tif", Image.fromarray(picture(21, 13, 4), "RGBA"), compression="packbits")
save("grey-lzw.tif", Image.fromarray(picture(29, 17, 1)[:, :, 0], "L"), compression="tiff_lzw")
grey16 = (picture(25, 15, 1)[:, :, 0].astype(np.uint16) * 257 + rng.integers(0, 257, (15, 25))).astype(np.uint16)
save("grey16-deflate.tif", Image.fromarray(grey16), compression="tiff_adobe_deflate")
save("rotated.tif", rgb, compression="tiff_lzw", exif=exif_orientation(8))
pages = [Image.fromarray(picture(20, 12, 3)), Image.fromarray(picture(20, 12, 3))]
pages[0].save(out / "two-pages.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw")
written["two-pages.tif"] = out / "two-pages.tif"
# 16-bit RGB, which Pillow cannot write: numpy writes a minimal uncompressed strip TIFF.
rgb16 = (picture(19, 11, 3).astype(np.uint16) * 257 + rng.integers(0, 257, (11, 19, 3))).astype(np.uint16)


def minimal_tiff(samples):
    h, w, c = samples.shape
    data = samples.astype("<u2").tobytes()
    entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, c, None), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, None), (277, 3, 1, c), (278, 3, 1, h), (279, 4, 1, len(data)), (284, 3, 1, 1)]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    bits_offset = ifd_offset + ifd_size
    data_offset = bits_offset + 2 * c
    body = io.BytesIO()
    body.write(b"II*\x00" + ifd_offset.to_bytes(4, "little"))
    body.write(len(entries).to_bytes(2, "little"))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bits_offset
        elif tag == 273:
            value = data_offset
        body.write(tag.to_bytes(2, "little") + kind.to_bytes(2, "little") + count.to_bytes(4, "little"))
        body.write(value.to_bytes(4, "little") if kind == 4 or tag == 258 else value.to_bytes(2, "little") + b"\0\0")
    body.write((0).to_bytes(4, "little"))
    body.write(b"".join((16).to_bytes(2, "little") for _ in range(c)))
    body.write(data)
    return body.getvalue()


(out / "rgb16.tif").write_bytes(minimal_tiff(rgb16))
written["rgb16.tif"] = out / "rgb16.tif"


def to8(a):
    return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def expected_pixels(name, path):
    if name == "rgb16.tif":
        return rgb16.shape[1], rgb16.shape[0], 3, to8(rgb16).tobytes()
    with Image.open(path) as image:
        image.seek(0)
        upright = ImageOps.exif_transpose(image)
        if upright.mode in ("I;16", "I;16B", "I"):
            array = to8(np.asarray(upright, dtype=np.uint16))
            return upright.width, upright.height, 1, array.tobytes()
        channels = {"L": 1, "RGB": 3, "RGBA": 4}[upright.mode]
        return upright.width, upright.height, channels, upright.tobytes()


print("// Generated by scripts/codec-fixtures.py with Pillow " + Image.__version__ + "; do not edit by hand.")
print("// fixture: (width, height, channels, SHA-256 of the upright interleaved 8-bit pixels)")
print("let fixturePixelDigests: [String: (width: Int, height: Int, channels: Int, sha256: String)] = [")
for name in sorted(written):
    width, height, channels, pixels = expected_pixels(name, written[name])
    print(f'    "{name}": ({width}, {height}, {channels}, "{hashlib.sha256(pixels).hexdigest()}"),')
print("]")
