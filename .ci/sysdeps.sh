#!/usr/bin/env bash
# Installs the system packages the project needs when they are missing (Debian/Ubuntu, as root or with sudo),
# and says what to install when it cannot. Quiet when everything is already there.
#   fonts-noto-cjk  - Noto Sans CJK TC/SC for zh-TW / zh-CN charts and PDFs
#   fonts-liberation - Liberation Sans, the Latin face of English documents (DejaVu Sans is only the fallback)
#   poppler-utils   - pdftotext / pdffonts, used by the PDF tests
#   chromium        - headless browser for the HTML test
set -u
need=()
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || need+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -q "Liberation Sans" || need+=(fonts-liberation)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

echo "==> system packages missing: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  export DEBIAN_FRONTEND=noninteractive
  if $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
    # matplotlib caches its font list; a cache built before the fonts existed would not see them.
    rm -rf "${HOME:-/root}/.cache/matplotlib" 2>/dev/null
    echo "==> installed: ${need[*]}"
    exit 0
  fi
fi
cat >&2 <<MSG
!!  Could not install system packages automatically: ${need[*]}
!!  Install them yourself, e.g. on Debian/Ubuntu:  sudo apt-get install ${need[*]}
!!  (macOS: brew install --cask font-noto-sans-cjk font-liberation; brew install poppler; a Chromium or Chrome browser.)
!!  Tests that need them will be skipped with a message saying so.
MSG
exit 0
