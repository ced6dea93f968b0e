"""Help > About: version, what the app is, and the licences of what it ships."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import PySide6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.version import __version__

ABOUT_HTML = f"""
<h2>ScratchNet {__version__}</h2>
<p>Draw a digit and watch a neural network, written from scratch in NumPy, read it.
Train your own network and watch it learn.</p>
<p>The engine follows Saitoh Koki's <i>Deep Learning from Scratch</i>, chapters 3–7.</p>
<h3>Licences</h3>
<ul>
<li><b>MNIST</b> database of handwritten digits, by Yann LeCun, Corinna Cortes and Christopher J.C. Burges:
 <a href="https://creativecommons.org/licenses/by-sa/3.0/">CC BY-SA 3.0</a>.</li>
<li><b>Qt {PySide6.QtCore.qVersion()}</b> and <b>PySide6 {PySide6.__version__}</b>: LGPLv3.</li>
<li><b>NumPy {np.__version__}</b>: BSD 3-Clause.</li>
<li><b>pyqtgraph {pg.__version__}</b>: MIT.</li>
<li><b>tqdm</b>: MPL 2.0 and MIT.</li>
<li><b>threadpoolctl</b>: BSD 3-Clause.</li>
<li>ScratchNet itself: MIT.</li>
</ul>
"""


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About ScratchNet")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(ABOUT_HTML)
    box.setIcon(QMessageBox.Icon.NoIcon)
    box.exec()
