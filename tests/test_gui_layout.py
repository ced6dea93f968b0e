"""Layouts that fit, themes, help, and the plots' axes and texts (issue 22, part A), offscreen.

The clipping checks (tests/clipping.py) walk every tab and every page of every tab that has pages
(Experiments, Inspect, and whatever stacks of pages are added), at the default window size and at
the window's minimum size."""
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from engine.experiments.hyperparameter_search import Trial
from gui import theme
from gui.appearance import SETTING
from gui.explore.gradcheck_page import readable_names
from gui.explore.mnist_optimizers import ranking
from gui.help import OTHER_SHORTCUTS, HelpDialog, menu_shortcuts
from gui.series_buffer import SeriesBuffer
from tests.clipping import problems, walk_pages
from tests.conftest import tab_titled

DEFAULT_SIZE = (1180, 760)
WAIT = 60000


@pytest.fixture
def window(qtbot):
    from gui.main_window import MainWindow
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(*DEFAULT_SIZE)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    QApplication.instance().setPalette(QPalette())     # a test that chose a theme leaves none behind


class ChapterSix:
    """The Book's chapter-6 experiment pages under the names these tests use."""
    TITLES = {"regularisation": "Overfitting and regularisation", "hyperparameters": "Hyperparameter search",
              "mnist_optimizers": "Optimizers on MNIST", "init_explorer": "Initialisation explorer"}

    def __init__(self, window):
        self.window, self.book = window, tab_titled(window, "Book")

    def __getattr__(self, name):
        return self.book.page(self.TITLES[name])

    def show_view(self, view) -> None:
        self.window.show_page(next(t for n, t in self.TITLES.items() if self.book.page(t) is view))


def size_to(window, qtbot, size) -> None:
    window.resize(window.minimumSize() if size == "minimum" else QSize(*size))
    qtbot.wait(100)


def settle(qtbot):
    return lambda: qtbot.wait(150)


@pytest.mark.parametrize("size", [DEFAULT_SIZE, "minimum"], ids=["1180x760", "minimum"])
def test_nothing_is_cut_off_on_any_tab_or_page(window, qtbot, size):
    size_to(window, qtbot, size)
    found, pages = {}, []
    for page in walk_pages(window, settle(qtbot)):
        pages.append(page)
        if problems(window):
            # Pages that train or animate in the background can still be laying out after 150 ms on a
            # busy machine: what counts is what stays cut off.
            qtbot.wait(1500)
            if (trouble := problems(window)):
                found[page] = trouble
    assert not found, "\n".join(f"{page}: {p}" for page, trouble in found.items() for p in trouble)
    # The walk did see every page of the tabs that have pages (the Book's, Inspect's), built.
    assert [page.partition(" > ")[2] for page in pages if " > " in page] == window.pages()


def test_the_window_can_be_made_small(window):
    assert window.minimumSize().width() <= 800 and window.minimumSize().height() <= 600


def trial(index, lr, wd, accuracy):
    return Trial(index, lr, wd, "finished", accuracy, accuracy + 0.05, 1.0)


