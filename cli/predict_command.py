"""`predict`: classify image files of any size and polarity."""
from __future__ import annotations

import json
import sys

from engine.storage.model_file import load_model
from engine.data.preprocess import to_mnist
from gui.image_file import ImageReadError, read_gray

from .options import model_path


def run(args) -> int:
    network = load_model(model_path(args)).network
    failures = 0
    for path in args.images:
        try:
            processed = to_mnist(read_gray(path))
        except ImageReadError as e:
            failures += 1
            if args.json:
                print(json.dumps({"file": path, "error": str(e)}), flush=True)
            else:
                print(f"{path}: error: {e}", file=sys.stderr)
            continue
        if processed.blank:
            record = {"file": path, "digit": None, "probs": [0.0] * 10, "blank": True}
        else:
            probs = network.predict_proba(processed.vector)
            record = {"file": path, "digit": int(probs.argmax()), "probs": [round(float(p), 6) for p in probs],
                      "blank": False}
        if args.json:
            print(json.dumps(record), flush=True)
        elif record["blank"]:
            print(f"{path}: blank (no digit found)")
        else:
            print(f"{path}: {record['digit']}  ({max(record['probs']):.1%})")
    return 1 if failures else 0
