"""The Train tab's table of the session's runs: two real tiny runs, a same start, overlays."""
import numpy as np
from PySide6.QtCore import Qt

from tests.test_gui_train import start


def finish(qtbot, tab):
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=60000)


def test_runs_are_listed_compared_and_overlaid(window, qtbot, tmp_path):
    tab = start(window, seed=7)
    history = tab.history
    assert not history.same_start_button.isEnabled()
    finish(qtbot, tab)
    assert history.table.rowCount() == 1
    first = history.runs[0]
    assert first.number == 1 and first.config.optimizer == "adam" and first.config.seed == 7
    assert history.table.item(0, 2).text() == "—"
    assert history.table.item(0, 5).text() == f"{tab.last_model().test_accuracy:.2%}"   # runs do not replace the Draw tab's model
    assert history.table.item(0, 4).text() == f"{first.history.epochs[-1].validation_accuracy:.2%}"

    # Same start: run 1's settings come back, seed and all, whatever the form held meanwhile.
    tab.form.set_values({**tab.form.values(), "seed": 99, "hidden": "50"})
    history.table.selectRow(0)
    assert history.same_start_button.isEnabled()
    history.same_start_button.click()
    assert tab.form.values() == first.form
    tab.form.set_values({**tab.form.values(), "optimizer": "sgd", "lr": 0.1})
    tab.start_button.click()
    finish(qtbot, tab)
    second = history.runs[1]
    assert second.compared_with == 1
    assert [d.setting for d in second.comparison.differences] == ["optimizer", "lr"]
    assert (second.comparison.weights, second.comparison.batches) == ("same", "same")
    assert history.table.item(1, 2).text().startswith("Run 1: Optimizer adam → sgd; learning rate 0.005 → 0.1. "
                                                      "Same initial weights, same batches")

    # Overlay run 1 on the plots of run 2, and take it off again.
    loss_curves = len(tab.plots.loss_plot.getPlotItem().listDataItems())
    history.table.item(0, 7).setCheckState(Qt.CheckState.Checked)
    assert history.overlaid() == [1]
    curves = tab.plots.loss_plot.getPlotItem().listDataItems()
    assert len(curves) == loss_curves + 1
    x, y = curves[-1].getData()
    assert len(x) == len(first.history.losses) and np.isfinite(y).all()
    accuracy = tab.plots.accuracy_plot.getPlotItem().listDataItems()[-1].getData()[1]
    np.testing.assert_allclose(accuracy, [e.validation_accuracy for e in first.history.epochs])
    window.resize(1180, 760)
    window.tabs.setCurrentWidget(tab)
    folder = tmp_path / "shots"
    folder.mkdir()
    assert window.grab().save(str(folder / "train-history.png"))
    window.resize(window.minimumSizeHint())
    assert window.grab().save(str(folder / "train-history-min.png"))
    print(folder)
    history.table.item(0, 7).setCheckState(Qt.CheckState.Unchecked)
    assert history.overlaid() == []
    assert len(tab.plots.loss_plot.getPlotItem().listDataItems()) == loss_curves
