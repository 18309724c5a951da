#!/usr/bin/env bash
# Install the Debian packages Lastmile needs from the system, when they are missing.
#   scripts/system-packages.sh          what the app needs: Pango (WeasyPrint) and a CJK font
#   scripts/system-packages.sh --test   also Chromium (browser tests), gettext and faketime
# Without root or apt-get it only says what is missing; it never fails the caller.
set -uo pipefail

wanted=(libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk)
if [ "${1:-}" = "--test" ]; then
  wanted+=(chromium gettext faketime)
fi

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Lastmile: install these system packages (or your system's equivalents): ${missing[*]}" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    echo "Lastmile: run as root to install: apt-get install ${missing[*]}" >&2
    exit 0
  fi
fi
echo "Lastmile: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
