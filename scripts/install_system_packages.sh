#!/usr/bin/env bash
# Installs the Debian packages the tests need, when missing (run by `make test` before anything
# else). Quiet and quick when everything is there.
#   chromium, chromium-driver   browser tests of the web chat widget (tests/web)
#   fonts-wqy-microhei          a CJK font, so the browser renders (and screenshots) Chinese text
#   postgresql, redis-server    production-profile tests (tests/scale): throw-away instances
# Installs as root or with passwordless sudo; otherwise stops at once with the one command to run.
# Exit status: 0 all present (or installed), 1 missing and not installable here.
set -euo pipefail

PACKAGES=(chromium chromium-driver fonts-wqy-microhei postgresql redis-server)

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for pkg in "${PACKAGES[@]}"; do
    # "install ok installed" only: a removed package leaves "deinstall ok config-files" behind.
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
  done
else
  echo "error: not a Debian/Ubuntu system (no dpkg). The tests need: ${PACKAGES[*]}" >&2
  echo "Install their equivalents with your package manager, then run 'make test' again." >&2
  exit 1
fi

[ ${#missing[@]} -eq 0 ] && exit 0

command_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "error: the tests need system packages that are missing: ${missing[*]}" >&2
  echo "Run this once (needs root), then 'make test' again:" >&2
  echo "  sudo sh -c '$command_line'" >&2
  exit 1
fi

echo "Installing system packages for the tests: ${missing[*]} (first run, about 1-3 minutes)..."
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp -t apt-install.XXXXXX.log)
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "error: installing ${missing[*]} failed (full log: $log). Try: sudo sh -c '$command_line'" >&2
  exit 1
fi
rm -f "$log"
echo "Installed: ${missing[*]}"
