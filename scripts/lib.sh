# Shared by scripts/demo.sh, scripts/test.sh and .ci/run (sourced, not run).
# Makes a fresh Debian machine with only Python 3.11 ready: the virtualenv, the requirements and,
# when we are root, the few Debian packages the browser tests need.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3 python; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "Python 3.11 or newer not found (set PYTHON=/path/to/python3.11)" >&2
    return 1
}

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_install() {
    log "apt-get install $*"
    # Another apt/dpkg (unattended upgrades, a second CI job) may hold the lock: wait for it.
    local wait=(-o DPkg::Lock::Timeout=120 -o Acquire::Retries=3)
    DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
}

# Create .venv if missing and (re)install the dev lock when it changed since the last install.
ensure_venv() {
    local python
    if [ ! -x "$VENV/bin/python" ]; then
        python="$(find_python)"
        log "Creating virtualenv .venv with $python"
        if ! "$python" -m venv "$VENV" 2>/dev/null; then
            # Debian's own python3 ships venv separately.
            rm -rf "$VENV"
            can_apt && apt_install python3-venv
            "$python" -m venv "$VENV"
        fi
    fi
    # Development and tests install the dev lock (runtime lock + test tools); production installs
    # requirements.txt (the runtime lock only), see the README.
    local reqs="$ROOT/requirements/dev.txt"
    local stamp="$VENV/.requirements.sha256" want
    want="$(cat "$ROOT/requirements/base.txt" "$reqs" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "Installing requirements/dev.txt into .venv"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs"
        echo "$want" >"$stamp"
    fi
}

# Debian's chromium (Playwright cannot download its own browsers here), CJK fonts so Chinese pages
# render, and zbar for the QR-code tests. Installed when missing and we are root.
ensure_test_packages() {
    local missing=()
    [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
    local pkg
    for pkg in fonts-noto-cjk libzbar0; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if can_apt; then
        apt_install "${missing[@]}"
    else
        log "Missing Debian packages: ${missing[*]} (not root: the browser/QR tests will fail; apt-get install -y ${missing[*]})"
    fi
}
