#!/usr/bin/env python3
"""Draws the app icons into public/icons (standard library only).

A white speech bubble holding a teal cross, on teal: "talking about care".
Run again after changing the design; the PNGs are committed.
"""
import struct
import zlib
from pathlib import Path

TEAL = (11, 92, 115)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"


def inside(x, y, maskable):
    """Shape membership in unit coordinates (0..1)."""
    # Maskable icons may be cropped to a circle of 80% diameter: shrink the art.
    s = 0.62 if maskable else 0.78
    u, v = (x - 0.5) / s + 0.5, (y - 0.5) / s + 0.5
    bubble = (u - 0.5) ** 2 / 0.45**2 + (v - 0.45) ** 2 / 0.36**2 <= 1
    tail = 0.22 <= u <= 0.42 and 0.70 <= v <= 0.95 and (u - 0.22) >= (v - 0.70) * 0.8
    cross = (0.43 <= u <= 0.57 and 0.25 <= v <= 0.65) or (0.30 <= u <= 0.70 and 0.38 <= v <= 0.52)
    if cross:
        return TEAL
    if bubble or tail:
        return WHITE
    return None


def background(x, y, maskable):
    if maskable:
        return True
    r = 0.18  # rounded square
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def render(size, maskable):
    ss = 3  # supersampling for smooth edges
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    x = (px + (sx + 0.5) / ss) / size
                    y = (py + (sy + 0.5) / ss) / size
                    if not background(x, y, maskable):
                        continue
                    c = inside(x, y, maskable) or TEAL
                    acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            n = ss * ss
            alpha = acc[3] // n
            if alpha:
                k = acc[3] / 255
                row += bytes([int(acc[0] / k), int(acc[1] / k), int(acc[2] / k), alpha])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


OUT.mkdir(parents=True, exist_ok=True)
for name, size, maskable in [("icon-192.png", 192, False), ("icon-512.png", 512, False), ("icon-maskable-512.png", 512, True)]:
    (OUT / name).write_bytes(render(size, maskable))
    print("wrote", OUT / name)
