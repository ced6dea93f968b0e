"""The book's neural networks (chapters 3-7): layers with forward and backward, losses, weight
initialisation, the sequential network, update rules, learning-rate schedules, gradient checks, and
builders that make an MLP or a CNN from a ModelSpec."""
