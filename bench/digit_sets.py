"""Digits that no one here wrote, made for bench/recognition.py: every set is generated from a seed.

- Pen strokes from MNIST test digits: each digit thinned to a one-pixel skeleton (Zhang-Suen),
  traced into polylines, then restyled as another writer would write it (slant, rotation, aspect,
  tremor) and drawn at any size.
- Those strokes on paper: dark ink on white at a random size and pen weight, or as a phone photo of
  paper (grey uneven light, a colour cast, grey ink, specks, noise, blur, JPEG).
- Printed digits in the system's fonts, turned, slanted and thickened.
- 8x8 digits made as the UCI/sklearn set was (32x32 bitmaps counted in 4x4 blocks, 0..16), upscaled.

Qt draws the strokes and text and writes the files (QImage), as the app does."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFontDatabase, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen

from engine.data import restroke

UPSAMPLE = 4            # skeletons are traced on MNIST digits upsampled to 112x112
SKIP = 3                # keep every third skeleton pixel of a polyline
FONT_STYLES = ("Book", "Bold", "Oblique", "Bold Oblique", "ExtraLight", "Italic", "Bold Italic", "Condensed")


# Pen strokes from MNIST digits.
def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a boolean image to one-pixel-wide lines (the engine's, for one image)."""
    return restroke.thin(mask[None])[0]


def trace(skeleton: np.ndarray) -> list[list[tuple[int, int]]]:
    """The skeleton's pixels as paths that walk every link once, starting at loose ends, going straight
    on at crossings. A diagonal link is left out where two straight ones join the same pixels."""
    pixels = set(zip(*map(lambda a: a.tolist(), np.nonzero(skeleton))))

    def links(p):
        r, c = p
        out = []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                q = (r + dr, c + dc)
                if (dr or dc) and q in pixels and not (dr and dc and ((r + dr, c) in pixels or (r, c + dc) in pixels)):
                    out.append(q)
        return out

    adjacent = {p: links(p) for p in pixels}
    unwalked = {frozenset((p, q)) for p in adjacent for q in adjacent[p]}
    paths = []
    while unwalked:
        loose = [p for p in adjacent if sum(frozenset((p, q)) in unwalked for q in adjacent[p]) % 2 == 1]
        at = min(loose) if loose else min(p for link in unwalked for p in link)
        path, heading = [at], (0, 0)
        while True:
            options = [q for q in adjacent[at] if frozenset((at, q)) in unwalked]
            if not options:
                break
            step = max(options, key=lambda q: (q[0] - at[0]) * heading[0] + (q[1] - at[1]) * heading[1])
            unwalked.discard(frozenset((at, step)))
            heading = (step[0] - at[0], step[1] - at[1])
            path.append(step)
            at = step
        paths.append(path)
    return paths


def mnist_strokes(image28: np.ndarray) -> list[np.ndarray]:
    """An MNIST digit (28x28, ink bright, 0..1) as pen strokes: (n, 2) arrays of (x, y) in 0..1."""
    up = restroke.enlarge_matrix(28, UPSAMPLE)
    big = up @ np.asarray(image28, float) @ up.T
    strokes = []
    for path in trace(thin(big > 0.45)):
        if len(path) < 3:
            continue
        kept = path[::SKIP] + ([path[-1]] if (len(path) - 1) % SKIP else [])
        strokes.append((np.array(kept, float)[:, ::-1] + 0.5) / (28 * UPSAMPLE))
    return strokes


def restyle(strokes: list[np.ndarray], rng: np.random.Generator, slant=19.0, rotation=15.0,
            aspect=(0.7, 1.3), tremor=0.006) -> list[np.ndarray]:
    """The strokes as another hand: slanted up to `slant` degrees, turned up to `rotation`, wider or
    narrower, with a tremor (a smooth wobble of up to `tremor` of the digit's size)."""
    points = np.concatenate(strokes)
    centre = (points.min(0) + points.max(0)) / 2
    s, r = math.radians(rng.uniform(-slant, slant)), math.radians(rng.uniform(-rotation, rotation))
    a = rng.uniform(*aspect)
    m = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]]) @ np.array([[a, -math.tan(s)], [0, 1]])
    out = []
    for stroke in strokes:
        p = (stroke - centre) @ m.T
        wobble = np.cumsum(rng.normal(0, 1, p.shape), axis=0)
        wobble -= np.linspace(wobble[0], wobble[-1], len(p))          # ends stay put
        wobble *= tremor / max(1.0, np.abs(wobble).max())
        out.append(p + wobble)
    return out


def place(strokes: list[np.ndarray], size: float, centre: tuple[float, float]) -> list[np.ndarray]:
    """The strokes scaled so that their longer side is `size`, centred at `centre` (same units)."""
    points = np.concatenate(strokes)
    lo, hi = points.min(0), points.max(0)
    scale = size / max((hi - lo).max(), 1e-6)
    return [(s - (lo + hi) / 2) * scale + np.asarray(centre) for s in strokes]


