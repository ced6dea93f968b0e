"""Writes resources/samples/digit-N.png: one MNIST test digit per class, scaled up and inverted to dark
ink on light paper, as a photo or scan of a written digit would be. The self-test and the README's
`predict` examples use them. Run from the repository root:  .venv/bin/python -m scripts.make_samples

For each class it takes the first test digit that both bundled models read correctly and confidently,
so the files are examples of clear handwriting, not a test of the models' hard cases."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from engine.data.datasets import load_mnist, to_float
from engine.storage.model_file import load_model
from engine.storage.paths import bundled_model, resource
from gui.model_library import BUNDLED

SCALE = 8          # 28 px -> 224 px
MARGIN = 28        # white paper around the digit
CONFIDENT = 0.95


def paper_image(digit: np.ndarray) -> QImage:
    """A 28x28 MNIST digit (ink bright) as a larger dark-on-light grayscale image."""
    ink = np.ascontiguousarray(255 - digit.reshape(28, 28), dtype=np.uint8)
    small = QImage(ink.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    side = 28 * SCALE
    big = small.scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    page = QImage(side + 2 * MARGIN, side + 2 * MARGIN, QImage.Format.Format_Grayscale8)
    page.fill(255)
    for y in range(side):   # copy row by row: QImage rows are padded to 4 bytes
        row = np.frombuffer(big.constScanLine(y), np.uint8, count=side)
        np.frombuffer(page.scanLine(MARGIN + y), np.uint8, count=page.bytesPerLine())[MARGIN:MARGIN + side] = row
    return page


def main() -> None:
    data = load_mnist()
    x = to_float(data.test_images)
    probabilities = [load_model(bundled_model(f)).network.predict_proba(x) for _, f in BUNDLED]
    folder = resource("samples")
    folder.mkdir(parents=True, exist_ok=True)
    for label in range(10):
        clear = np.ones(len(x), bool)
        for probs in probabilities:
            clear &= (probs.argmax(axis=1) == label) & (probs[:, label] > CONFIDENT)
        index = int(np.flatnonzero((data.test_labels == label) & clear)[0])
        path = folder / f"digit-{label}.png"
        if not paper_image(data.test_images[index]).save(str(path)):
            raise SystemExit(f"could not write {path}")
        print(f"{path}: MNIST test image {index}")


if __name__ == "__main__":
    main()
