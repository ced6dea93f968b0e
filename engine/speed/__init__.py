"""Everything in the engine whose only reason is speed. The rest of the engine never imports it:
the command line, the app and the benchmarks compose it with the plain parts, through accelerate().

- threads: how many engine threads, a pool that runs one job on each, BLAS on one thread but
  for an MLP's products;
- data_parallel: a training batch cut into slices that go through the network at the same time;
- fast_layers, conv_relu_pool, twins: convolution and max-pool twins that copy less, a convolution,
  ReLU and 2x2 max-pool fused into one layer, which twin each layer trains through, and the
  network through the twins that measures a run's accuracy;
- fused_optimizers: update rules computed in place;
- augment_processes, shared_files, side_by_side: augmented batches made ahead in child processes,
  the images that share a random map resampled together."""
from __future__ import annotations

import math

from ..nn.layers import Affine
from ..training.trainer import Trainer
from . import augment_processes, threads
from .data_parallel import ParallelGradient, splittable
from .fused_optimizers import fused
from .threads import set_threads, usable_cores
from .twins import through_twins, training_layers

# A training batch is cut into slices only when each slice's layer outputs hold at least this many
# numbers: handing a slice to another thread and back costs about 0.1 ms.
MIN_VALUES_PER_SLICE = 1_000_000
# An unsliced network's products go to BLAS's threads only if one has at least this many
# multiply-adds: waking them costs more than a smaller product gains.
MIN_BLAS_THREADED_PRODUCT = 10_000_000


def slices_worth(trainer: Trainer) -> int:
    """Into how many slices the trainer's batches are worth cutting, with the engine's threads."""
    network = trainer.network
    if threads.threads() == 1 or not splittable(network):
        return 1
    per_batch = trainer.config.batch_size * sum(math.prod(shape) for shape in network.output_shapes())
    return max(1, min(threads.threads(), trainer.config.batch_size, per_batch // MIN_VALUES_PER_SLICE))


def largest_product(trainer: Trainer) -> int:
    """Multiply-adds of the largest dense layer's product in a training batch."""
    return max((trainer.config.batch_size * layer.n_in * layer.n_out for layer in trainer.network.layers
                if isinstance(layer, Affine)), default=0)


def accelerate(trainer: Trainer) -> Trainer:
    """Swap the trainer's plain parts for faster ones that give the same batches, gradients and
    updates (to rounding): augmented batches made ahead in child processes; the gradient through
    the layers' fast twins, a large network's batch in slices on the engine's threads (set_threads()
    says how many); the optimizer's fused twin; the accuracy after each epoch through the twins."""
    augmenting = trainer.batches.augmentation is not None
    if augmenting:
        trainer.batch_source = augment_processes.ahead
    network, count = trainer.network, slices_worth(trainer)
    twins = training_layers(network.layers, network.input_shape)
    trainer.gradient = ParallelGradient(network, count, twins)
    if count == 1 and threads.threads() > 1 and not augmenting and largest_product(trainer) >= MIN_BLAS_THREADED_PRODUCT:
        # BLAS's threads would compete with the child processes augmenting the batches.
        trainer.gradient = threads.OnBlasThreads(trainer.gradient)
    trainer.optimizer = fused(trainer.optimizer)
    trainer.accuracy = through_twins(network, twins).accuracy
    return trainer


__all__ = ["ParallelGradient", "accelerate", "set_threads", "slices_worth", "usable_cores"]
