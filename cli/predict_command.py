"""`predict`: classify image files of any size and polarity."""
from __future__ import annotations

import json
import sys

import numpy as np

from engine.data.preprocess import to_mnist
from engine.nn.network import Network
from engine.storage.model_file import load_model
from gui.image_file import ImageReadError, read_gray

from .options import model_path


def classify(network: Network, path: str) -> dict:
    """The JSON record of one image file; raises ImageReadError when it has no answer."""
    processed = to_mnist(read_gray(path))
    if processed.blank:
        return {"file": path, "digit": None, "probs": [0.0] * 10, "blank": True}
    with np.errstate(all="ignore"):
        probs = network.predict_proba(processed.vector)
    if not np.all(np.isfinite(probs)):   # weights that overflow on this image: no answer, and no NaN in JSON
        raise ImageReadError("the model's scores for this image overflow (NaN or infinite), so it has no answer")
    return {"file": path, "digit": int(probs.argmax()), "probs": [round(float(p), 6) for p in probs], "blank": False}


def run(args) -> int:
    network = load_model(model_path(args)).network
    failures = 0
    for path in args.images:
        try:
            record = classify(network, path)
        except ImageReadError as e:
            failures += 1
            if args.json:
                print(json.dumps({"file": path, "error": str(e)}), flush=True)
            else:
                print(f"{path}: error: {e}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(record, allow_nan=False), flush=True)
        elif record["blank"]:
            print(f"{path}: blank (no digit found)")
        else:
            print(f"{path}: {record['digit']}  ({max(record['probs']):.1%})")
    return 1 if failures else 0
