# Sourced by scripts/run and scripts/test: installs whatever is missing and
# puts the project's tools on PATH. Every step checks first, so with all in
# place this takes a second or two.
#
# Installs: the wasm32 target, trunk 0.21.14, wasm-bindgen-cli equal to the
# locked wasm-bindgen, Chromium + ChromeDriver and the PostgreSQL server
# (Debian), Node.js if absent, and the npm tooling from package-lock.json
# (binaryen's wasm-opt 132, Playwright).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRUNK_VERSION="0.21.14"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

setup_start=$(date +%s)

command -v cargo >/dev/null || { echo "error: cargo is missing: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (a few minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # Not --locked: its lock file wants a crate newer than the registry offers.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

missing_debs=()
command -v chromium >/dev/null || missing_debs+=(chromium)
command -v chromedriver >/dev/null || missing_debs+=(chromium-driver)
command -v node >/dev/null || missing_debs+=(nodejs)
command -v npm >/dev/null || missing_debs+=(npm)
# Server binaries for the tests' throwaway database (crates/server/tests/support/postgres.rs);
# the cluster Debian may create and start on 5432 is not used.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing_debs+=(postgresql)
if [ ${#missing_debs[@]} -gt 0 ]; then
  apt_install "${missing_debs[@]}"
fi

# npm ci only when package-lock.json changed since the last install.
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.advocase-lock 2>/dev/null || true)" != "$lock_sum" ]; then
  say "installing npm tooling from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.advocase-lock
fi

# The build shows which commit it came from (Settings → About).
ADVOCASE_BUILD_ID="$(git describe --always --dirty 2>/dev/null || echo unknown)"
export ADVOCASE_BUILD_ID

say "setup ready in $(( $(date +%s) - setup_start ))s (trunk $TRUNK_VERSION, wasm-bindgen $WASM_BINDGEN_VERSION, $(wasm-opt --version | cut -d' ' -f1-3), $(chromium --version 2>/dev/null | head -1))"