# On paper, clean or photographed.
def coverage(strokes: list[np.ndarray], width: float, side: int) -> np.ndarray:
    """How much ink covers each pixel (0..1, (side, side)) of strokes in pixel units drawn `width` wide."""
    image = QImage(side, side, QImage.Format.Format_Grayscale8)
    image.fill(QColor("black"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(QColor("white"), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    for stroke in strokes:
        path = QPainterPath(QPointF(*stroke[0]))
        for x, y in stroke[1:]:
            path.lineTo(QPointF(x, y))
        painter.drawPath(path)
    painter.end()
    return gray_of(image) / 255.0


def gray_of(image: QImage) -> np.ndarray:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    h, w, stride = gray.height(), gray.width(), gray.bytesPerLine()
    return np.frombuffer(gray.constBits(), np.uint8, count=h * stride).reshape(h, stride)[:, :w].astype(float)


def on_paper(strokes: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Ink coverage of a digit written on a sheet: random sheet size, digit size, place and pen weight."""
    side = int(rng.integers(120, 360))
    size = rng.uniform(0.35, 0.8) * side
    margin = size / 2 + 0.04 * side
    centre = rng.uniform(margin, side - margin, 2) if side - 2 * margin > 0 else np.full(2, side / 2)
    return coverage(place(strokes, size, centre), rng.uniform(0.05, 0.16) * size, side)


def _blur(image: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0.05:
        return image
    radius = max(1, int(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    out = np.apply_along_axis(lambda v: np.convolve(np.pad(v, radius, mode="edge"), kernel, "valid"), 0, image)
    return np.apply_along_axis(lambda v: np.convolve(np.pad(v, radius, mode="edge"), kernel, "valid"), 1, out)


def photographed(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An ink coverage image as a phone photo of the paper: (H, W, 3) float RGB in 0..1, before JPEG."""
    h, w = ink.shape
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    angle = rng.uniform(0, 2 * math.pi)
    light = 1 + rng.uniform(0.1, 0.35) * ((x - 0.5) * math.cos(angle) + (y - 0.5) * math.sin(angle))
    cx, cy = rng.uniform(0.2, 0.8, 2)
    light -= rng.uniform(0.0, 0.25) * ((x - cx) ** 2 + (y - cy) ** 2)      # vignette, off centre
    paper = rng.uniform(0.55, 0.92) * light
    specks = np.zeros_like(ink)
    for _ in range(int(rng.integers(0, 6)) if rng.random() < 0.5 else 0):
        sy, sx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.6, 1.8)
        specks = np.maximum(specks, np.clip(r + 0.5 - np.hypot(np.arange(h)[:, None] - sy, np.arange(w)[None] - sx), 0, 1))
    darkness = np.maximum(ink * rng.uniform(0.5, 0.85), specks * rng.uniform(0.3, 0.7))
    gray = _blur(paper * (1 - darkness), rng.uniform(0.3, 1.6))
    cast = 1 + rng.uniform(-0.12, 0.12, 3)
    rgb = gray[..., None] * cast + rng.normal(0, rng.uniform(0.005, 0.035), (h, w, 3))
    return np.clip(rgb, 0, 1)


def save_image(array: np.ndarray, path: str, quality: int = -1) -> None:
    """A float image in 0..1, gray (H, W) or RGB (H, W, 3), to a file (JPEG at `quality` if .jpg)."""
    data = np.ascontiguousarray(np.clip(array * 255 + 0.5, 0, 255).astype(np.uint8))
    h, w = data.shape[:2]
    fmt = QImage.Format.Format_RGB888 if data.ndim == 3 else QImage.Format.Format_Grayscale8
    image = QImage(data.data, w, h, data.strides[0], fmt).copy()
    if not image.save(path, None, quality):
        raise OSError(f"could not write {path}")


# Printed digits.
def font_digit(digit: int, rng: np.random.Generator, side: int = 200) -> np.ndarray:
    """A printed digit, dark on white (0..1): a random font face, size, turn, slant and extra weight."""
    families = [f for f in QFontDatabase.families() if not f.startswith("DejaVu Math")] or ["Sans Serif"]
    family = families[int(rng.integers(len(families)))]
    styles = [s for s in QFontDatabase.styles(family) if s in FONT_STYLES] or ["Normal"]
    font = QFontDatabase.font(family, styles[int(rng.integers(len(styles)))], 12)
    font.setPixelSize(int(side * rng.uniform(0.35, 0.7)))
    path = QPainterPath()
    path.addText(0, 0, font, str(digit))
    box = path.boundingRect()
    image = QImage(side, side, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.translate(side / 2, side / 2)
    painter.rotate(rng.uniform(-12, 12))
    painter.shear(math.tan(math.radians(rng.uniform(-15, 15))), 0)
    painter.translate(-box.center())
    painter.fillPath(path, QColor("black"))
    extra = rng.uniform(0, 0.06) * box.height()
    if extra > 0.5:
        stroker = QPainterPathStroker()
        stroker.setWidth(extra)
        stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.fillPath(stroker.createStroke(path), QColor("black"))
    painter.end()
    return gray_of(image) / 255.0


# The UCI/sklearn way.
def eight_by_eight(image28: np.ndarray) -> np.ndarray:
    """An MNIST digit as the UCI optdigits were made: its ink scaled into a 32x32 bitmap, then the set
    pixels of each 4x4 block counted: (8, 8) integers 0..16, ink high."""
    rows, cols = np.nonzero(image28 > 0.1)
    crop = image28[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    scale = 32 / max(h, w)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    ys = np.minimum(((np.arange(out_h) + 0.5) / scale).astype(int), h - 1)
    xs = np.minimum(((np.arange(out_w) + 0.5) / scale).astype(int), w - 1)
    bitmap = np.zeros((32, 32), bool)
    top, left = (32 - out_h) // 2, (32 - out_w) // 2
    bitmap[top:top + out_h, left:left + out_w] = crop[ys][:, xs] > 0.35
    return bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3))


def upscaled(counts: np.ndarray, factor: int = 8) -> np.ndarray:
    """8x8 counts (0..16) as a (8 * factor)-pixel image, ink bright, each block one square."""
    return np.kron(counts / 16.0, np.ones((factor, factor)))


__all__ = ["coverage", "eight_by_eight", "font_digit", "mnist_strokes", "on_paper", "photographed", "place",
           "restyle", "save_image", "thin", "trace", "upscaled"]
