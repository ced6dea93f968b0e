"""Training: the minibatch loop with pause, stop and exact resumption, its records, the helpers that
go from settings to a trainer and from a trainer to a saved model, fine-tuning, and metrics."""