@pytest.mark.parametrize("size", [DEFAULT_SIZE, "minimum"], ids=["1180x760", "minimum"])
def test_pages_full_of_results_still_fit(window, qtbot, size):
    """The texts that come with results (titles with accuracies, stars at the edge, layer titles)."""
    experiments = ChapterSix(window)
    window.tabs.setCurrentWidget(experiments.book)
    size_to(window, qtbot, size)

    view = experiments.regularisation
    experiments.show_view(view)
    view.labels = ["No regularisation", "Weight decay λ = 0.1", "Dropout 0.2"]
    view.curves = [SeriesBuffer(3) for _ in range(3)]
    view._total = 300
    view._on_epochs([(run, epoch, 0.98, 0.765) for run in range(3) for epoch in range(1, 101)])
    qtbot.wait(150)
    assert "unseen 76%" in view.plots[0].getPlotItem().titleLabel.text
    assert not problems(window), problems(window)

    view = experiments.hyperparameters
    experiments.show_view(view)
    view.setup_used = view.search_setup()
    for i, (lr, wd, acc) in enumerate([(1e-4, 1e-5, 0.5), (0.1, 0.1, 1.0), (0.003, 0.001, 0.9)]):
        view._on_trial(trial(i, lr, wd, acc))
    qtbot.wait(150)
    assert not problems(window), problems(window)

    view = experiments.mnist_optimizers
    experiments.show_view(view)
    view.losses = {name: SeriesBuffer(2) for name in view.curves}
    view._on_steps([(step, {name: 2.3 / (1 + step) for name in view.curves}) for step in range(300)])
    view.redraw()
    qtbot.wait(150)
    assert not problems(window), problems(window)

    view = experiments.init_explorer
    experiments.show_view(view)
    view.set_activation("relu")
    qtbot.waitUntil(lambda: bool(view.stats) and not view.busy(), timeout=WAIT)
    qtbot.wait(150)
    assert "zeros" in view.plots[("He", 0)].titleLabel.text
    assert not problems(window), problems(window)

    plots = window.train_tab.plots           # two runs: the legends name the previous one too
    window.tabs.setCurrentWidget(window.train_tab)
    for _ in range(2):
        plots.begin_run()
        plots.add_steps(np.arange(1, 101), np.linspace(2.3, 0.2, 100))
        plots.add_epoch(1, 0.9, 0.88)
    plots.redraw()
    qtbot.wait(150)
    assert not problems(window), problems(window)


@pytest.mark.parametrize("size", [DEFAULT_SIZE, "minimum"], ids=["1180x760", "minimum"])
def test_the_training_legends_cover_no_point(window, qtbot, size):
    """A run's accuracy climbs into the corner where its legend sits; the plot makes room below."""
    window.tabs.setCurrentWidget(window.train_tab)
    size_to(window, qtbot, size)
    plots = window.train_tab.plots
    for _ in range(2):
        plots.begin_run()
        plots.plan(480, 4)
        plots.add_steps(np.arange(1, 481), 2.3 * np.exp(-np.arange(480) / 40) + 0.1)
        for epoch, train, validation in [(1, 0.925, 0.91), (2, 0.965, 0.94), (3, 0.976, 0.952), (4, 0.978, 0.956)]:
            plots.add_epoch(epoch, train, validation)
    plots.redraw()
    qtbot.wait(150)
    assert not problems(window), problems(window)


LONG_STATUS = {   # as long as the longest each view writes
    "Initialisation explorer": "Sigmoid: the outputs of 1000 random inputs, layer by layer.",
    "Overfitting and regularisation": "Gap between training and unseen accuracy, in points: No regularisation: "
                                      "22; Weight decay λ = 0.1: 12; Dropout 0.2: 15.",
    "Optimizers on MNIST": "Finished. Lowest loss at the end: Nesterov; highest: Momentum. Mean over the last 20 "
                           "steps: Nesterov 0.123, RMSProp 0.150, AdaGrad 0.160, Adam 0.201, SGD 0.250, Momentum 0.453.",
}


def test_a_status_line_that_wraps_moves_nothing(window, qtbot):
    experiments = ChapterSix(window)
    window.tabs.setCurrentWidget(experiments.book)
    for view in (experiments.init_explorer, experiments.regularisation, experiments.mnist_optimizers):
        experiments.show_view(view)
        qtbot.wait(100)
        plot = view.graphics if hasattr(view, "graphics") else view.findChildren(pg.PlotWidget)[0]
        before = plot.mapTo(view, plot.rect().topLeft())
        view.show_status("Short.")
        qtbot.wait(50)
        assert plot.mapTo(view, plot.rect().topLeft()) == before, view.title
        view.show_status(LONG_STATUS[view.title])
        qtbot.wait(50)
        assert plot.mapTo(view, plot.rect().topLeft()) == before, view.title


