"""`info`: what a model file records, without the weights."""
from __future__ import annotations

import json

from engine.storage.model_file import load_model, read_meta


def run(args) -> int:
    model = load_model(args.model)  # also proves the file is whole
    meta = read_meta(args.model)
    meta["history"] = {"epochs": len(model.history.epochs), "steps": len(model.history.losses)}
    print(f"{model.describe()}: {model.network.parameter_count():,} parameters")
    print(json.dumps(meta, indent=2))
    return 0
