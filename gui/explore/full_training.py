"""From a search trial to a full model: the Train tab's settings for it, a question that says what
will be trained, and the start of that run on the Train tab."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTabWidget, QWidget

from engine.experiments.hyperparameter_search import SearchSetup, Trial

from ..train_form_values import MNIST_TRAINING_IMAGES
from .optimizer_playground import NAMES


def full_settings(form_values: dict, setup: SearchSetup, trial: Trial) -> dict:
    """The Train tab's settings for a full model with the trial's optimizer, rate and decay, on all
    the training images (the trials saw only a few); its network, batch size, epochs, schedule and
    validation images stay as they are."""
    return {**form_values, "optimizer": setup.optimizer, "lr": trial.lr, "weight_decay": trial.weight_decay,
            "train_size": 0}


def ask_to_train(parent: QWidget, setup: SearchSetup, trial: Trial, values: dict, train: Callable[[], None]) -> QMessageBox:
    """Say what will be trained and how, and call `train` only if the user agrees. The box is
    returned open, not waited for, so that training and plots go on behind it."""
    images = MNIST_TRAINING_IMAGES - int(values["validation"])     # train_size 0: all of them
    box = QMessageBox(QMessageBox.Icon.Question, "Train a full model",
                      f"Train {setup.spec.describe()} with {NAMES[values['optimizer']]}, learning rate "
                      f"{trial.lr:.2g} and weight decay {trial.weight_decay:.2g}, on all {images:,} training "
                      f"images for {values['epochs']} epochs?", QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText(
        f"The trials trained {setup.epochs} epochs on {setup.train_size:,} images each, so the full model "
        "takes longer and should do better. The Train tab's optimizer, learning rate, weight decay and "
        "training images are set to these; its epochs, batch size, schedule and validation images stay "
        "(change them there and press Start to train otherwise).")
    box.addButton("Train", QMessageBox.ButtonRole.AcceptRole)
    box.setObjectName("trainConfirm")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole and train())
    box.open()
    return box


def train_on_the_train_tab(train_tab, values: dict) -> None:
    """Fill the Train tab's form with `values`, bring the tab forward and start (unless it is training)."""
    if train_tab.is_training():
        return
    train_tab.form.set_values(values)
    tabs = train_tab.parentWidget()
    while tabs is not None and not isinstance(tabs, QTabWidget):
        tabs = tabs.parentWidget()
    if tabs is not None:
        tabs.setCurrentWidget(train_tab)
    train_tab.start()
