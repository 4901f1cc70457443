#!/usr/bin/env bash
# Browser tests drive Debian's chromium (Playwright cannot download its own browser here).
# Install it when missing; say clearly what to do when that is not possible.
set -u
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "chromium is not installed: installing Debian's chromium for the browser tests..."
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO=none; fi
if [ "$SUDO" = none ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "WARNING: cannot install chromium (needs apt-get as root). Browser tests will be SKIPPED." >&2
  echo "         Install it yourself: sudo apt-get install chromium" >&2
  exit 0
fi
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }; then
  echo "WARNING: 'apt-get install chromium' failed. Browser tests will be SKIPPED." >&2
  exit 0
fi
echo "chromium installed: $(chromium --version)"
