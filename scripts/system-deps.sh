#!/usr/bin/env bash
# Install the Debian packages Lifeline needs when missing (as root), or say what to do.
#
#   scripts/system-deps.sh            for `make test`: chromium (browser tests, briefing PDF),
#                                     fonts-noto-cjk (Chinese in screenshots, PDF and map),
#                                     poppler-utils (pdftotext/pdfinfo check the PDF) and
#                                     postgresql (the tests start throwaway servers of it on
#                                     loopback); exits 1 when they are missing and cannot be
#                                     installed.
#   scripts/system-deps.sh --runtime  for `make run`: chromium and fonts-noto-cjk only, for the
#                                     briefing PDF. The app works without them, so a missing
#                                     package is a warning, never a failure.
set -euo pipefail
runtime=0
[ "${1:-}" = "--runtime" ] && runtime=1
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ $runtime -eq 0 ]; then
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages..."
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
    exit 0
  fi
  [ $runtime -eq 1 ] || exit 1
  echo "Warning: could not install ${missing[*]}; the app runs, but the briefing PDF needs them." >&2
elif [ $runtime -eq 1 ]; then
  echo "Warning: missing ${missing[*]}; the app runs, but the briefing PDF needs them" \
       "(sudo apt-get install ${missing[*]})." >&2
else
  echo "Missing system packages: ${missing[*]}." >&2
  echo "Install them with: sudo apt-get install ${missing[*]}  — then run make test again." >&2
  exit 1
fi
