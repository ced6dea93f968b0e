"""Image files (PNG, JPEG...) as personal samples. An image's digit comes from its name: a file
name that starts with the digit ("7.png", "7_b.png", "7-03.jpg"), or a folder named after it
("7/anything.png"); files with neither get the digit the user gives for them, or are skipped."""
from __future__ import annotations

import re
from pathlib import Path

from engine.data.preprocess import to_mnist
from engine.storage.samples import ImportReport, Sample, SampleStore

from ..image_file import ImageReadError, read_gray
from ..picture import image_suffixes
from .labelling import sample_count

LEADING_DIGIT = re.compile(r"(\d)(?!\d)")     # one digit, not the start of a number such as 2024


def label_from_name(path: Path) -> int | None:
    match = LEADING_DIGIT.match(path.stem)
    if match:
        return int(match[1])
    return int(path.parent.name) if re.fullmatch(r"\d", path.parent.name) else None


def images_in(folder: Path) -> list[Path]:
    """The image files of a folder and of its one-digit subfolders ("0" to "9")."""
    suffixes = image_suffixes()
    folders = [folder] + [folder / str(d) for d in range(10) if (folder / str(d)).is_dir()]
    return sorted(p for f in folders for p in f.iterdir()
                  if p.is_file() and p.suffix.lower().lstrip(".") in suffixes)


def import_images(store: SampleStore, labelled: list[tuple[Path, int]]) -> ImportReport:
    """Read, preprocess as drawings are, and add each (path, digit); an image already among the
    samples (same digit, same 28x28 picture) is skipped, an unreadable or blank one reported."""
    report = ImportReport()
    known = {s.content_key() for s in store.samples()}
    for path, digit in labelled:
        try:
            processed = to_mnist(read_gray(path))
        except ImageReadError as e:
            report.problems.append(f"{path.name}: {e}")
            continue
        if processed.blank:
            report.problems.append(f"{path.name}: no digit found in it")
            continue
        key = Sample("", digit, processed.vector).content_key()
        if key in known:
            report.duplicates += 1
            continue
        store.add(digit, processed.vector, source="imported")
        known.add(key)
        report.added += 1
    return report


def label_paths(paths: list, digit_for_unlabelled: int | None = None) -> tuple[list[tuple[Path, int]], int]:
    """Each path with its digit (from its name, else `digit_for_unlabelled`), and how many had none."""
    labelled = []
    for path in map(Path, paths):
        digit = label_from_name(path)
        digit = digit_for_unlabelled if digit is None else digit
        if digit is not None:
            labelled.append((path, digit))
    return labelled, len(paths) - len(labelled)


def import_summary(report: ImportReport, source: str, unlabelled: int = 0) -> str:
    """ "Imported 3 samples from ...; 1 already here was skipped; ..." for the status bar."""
    message = f"Imported {sample_count(report.added)} from {source}"
    if report.duplicates:
        message += f"; {report.duplicates} already here were skipped"
    if unlabelled:
        message += f"; {unlabelled} without a digit in their name were skipped"
    if report.problems:
        message += f"; {len(report.problems)} could not be used ({report.problems[0]})"
    return message + "."