# Empty axes and scales.
def test_empty_axes_span_the_run_to_come(window, qtbot):
    plots = window.train_tab.plots
    form = window.train_tab.form
    form.set_values({**form.values(), "epochs": 2, "batch_size": 100, "validation": 5000, "train_size": 0})
    low, high = plots.accuracy_plot.getPlotItem().viewRange()[0]
    assert low < 1 < 2 < high < 3                               # epochs 1 and 2, not 1 to 5
    assert plots.loss_plot.getPlotItem().viewRange()[0][1] == pytest.approx(1100, rel=0.03)   # 550 steps × 2

    experiments = ChapterSix(window)
    window.tabs.setCurrentWidget(experiments.book)
    view = experiments.regularisation
    experiments.show_view(view)
    view.epochs.setValue(40)
    for plot in view.plots:
        assert plot.getPlotItem().viewRange()[0][1] == pytest.approx(40, rel=0.03)
    mnist = experiments.mnist_optimizers
    mnist.steps.setValue(450)
    assert mnist.plot.getPlotItem().viewRange()[0][1] == pytest.approx(450, rel=0.03)
    search = experiments.hyperparameters
    search.lr_low.setValue(-4)
    search.lr_high.setValue(-2)
    low, high = search.map_plot.getPlotItem().viewRange()[0]
    assert low < -4 < -2 < high < -1.5                          # log10 of the rates the search draws


def test_every_accuracy_axis_reads_in_percent_and_no_axis_is_rescaled(window, qtbot):
    for title in ("Book", "Inspect", "My handwriting"):
        window.tabs.setCurrentWidget(tab_titled(window, title))
        for _ in walk_pages(window, settle(qtbot)):
            pass
    for title in window.pages():       # the Book builds each page when it is first shown
        window.show_page(title)
    accuracy_axes = 0
    for plot in window.findChildren(pg.PlotWidget):
        for name in ("left", "bottom"):
            axis = plot.getPlotItem().getAxis(name)
            assert not axis.autoSIPrefix, axis.labelText      # no "(x0.001)"
            if "accuracy" in axis.labelText:
                accuracy_axes += 1
                assert isinstance(axis, theme.PercentAxis), axis.labelText
    assert accuracy_axes >= 4      # Train, fine-tuning, regularisation, the search
    for plot in ChapterSix(window).regularisation.plots:
        assert isinstance(plot.getPlotItem().getAxis("left"), theme.PercentAxis)


# The pages' texts and marks.
def test_the_optimizers_text_says_what_the_run_shows():
    text = ranking({"sgd": [2.0, 1.0], "adam": [0.5, 0.1], "adagrad": [0.9, 0.3]}, last=1)
    assert text.startswith("Lowest loss at the end: Adam; highest: SGD.")
    assert "AdaGrad 0.300" in text


def test_adagrad_is_drawn_apart_from_rmsprop(window):
    view = ChapterSix(window).mnist_optimizers
    adagrad, rmsprop = view.curves["adagrad"], view.curves["rmsprop"]
    assert adagrad.opts["pen"].style() != rmsprop.opts["pen"].style()
    assert adagrad.zValue() > rmsprop.zValue()
    assert view.plot.getPlotItem().legend is None                   # the legend is above the plot
    assert all(name in view.legend.text() for name in ("SGD", "AdaGrad", "RMSProp", "Adam"))
    assert "Deep Learning from Scratch" in view.explanation.text()


def test_gradient_check_names_and_marks_are_readable():
    names = readable_names(["0:Conv2D.W", "0:Conv2D.b", "3:Conv2D.W", "7:Affine.W", "7:Affine.b", "9:BatchNorm.gamma"])
    assert names == ["Convolution 1 · weights W", "Convolution 1 · biases b", "Convolution 2 · weights W",
                     "Affine 1 · weights W", "Affine 1 · biases b", "Batch norm 1 · scale γ"]


