"""The Help menu: a short guide to each tab, the keyboard shortcuts and mouse actions, and About.

The guide has a section for each tab the window has, in the order of the tab bar; a tab can write
its own section with a `guide_html()` method (else the text here for its title is used). The
shortcuts are read from the window's menus, so that a new menu command is listed with its keys,
and completed with the keys and clicks that live outside the menus."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMainWindow, QMenu, QTextBrowser, QVBoxLayout, QWidget

from .about import show_about

BOOK = "<i>Deep Learning from Scratch</i> (Saitoh Koki)"

GUIDES = {
    "Draw": "Draw a digit on the sheet with the left mouse button: the network reads it as you draw, and the "
            "bars show how likely it finds each digit; it says <i>not sure</i> when no digit stands out and "
            "<i>several digits?</i> when the ink falls into groups side by side. The small picture is exactly what "
            "the network sees: your drawing cropped, scaled and centred as MNIST's digits were. Right-click or Esc "
            "clears the sheet; Undo and Redo take back strokes, clears and images. Open, paste or drop an image "
            "(a photo of a digit on paper works) to have it read too. <b>Why this digit?</b> lays over the sheet "
            "the ink behind the answer, what covering a part does, or what would make it another digit. Choose the "
            "network that reads in the Model box (⋯ renames, saves or removes it). Under the sheet, press the digit "
            "you drew (a button or its key) to keep the drawing as a sample of your handwriting.",
    "Train": "Choose a network (an MLP or a CNN) and how to train it on the left, or a preset (Quick CNN passes 99% "
             "in under 15 s of training on two cores); every setting explains itself in its tooltip. Press Start "
             "training and watch the loss of every step and the accuracy after every epoch; Pause and Stop act "
             "between two batches. Every run of the session is listed under the plots: tick one to lay its curves "
             "over the live ones, or press Same start to rerun it from the same weights and batches with one setting "
             "changed. A trained model joins the model list; Use in the Draw tab makes it the one that reads your "
             "drawings, Save model keeps it as a file.",
    "My handwriting": "The drawings you kept from the Draw tab, by digit: select some to delete (Undo delete brings "
                      "them back) or relabel them, export them as IDX files or import samples, IDX files or PNG "
                      "images. Fine-tuning trains the model in use a little further on your samples mixed with "
                      "MNIST, and measures it before and after on samples it never trained on. It needs at least 4 "
                      "samples, and says little until you have a few dozen.",
    "Book": f"The chapters 3 to 7 of {BOOK}, live, on this app's own engine: activation functions and softmax, "
            "losses, numerical differentiation, gradients and gradient descent, the computational graph and "
            "backpropagation, the optimizers, initial weights, batch normalisation, overfitting and the "
            "hyperparameter search of chapter 6, and convolution. Choose a page in the chapter list; each explains "
            "what it shows and, at the study notes' settings, shows the notes' own numbers.",
    "Inspect": "Look inside the model chosen on the Draw tab: its confusion matrix on the 10,000 test images "
               "(click a cell to see its images), the test digits it gets wrong, what its first layer learnt, what "
               "each layer makes of your drawing, and a gradient check of backpropagation against numerical "
               f"differentiation (chapter 5 of {BOOK}).",
}

# Keys and clicks that are not menu commands: (what, where, keys or mouse).
OTHER_SHORTCUTS = [
    ("Keep the drawing as a sample of that digit", "Draw", "0 – 9"),
    ("Clear the sheet", "Draw", "Right-click on the sheet"),
    ("Draw", "Draw", "Left mouse button on the sheet"),
    ("Delete the selected samples", "My handwriting", "Del or Backspace"),
    ("Start every optimizer from a point", "Book: Optimizer playground", "Click on a plot"),
    ("See the images of a cell", "Inspect: Confusion matrix", "Click on a cell"),
    ("The three likeliest readings of a test digit", "Inspect: Mistakes", "Hover over it"),
]


def guide_html(window: QMainWindow) -> str:
    """The guide: an introduction, then a section (with an anchor) for each tab of the window."""
    parts = ["<h2>ScratchNet: a short guide</h2>",
             f"<p>ScratchNet is a neural network written from scratch in NumPy, after {BOOK}. Each tab does one "
             "thing; hover over a control to see what it does. <b>Help › Keyboard shortcuts</b> lists the keys.</p>"]
    for index in range(window.tabs.count()):
        title = window.tabs.tabText(index).replace("&", "")
        widget = window.tabs.widget(index)
        own = getattr(widget, "guide_html", None)
        text = own() if callable(own) else GUIDES.get(title)
        if text:
            parts.append(f"<h3><a name='{anchor(title)}'></a>{html.escape(title)}</h3><p>{text}</p>")
    return "\n".join(parts)


def anchor(title: str) -> str:
    return "tab-" + "".join(c if c.isalnum() else "-" for c in title.lower())


def menu_shortcuts(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(command, menu, keys) of every menu command that has keys, in menu order."""
    rows = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} › {action.menu().title().replace('&', '')}")
            elif not action.isSeparator():
                keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
                if keys:
                    rows.append((action.text().replace("&", "").rstrip("…"), path, " or ".join(keys)))

    for action in window.menuBar().actions():
        if action.menu() is not None:
            walk(action.menu(), action.menu().title().replace("&", ""))
    return rows


def shortcuts_html(window: QMainWindow) -> str:
    def table(header: str, rows) -> str:
        body = "".join(f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td>"
                       f"<td style='color:gray'>{html.escape(where)}</td></tr>" for what, where, keys in rows)
        return (f"<h3>{header}</h3><table cellspacing='0' cellpadding='4'>"
                f"<tr><th align='left'>Keys</th><th align='left'>Does</th><th align='left'>Where</th></tr>"
                f"{body}</table>")

    return ("<h2>Keyboard shortcuts and mouse</h2>" + table("Menu commands", menu_shortcuts(window)) +
            table("On the tabs", OTHER_SHORTCUTS))


class HelpDialog(QDialog):
    """A window of rich text beside the main window (not modal: the app goes on behind it)."""

    def __init__(self, title: str, text: str, parent: QWidget, name: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(620, 520)


def _show(window: QMainWindow, name: str, title: str, text: str) -> HelpDialog:
    dialog = window.findChild(HelpDialog, name)
    if dialog is None:
        dialog = HelpDialog(title, text, window, name)
    else:
        dialog.browser.setHtml(text)          # the tabs or menus may have changed since
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def show_guide(window: QMainWindow) -> HelpDialog:
    """The guide, scrolled to the section of the tab on screen."""
    dialog = _show(window, "guideDialog", "ScratchNet guide", guide_html(window))
    dialog.browser.scrollToAnchor(anchor(window.tabs.tabText(window.tabs.currentIndex()).replace("&", "")))
    return dialog


def show_shortcuts(window: QMainWindow) -> HelpDialog:
    return _show(window, "shortcutsDialog", "Keyboard shortcuts", shortcuts_html(window))


def install_help_menu(window: QMainWindow) -> dict[str, QAction]:
    """Help › Guide (F1), Keyboard shortcuts, About."""
    menu = window.menuBar().addMenu("&Help")
    actions = {}
    for key, text, slot, keys in (
            ("guide", "&Guide to the tabs", lambda: show_guide(window), QKeySequence.StandardKey.HelpContents),
            ("shortcuts", "&Keyboard shortcuts", lambda: show_shortcuts(window), None),
            ("about", "&About ScratchNet", lambda: show_about(window), None)):
        action = QAction(text, window)
        if keys is not None:
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        actions[key] = action
    return actions
