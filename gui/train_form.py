"""The Train tab's form: every engine choice, each with a one-sentence tooltip, remembered in QSettings."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLineEdit, QVBoxLayout, QWidget

from engine.nn.builders import ModelSpec
from engine.nn.optimizers import DEFAULT_LR, OPTIMIZERS
from engine.training.presets import PRESETS
from engine.training.records import TrainConfig

from .settings import settings_warnings
from .spin_box import spin_box
from .train_form_values import as_bool, in_range, index_of, parse_sizes, preset_values, sizes_text

# What a new user starts from: an MLP that reaches about 98% in five epochs of a few seconds each.
DEFAULTS = {
    "arch": "mlp", "hidden": "100", "channels": "16, 32", "kernel": 5, "activation": "relu", "init": "he",
    "init_std": 0.01, "batchnorm": False, "dropout": 0.0, "optimizer": "adam", "lr": 0.005, "batch_size": 100,
    "epochs": 5, "weight_decay": 0.0, "label_smoothing": 0.0, "schedule": "cosine", "augment": False,
    "validation": 5000, "train_size": 0, "seed": 0,
}

TIPS = {
    "arch": "MLP: fully connected layers on the 784 pixels. CNN: two convolution-ReLU-pooling blocks that "
            "look at small patches first (chapter 7 of Deep Learning from Scratch), then fully connected "
            "layers.",
    "hidden": "Sizes of the hidden fully connected layers, separated by commas, e.g. 100 or 256, 256.",
    "channels": "CNN only: how many filters each of the two convolution blocks learns.",
    "kernel": "CNN only: each filter's width and height in pixels. 5x5 is the book's; 3x3 sees less at once "
              "and costs about a third as much.",
    "activation": "The non-linearity after each hidden layer: ReLU trains fastest; sigmoid and tanh are the classic curves.",
    "init": "Starting weights: He suits ReLU, Xavier suits sigmoid and tanh, a fixed small std is the first "
            "try of Deep Learning from Scratch (6.2).",
    "init_std": "Standard deviation of the starting weights when the initialisation is 'fixed std'.",
    "batchnorm": "Normalise each hidden layer's outputs over the batch: faster, steadier training "
                 "(Deep Learning from Scratch, 6.3).",
    "dropout": "Fraction of hidden units switched off at random in each training step, against overfitting "
               "(Deep Learning from Scratch, 6.4).",
    "optimizer": "The update rule: SGD follows the gradient; Momentum and Nesterov build up speed; AdaGrad, "
                 "RMSProp and Adam adapt the step size of each weight (Deep Learning from Scratch, 6.1).",
    "lr": "Learning rate: how big a step each update takes. Too large diverges, too small crawls.",
    "batch_size": "Images per gradient step (a minibatch).",
    "epochs": "Passes over the training images.",
    "weight_decay": "L2 penalty on the weights: pulls them towards zero, against overfitting "
                    "(Deep Learning from Scratch, 6.4.1).",
    "label_smoothing": "Aim the network at 1 - e on the right digit and e spread over all ten instead of "
                       "all on one, so it is never pushed to total certainty (0: the book's cross-entropy).",
    "schedule": "How the learning rate changes during training: constant, halved every 2 epochs (step), "
                "smoothly down to zero (cosine), or up for the first quarter of the run and then down (one-cycle).",
    "preset": "Fill the form with a network and run sized for a time budget: Quick CNN passes 99% test "
              "accuracy in under 15 seconds of training on a two-core computer, Best 99.5% in about 2 minutes.",
    "augment": "Train on randomly shifted, rotated and resized copies of the images: more robust to hand-drawn "
               "digits. It makes an epoch up to about a third longer.",
    "validation": "Training images held back to judge the network while it trains (never the test set).",
    "train_size": "Train on only this many images (0: all of them). A few hundred shows overfitting clearly.",
    "seed": "The random seed: the same seed and settings give the same run.",
}


class TrainForm(QWidget):
    changed = Signal()

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.arch = self._combo([("MLP", "mlp"), ("CNN", "cnn")])
        self.hidden = QLineEdit()
        self.channels = QLineEdit()
        self.kernel = self._int(1, 9)
        self.kernel.setSingleStep(2)
        self.activation = self._combo([("ReLU", "relu"), ("Sigmoid", "sigmoid"), ("Tanh", "tanh")])
        self.init = self._combo([("He", "he"), ("Xavier", "xavier"), ("Fixed std", "std")])
        self.init_std = self._double(0.0001, 10.0, 4, 0.01)
        self.batchnorm = QCheckBox("Batch normalisation")
        self.dropout = self._double(0.0, 0.9, 2, 0.05)
        self.optimizer = self._combo([(name.upper() if name == "sgd" else {"adagrad": "AdaGrad", "rmsprop": "RMSProp"}
                                       .get(name, name.capitalize()), name) for name in OPTIMIZERS])
        self.lr = self._double(1e-5, 10.0, 5, 0.001)
        self.batch_size = self._int(1, 10000)
        self.epochs = self._int(1, 500)
        self.weight_decay = self._double(0.0, 1.0, 5, 0.0001)
        self.label_smoothing = self._double(0.0, 0.5, 2, 0.05)
        self.schedule = self._combo([("Constant", "constant"), ("Step", "step"), ("Cosine", "cosine"),
                                     ("One-cycle", "onecycle")])
        self.preset = self._combo([("Custom", ""), *((p.label, name) for name, p in PRESETS.items())])
        self.augment = QCheckBox("Augment (shift, rotate, scale)")
        self.validation = self._int(0, 30000)
        self.validation.setSingleStep(1000)
        self.train_size = self._int(0, 60000)
        self.train_size.setSingleStep(100)
        self.train_size.setSpecialValueText("all")
        self.seed = self._int(0, 2**31 - 1)

        architecture = QFormLayout()
        architecture.addRow("Preset", self.preset)
        architecture.addRow("Network", self.arch)
        architecture.addRow("Hidden layers", self.hidden)
        architecture.addRow("Conv filters", self.channels)
        architecture.addRow("Kernel size", self.kernel)
        architecture.addRow("Activation", self.activation)
        architecture.addRow("Initialisation", self.init)
        architecture.addRow("Init std", self.init_std)
        architecture.addRow("", self.batchnorm)
        architecture.addRow("Dropout", self.dropout)
        optimisation = QFormLayout()
        optimisation.addRow("Optimizer", self.optimizer)
        optimisation.addRow("Learning rate", self.lr)
        optimisation.addRow("Schedule", self.schedule)
        optimisation.addRow("Batch size", self.batch_size)
        optimisation.addRow("Epochs", self.epochs)
        optimisation.addRow("Weight decay", self.weight_decay)
        optimisation.addRow("Label smoothing", self.label_smoothing)
        data = QFormLayout()
        data.addRow("", self.augment)
        data.addRow("Validation images", self.validation)
        data.addRow("Training images", self.train_size)
        data.addRow("Seed", self.seed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, form in (("Architecture", architecture), ("Optimisation", optimisation), ("Data", data)):
            box = QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addStretch(1)

        for key, tip in TIPS.items():
            widget = getattr(self, key)
            widget.setToolTip(tip)
            form_label = self._label_for(widget)
            if form_label is not None:
                form_label.setToolTip(tip)
        self.arch.currentIndexChanged.connect(self._update_enabled)
        self.init.currentIndexChanged.connect(self._update_enabled)
        self.optimizer.currentIndexChanged.connect(self._suggest_lr)
        self.preset.activated.connect(self._apply_preset)
        self.restore()
        self._update_enabled()

    # Small constructors.
    def _combo(self, items):
        combo = QComboBox()
        for text, data in items:
            combo.addItem(text, data)
        combo.currentIndexChanged.connect(self.changed)
        return combo

    def _double(self, low, high, decimals, step):
        spin = spin_box(low, high, low, step=step, decimals=decimals)
        spin.valueChanged.connect(self.changed)
        return spin

    def _int(self, low, high):
        spin = spin_box(low, high, low)
        spin.valueChanged.connect(self.changed)
        return spin

    def _label_for(self, widget):
        parent_layout = widget.parentWidget().layout() if widget.parentWidget() else None
        if isinstance(parent_layout, QFormLayout):
            return parent_layout.labelForField(widget)
        return None

    def _update_enabled(self) -> None:
        self.channels.setEnabled(self.arch.currentData() == "cnn")
        self.kernel.setEnabled(self.arch.currentData() == "cnn")
        self.init_std.setEnabled(self.init.currentData() == "std")

    def _suggest_lr(self) -> None:
        self.lr.setValue(DEFAULT_LR[self.optimizer.currentData()] * (5 if self.optimizer.currentData() == "adam" else 1))

    def _apply_preset(self) -> None:
        name = self.preset.currentData()
        if name:
            self.set_values({**preset_values(PRESETS[name]), "seed": self.seed.value()})

    # Values.
    def values(self) -> dict:
        return {
            "arch": self.arch.currentData(), "hidden": self.hidden.text(), "channels": self.channels.text(),
            "kernel": self.kernel.value(),
            "activation": self.activation.currentData(), "init": self.init.currentData(),
            "init_std": self.init_std.value(), "batchnorm": self.batchnorm.isChecked(),
            "dropout": self.dropout.value(), "optimizer": self.optimizer.currentData(), "lr": self.lr.value(),
            "batch_size": self.batch_size.value(), "epochs": self.epochs.value(),
            "weight_decay": self.weight_decay.value(), "label_smoothing": self.label_smoothing.value(),
            "schedule": self.schedule.currentData(),
            "augment": self.augment.isChecked(), "validation": self.validation.value(),
            "train_size": self.train_size.value(), "seed": self.seed.value(),
        }

    def set_values(self, values: dict) -> list[str]:
        """Show `values` (missing keys: DEFAULTS). A value that is not of its field's kind and range
        (a settings file edited by hand: batch_size=abc, epochs=1e99) gives way to the default;
        returns the keys whose value was replaced."""
        v, replaced = {**DEFAULTS, **values}, []

        def usable(key, check):
            try:
                return check(v[key])
            except (TypeError, ValueError, OverflowError):
                replaced.append(key)
                return check(DEFAULTS[key])

        for key in ("arch", "activation", "init", "optimizer", "schedule"):
            combo = getattr(self, key)
            combo.setCurrentIndex(usable(key, lambda value, c=combo: index_of(c, value)))
        self.hidden.setText(usable("hidden", sizes_text))
        self.channels.setText(usable("channels", sizes_text))
        for key in ("kernel", "init_std", "dropout", "lr", "weight_decay", "label_smoothing", "batch_size",
                    "epochs", "validation", "train_size", "seed"):
            spin = getattr(self, key)
            spin.setValue(usable(key, lambda value, s=spin: in_range(s, value)))
        self.batchnorm.setChecked(usable("batchnorm", as_bool))
        self.augment.setChecked(usable("augment", as_bool))
        return replaced

    def spec_and_config(self) -> tuple[ModelSpec, TrainConfig]:
        """The form as engine objects. Raises ValueError with a message naming the field at fault."""
        v = self.values()
        try:
            hidden = parse_sizes(v["hidden"])
        except ValueError:
            raise ValueError("Hidden layers: give one or more sizes separated by commas, e.g. 100 or 256, 256.") from None
        try:
            channels = parse_sizes(v["channels"]) if v["arch"] == "cnn" else (16, 32)
        except ValueError:
            raise ValueError("Conv filters: give one or more filter counts separated by commas, e.g. 16, 32.") from None
        kernel = v["kernel"] if v["arch"] == "cnn" else ModelSpec.kernel
        spec = ModelSpec(arch=v["arch"], hidden=hidden, channels=channels, kernel=kernel, activation=v["activation"],
                         init=v["init"], init_std=v["init_std"], batchnorm=v["batchnorm"], dropout=v["dropout"])
        config = TrainConfig(optimizer=v["optimizer"], lr=v["lr"], batch_size=v["batch_size"], epochs=v["epochs"],
                             weight_decay=v["weight_decay"], label_smoothing=v["label_smoothing"],
                             schedule=v["schedule"], validation=v["validation"], train_size=v["train_size"] or None,
                             seed=v["seed"], augment=v["augment"])
        return spec, config

    def save(self) -> None:
        for key, value in self.values().items():
            self.settings.setValue(f"train/{key}", value)

    def restore(self) -> None:
        stored = {key: self.settings.value(f"train/{key}") for key in DEFAULTS}
        for key in self.set_values({k: v for k, v in stored.items() if v is not None}):
            settings_warnings.add(f"train/{key}", stored[key], DEFAULTS[key])

    def reset(self) -> None:
        self.set_values(DEFAULTS)