def test_gradient_check_rows_have_marks_of_their_own(window, qtbot):
    from engine.experiments.inspection import GradientComparison
    page = tab_titled(window, "Inspect").gradients
    rng = np.random.default_rng(0)
    results = [GradientComparison(f"{i}:Affine.W", (3, 3), rng.normal(size=4), rng.normal(size=4)) for i in range(10)]
    page.show_results(results)
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    assert all(headers)
    points = [item for item in page.plot.getPlotItem().listDataItems() if item.opts["symbol"] is not None]
    marks = {(item.opts["symbol"], pg.mkBrush(item.opts["symbolBrush"]).color().name()) for item in points}
    assert len(points) == 10 and len(marks) == 10
    assert page.plot.getPlotItem().legend is None             # nothing over the points


def test_pooled_maps_are_not_drawn_larger_than_the_maps_they_pool(window, qtbot):
    inspect = tab_titled(window, "Inspect")
    window.tabs.setCurrentWidget(inspect)
    inspect.pages.setCurrentWidget(inspect.activations)
    page = inspect.activations
    qtbot.waitUntil(lambda: len(page.views) > 2, timeout=WAIT)
    qtbot.wait(200)
    shapes = [layer.maps.shape for layer in page.layers if layer.values.ndim == 3]
    assert len(shapes) >= 4          # the default CNN: conv, pool, conv, pool
    scales = []
    for view, tiled in zip(page.views, page.tiles):
        scales.append(view.width() / (view.viewRange()[0][1] - view.viewRange()[0][0]))   # screen px per map px
    for k in range(1, len(page.views)):
        if page.tiles[k].shape[0] < page.tiles[k - 1].shape[0] and page.tiles[k].shape[1] < page.tiles[k - 1].shape[1]:
            drawn = (page.tiles[k].shape[1] * scales[k], page.tiles[k - 1].shape[1] * scales[k - 1])
            assert drawn[0] < drawn[1], "a pooled map is drawn as wide as the maps it pools"


def test_fine_tuning_says_what_it_needs_and_what_few_samples_mean(window, qtbot):
    panel = tab_titled(window, "My handwriting").finetune
    window.tabs.setCurrentWidget(tab_titled(window, "My handwriting"))
    qtbot.waitUntil(lambda: panel.keeper.is_loaded, timeout=WAIT)
    assert panel.requirement.isVisible() and "at least 4" in panel.requirement.text()
    assert "you have 0" in panel.requirement.text()
    panel._note_holdout(2)
    assert panel.holdout_note.isVisible() and "Only 2" in panel.holdout_note.text()
    assert "50 points" in panel.holdout_note.text()
    panel._note_holdout(40)
    assert not panel.holdout_note.isVisible()


def test_train_a_full_model_asks_and_cancel_starts_nothing(window, qtbot):
    experiments = ChapterSix(window)
    window.tabs.setCurrentWidget(experiments.book)
    view = experiments.hyperparameters
    experiments.show_view(view)
    view.setup_used = view.search_setup()
    view._on_trial(trial(0, 0.01, 0.001, 0.9))
    assert view.train_button.isEnabled()
    view.train_button.click()
    box = window.findChild(QMessageBox, "trainConfirm")
    assert box is not None and box.isVisible()
    assert "learning rate 0.01" in box.text() and "all 55,000 training images" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(50)
    assert not window.train_tab.is_training() and window.tabs.currentWidget() is experiments.book


# Themes.
def test_the_view_menu_switches_the_theme_and_remembers_it(window, qtbot):
    actions = window.theme_actions
    assert set(actions) == {"system", "light", "dark"} and actions["system"].isChecked()
    loss = window.train_tab.plots.loss_plot
    light_background = loss.backgroundBrush().color().name()
    actions["dark"].trigger()
    assert actions["dark"].isChecked() and theme.is_dark()
    assert window.settings.value(SETTING) == "dark"
    text = QApplication.palette().color(QPalette.ColorRole.WindowText)
    assert loss.backgroundBrush().color() == QApplication.palette().color(QPalette.ColorRole.Base)
    assert loss.backgroundBrush().color().name() != light_background
    assert loss.getPlotItem().getAxis("left").textPen().color() == text          # axes follow
    assert text.name() in loss.getPlotItem().titleLabel.text or \
        loss.getPlotItem().titleLabel.opts["color"] == text.name()               # and titles
    experiments = ChapterSix(window)
    window.tabs.setCurrentWidget(experiments.book)
    experiments.show_view(experiments.init_explorer)
    grid = experiments.init_explorer.graphics
    assert grid.backgroundBrush().color().lightness() < 128

    actions["light"].trigger()
    assert not theme.is_dark() and window.settings.value(SETTING) == "light"
    assert loss.backgroundBrush().color().name() == light_background
    actions["dark"].trigger()


