#!/usr/bin/env bash
# Set up everything dlref needs on a fresh machine, idempotently:
#   1. the virtual environment .venv with dlref (editable) and its torch, docs and test extras,
#      torch pinned to the CPU build by scripts/constraints.txt;
#   2. the site's front-end assets (MathJax, Mermaid, the Chinese web font Noto Sans SC from
#      @fontsource/noto-sans-sc) from npm at the versions pinned in assets/package-lock.json,
#      into assets/node_modules (served by the site, never from a CDN, not committed);
#   3. with --browser (the tests' set-up; needs root or sudo), Debian packages the tests use:
#      Chromium for the browser tests and fortunes (the labelled text of the sequence pages).
# Each step is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "usage: scripts/setup.sh [--browser]" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-python3}
stamp=.venv/.dlref-installed
deps_hash=$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$deps_hash" ]; then
  echo "== Python environment (.venv)"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  # --no-compile, then compileall on every core: the same bytecode, twice as fast (pip
  # compiles one file at a time; the tests run with PYTHONDONTWRITEBYTECODE=1 here, so the
  # bytecode must exist before they start). A file that does not compile is skipped, as pip
  # skips it.
  .venv/bin/python -m pip install --quiet --no-compile -c scripts/constraints.txt -e ".[torch,docs,test]"
  .venv/bin/python -m compileall -q -j 0 "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null || true
  echo "$deps_hash" > "$stamp"
fi

if [ ! -f assets/node_modules/.package-lock.json ] || [ assets/package-lock.json -nt assets/node_modules/.package-lock.json ]; then
  echo "== Front-end assets (npm ci in assets/)"
  (cd assets && npm ci --no-audit --no-fund --loglevel=error)
fi

debs=()
if [ "$want_browser" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || debs+=(chromium)
  [ -f /usr/share/games/fortunes/computers ] || debs+=(fortunes)
fi
if [ "${#debs[@]}" -gt 0 ]; then
  echo "== Debian packages for the tests: ${debs[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${debs[@]}" >/dev/null
fi
