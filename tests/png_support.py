"""Reading Chromium's screenshots in tests without an imaging library: 8-bit RGB/RGBA PNGs."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

SAMPLE_EVERY = 7  # pixels: a blank page has one color whatever the sample, text has many


def png_rows(data: bytes) -> Iterator[tuple[int, bytearray]]:
    """(bytes per pixel, unfiltered row) for each row of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, color_type = header[0], header[1], header[2], header[3]
    assert depth == 8 and color_type in (2, 6)
    bpp = 3 if color_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        yield bpp, line
        previous = line


def png_colors(data: bytes) -> set[bytes]:
    """Distinct pixel colors of an 8-bit RGB/RGBA PNG (every SAMPLE_EVERY-th pixel)."""
    colors: set[bytes] = set()
    for bpp, line in png_rows(data):
        colors.update(bytes(line[i : i + 3]) for i in range(0, len(line), bpp * SAMPLE_EVERY))
    return colors


def png_luma_variance(data: bytes) -> float:
    """The variance of the pixels' brightness (0 for a blank picture; every SAMPLE_EVERY-th)."""
    total = squares = count = 0
    for bpp, line in png_rows(data):
        for i in range(0, len(line), bpp * SAMPLE_EVERY):
            luma = (299 * line[i] + 587 * line[i + 1] + 114 * line[i + 2]) // 1000
            total += luma
            squares += luma * luma
            count += 1
    mean = total / count
    return squares / count - mean * mean
