"""The engine's layout: engine/speed may import the book's packages, never the reverse."""
import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

ENGINE = ROOT / "engine"


def package_of(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__") if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def imported_modules(source: str, package: str) -> set[str]:
    """Every module that code in `package` imports, relative imports resolved to absolute names."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_no_engine_module_outside_speed_imports_it():
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        if path.is_relative_to(ENGINE / "speed"):
            continue
        names = imported_modules(path.read_text(), package_of(path))
        if any(name == "engine.speed" or name.startswith("engine.speed.") for name in names):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_book_packages_load_without_speed():
    code = ("import sys, engine, engine.nn.builders, engine.data.batches, engine.training.runs, "
            "engine.training.finetune, engine.storage.model_file, engine.storage.samples, "
            "engine.experiments.inspection, engine.experiments.regularisation, engine.experiments.hyperparameter_search; "
            "print(sorted(m for m in sys.modules if m.startswith('engine.speed')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_import_check_sees_relative_imports():
    assert package_of(ENGINE / "nn" / "layers" / "affine.py") == "engine.nn.layers"
    assert package_of(ENGINE / "nn" / "__init__.py") == "engine.nn"
    names = imported_modules("from ..speed import threads\nfrom ... import speed\nimport engine.speed.threads\n",
                             "engine.nn.layers")
    assert {"engine.nn.speed.threads", "engine.speed", "engine.speed.threads"} <= names
