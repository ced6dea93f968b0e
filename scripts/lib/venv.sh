# Sourced by scripts/run, scripts/test and scripts/build: makes .venv on first use and installs the
# pinned requirements only when they changed since the last install (a stamp holds their hash).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
MIN_PYTHON="3.11"

fail() {
    echo "error: $*" >&2
    exit 1
}

sudo_prefix() {
    [ "$(id -u)" = 0 ] || echo "sudo "
}

# The interpreter that makes the venv: $PYTHON if set, else python3.
base_python() {
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 ||
        fail "$python not found. Install Python $MIN_PYTHON or newer (Debian/Ubuntu: $(sudo_prefix)apt-get install python3 python3-venv), or set PYTHON=/path/to/python3.11"
    "$python" -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$MIN_PYTHON'.split('.'))))" ||
        fail "ScratchNet needs Python $MIN_PYTHON or newer; $python is $("$python" -c 'import platform; print(platform.python_version())'). Set PYTHON=/path/to/python3.11 (or newer)"
    echo "$python"
}

make_venv() {
    local python
    python="$(base_python)"
    echo "Creating $VENV with $("$python" --version 2>&1)" >&2
    if ! "$python" -m venv "$VENV"; then
        rm -rf "$VENV"
        fail "could not create a virtual environment. On Debian/Ubuntu: $(sudo_prefix)apt-get install python3-venv"
    fi
}

# A requirements file and every file it includes with -r, hashed together with the venv's Python version.
requirements_hash() {
    local file="$1" files=("$1") included
    while read -r included; do
        files+=("$(dirname "$file")/$included")
    done < <(sed -n 's/^-r[[:space:]]*//p' "$file")
    { cat "${files[@]}"; "$PY" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1
}

# ensure_venv REQUIREMENTS_FILE (relative to the repository root)
ensure_venv() {
    local requirements="$ROOT/$1"
    [ -x "$PY" ] || make_venv
    local stamp="$VENV/.installed-$(basename "$1" .txt)" wanted
    wanted="$(requirements_hash "$requirements")"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "Installing the pinned packages of $1 into .venv (only when they change)..." >&2
        "$PY" -m pip install --disable-pip-version-check --no-input -q -r "$requirements" ||
            fail "pip could not install $1 (see above). Is PyPI reachable?"
        echo "$wanted" >"$stamp"
    fi
}

# check_qt_libs gui|headless: stop with the exact install command when Qt's system libraries are missing.
check_qt_libs() {
    "$PY" "$ROOT/scripts/lib/qt_system_libs.py" --for "$1" || exit 1
}
