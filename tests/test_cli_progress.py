"""The `train` command's progress bar, run in-process on a small slice of MNIST."""
import re

from engine.data.datasets import Dataset
from engine.nn.builders import ModelSpec
from engine.training.records import TrainConfig
from engine.training.runs import new_trainer

from cli.train_command import run_with_progress


def test_the_progress_bar_of_a_two_epoch_run_ends_in_epoch_2(mnist, capsys):
    data = Dataset(mnist.train_images[:3000], mnist.train_labels[:3000],
                   mnist.test_images[:500], mnist.test_labels[:500], "MNIST subset")
    trainer = new_trainer(ModelSpec(hidden=(10,)), TrainConfig(epochs=2, validation=1000, train_size=2000), data)
    assert trainer.total_steps == 2 * trainer.steps_per_epoch and trainer.total_steps % 20 == 0
    result = run_with_progress(trainer)
    assert result.status == "finished"
    shown = re.findall(r"epoch=(\d+)", capsys.readouterr().err)
    assert shown and shown[-1] == "2" and max(map(int, shown)) == 2