def test_a_new_window_starts_in_the_saved_theme(qtbot):
    from gui.main_window import MainWindow
    from gui.settings import app_settings
    settings = app_settings()
    settings.setValue(SETTING, "dark")
    settings.sync()
    try:
        w = MainWindow()
        qtbot.addWidget(w)
        assert theme.is_dark() and w.theme_actions["dark"].isChecked()
        assert w.train_tab.plots.loss_plot.backgroundBrush().color().lightness() < 128
        w.close()
    finally:
        QApplication.instance().setPalette(QPalette())


# Help.
def test_the_guide_has_a_section_for_every_tab_and_opens_at_the_current_one(window, qtbot):
    window.tabs.setCurrentWidget(tab_titled(window, "Inspect"))
    window.help_actions["guide"].trigger()
    dialog = window.findChild(HelpDialog, "guideDialog")
    assert dialog.isVisible() and not dialog.isModal()
    text = dialog.browser.toPlainText()
    for i in range(window.tabs.count()):
        assert window.tabs.tabText(i) in text
    assert "Deep Learning from Scratch" in text and "Right-click" in text
    assert dialog.browser.verticalScrollBar().value() > 0      # scrolled down to Inspect's section
    assert window.help_actions["guide"].shortcut().matches(QKeySequence(Qt.Key.Key_F1)) == \
        QKeySequence.SequenceMatch.ExactMatch


def test_the_shortcuts_list_has_the_menus_keys_and_the_digit_keys(window, qtbot):
    rows = menu_shortcuts(window)
    commands = {what: keys for what, _, keys in rows}
    assert "Open model" in commands and "Guide to the tabs" in commands
    window.help_actions["shortcuts"].trigger()
    dialog = window.findChild(HelpDialog, "shortcutsDialog")
    text = dialog.browser.toPlainText()
    assert all(what in text and keys in text for what, keys in commands.items())    # every menu's keys
    assert "0 – 9" in text and "Right-click on the sheet" in text
    assert all(what in text for what, _, _ in OTHER_SHORTCUTS)


def test_the_checker_sees_a_cut_title_a_cut_label_and_a_squashed_plot(qtbot):
    """The clipping checks find what they look for (else the walk above would prove nothing)."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
    page = QWidget()
    qtbot.addWidget(page)
    plot = pg.PlotWidget()
    plot.getPlotItem().setTitle("A title far too long for a plot of a hundred and twenty pixels")
    plot.setFixedSize(120, 100)
    flat = pg.PlotWidget()
    flat.setFixedSize(200, 50)
    tall = pg.PlotWidget()
    tall.getPlotItem().setTitle("one<br>two<br>three")      # pyqtgraph's title row is 30 px high
    label = QLabel("A label that is much wider than its room")
    label.setFixedWidth(60)
    layout = QVBoxLayout(page)
    layout.addWidget(plot)
    layout.addWidget(flat)
    layout.addWidget(tall)
    layout.addWidget(label)
    page.show()
    qtbot.waitExposed(page)
    qtbot.wait(50)
    found = "\n".join(problems(page))
    assert "PlotItem of PlotWidget" in found and "sticks out of its view" in found
    assert "squashed" in found
    assert "LabelItem('one<br>two<br>three')" in found and "lower than its text" in found
    assert "A label that is much wider" in found and "px of width" in found
