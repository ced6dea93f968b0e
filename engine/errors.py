"""Errors the engine raises for bad input. Their message is meant for the user, as is."""


class EngineError(Exception):
    """A problem the user can fix (bad file, bad option); never a bug in the engine."""


class DatasetError(EngineError):
    """A dataset file is missing, truncated, corrupt or of the wrong shape."""


class ModelFileError(EngineError):
    """A model file cannot be read: corrupt, truncated, foreign, or not matching its architecture."""


class TrainingDiverged(EngineError):
    """The loss became NaN or infinite."""
