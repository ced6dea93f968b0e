"""Checks, before Qt starts, that the system libraries Qt needs on Linux are there, and prints the exact
install command when some are missing. PySide6's wheels bring Qt itself, but its platform plugins link
against system libraries (EGL, fontconfig, xkbcommon, the xcb family) that a minimal Linux may lack; Qt
then fails with a message that names no package.

    python scripts/lib/qt_system_libs.py --for headless   # what the offscreen platform needs (tests, CLI)
    python scripts/lib/qt_system_libs.py --for gui        # what the window on this desktop needs

Exit 0 when nothing is missing (or not on Linux), 1 otherwise. Found by `ldd` on the Qt libraries and
the platform plugin, so it needs PySide6 installed but does not import it."""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

QT_CORE = ("lib/libQt6Core.so.6", "lib/libQt6Gui.so.6", "lib/libQt6Widgets.so.6", "lib/libQt6OpenGL.so.6")
PLATFORM_EXTRAS = {"xcb": ("lib/libQt6XcbQpa.so.6",), "wayland": ("lib/libQt6WaylandClient.so.6",)}

# Debian/Ubuntu packages of the libraries Qt links to, where the name does not follow from the rule
# in debian_package().
PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libpng16.so.16": "libpng16-16",
    "libharfbuzz.so.0": "libharfbuzz0b",
}


def debian_package(soname: str) -> str:
    if soname in PACKAGES:
        return PACKAGES[soname]
    # libxcb-icccm.so.4 -> libxcb-icccm4, libwayland-cursor.so.0 -> libwayland-cursor0, ...
    match = re.fullmatch(r"(lib[\w+-]+?)\.so\.(\d+)", soname)
    return f"{match[1].lower()}{match[2]}" if match else soname


def qt_folder() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    return Path(spec.origin).parent / "Qt" if spec and spec.origin else None


def missing_libraries(files: list[Path]) -> list[str]:
    missing: list[str] = []
    for file in files:
        if not file.exists():
            continue
        out = subprocess.run(["ldd", str(file)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "not found" in line:
                soname = line.split("=>")[0].strip()
                if soname not in missing:
                    missing.append(soname)
    return missing


def platform_for(use: str) -> tuple[str | None, str | None]:
    """The Qt platform plugin that will be used, or a reason why no window can open."""
    if use == "headless":
        return "offscreen", None
    chosen = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0]
    if chosen:
        return chosen, None
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        return "wayland", None
    if os.environ.get("DISPLAY"):
        return "xcb", None
    return None, ("there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window "
                  "cannot open. Run it from a desktop session; for a headless check of the whole app use "
                  "scripts/run --self-test (or set QT_QPA_PLATFORM=offscreen).")


def has_fonts() -> bool:
    folders = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts",
               Path.home() / ".fonts"]
    suffixes = {".ttf", ".otf", ".ttc", ".pfb", ".pcf", ".gz"}
    for folder in folders:
        if folder.is_dir() and any(p.suffix.lower() in suffixes for p in folder.rglob("*")):
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--for", dest="use", choices=("gui", "headless"), default="gui")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        return 0
    qt = qt_folder()
    if qt is None:
        print("error: PySide6 is not installed in this environment", file=sys.stderr)
        return 1
    if not shutil.which("ldd"):
        return 0  # cannot tell; Qt will say what it misses
    platform, problem = platform_for(args.use)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    files = [qt / f for f in QT_CORE + PLATFORM_EXTRAS.get(platform, ())]
    files.append(qt / "plugins" / "platforms" / f"libq{platform}.so")
    missing = missing_libraries(files)
    if not has_fonts():
        print("warning: no fonts found, so text will not show. Debian/Ubuntu: "
              f"{'' if os.geteuid() == 0 else 'sudo '}apt-get install -y fonts-dejavu-core", file=sys.stderr)
    if not missing:
        return 0
    packages = sorted({debian_package(s) for s in missing})
    sudo = "" if os.geteuid() == 0 else "sudo "
    print(f"error: Qt's '{platform}' platform needs system libraries that are missing: {', '.join(missing)}.\n"
          f"On Debian/Ubuntu install them with:\n\n    {sudo}apt-get install -y {' '.join(packages)}\n\n"
          "(other systems: install the packages that provide those files), then run this again.",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
