#!/usr/bin/env bash
# Install the system packages campusgrid needs, or say exactly how to.
#   scripts/system-deps.sh run    python3-venv, SpatiaLite, a CJK font (the QR sheets)
#   scripts/system-deps.sh test   the above + PostgreSQL with PostGIS + Chromium
# Idempotent: installs only what is missing; a second run does nothing.
set -euo pipefail
what="${1:-run}"

say() { printf 'campusgrid: %s\n' "$*" >&2; }

have_venv() { python3 -c 'import ensurepip, venv' >/dev/null 2>&1; }
have_spatialite() {
  local f
  for f in /usr/lib/*/mod_spatialite.so /usr/lib/mod_spatialite.so /usr/lib64/mod_spatialite.so \
           /opt/homebrew/lib/mod_spatialite.dylib /usr/local/lib/mod_spatialite.dylib; do
    [ -e "$f" ] && return 0
  done
  return 1
}
have_postgis() {
  local d
  for d in /usr/share/postgresql/*/extension/postgis.control; do
    [ -e "$d" ] || continue
    local v; v=$(basename "$(dirname "$(dirname "$d")")")
    [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] && return 0
  done
  return 1
}
have_chromium() { [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; }
# The browser tests save screenshots of a Chinese UI: without a CJK font they show boxes.
have_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }

missing=()
have_venv || missing+=(venv)
have_spatialite || missing+=(spatialite)
# `campusgrid qr` embeds a Chinese font in its PDF (macOS ships one).
[ "$(uname -s)" = Darwin ] || have_cjk_font || missing+=(cjkfont)
if [ "$what" = test ]; then
  have_postgis || missing+=(postgis)
  have_chromium || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

# Debian/Ubuntu package names for what is missing.
postgis_pkg() {
  local p
  p=$(apt-cache pkgnames postgresql- 2>/dev/null | grep -E '^postgresql-[0-9]+-postgis-3$' | sort -V | tail -n 1 || true)
  echo "${p:-postgresql-15-postgis-3}"
}
debian_pkgs() {
  local pkgs=() m
  for m in "${missing[@]}"; do
    case "$m" in
      venv) pkgs+=(python3-venv) ;;
      spatialite) pkgs+=(libsqlite3-mod-spatialite) ;;
      postgis) pkgs+=("$(postgis_pkg)") ;;
      chromium) pkgs+=(chromium) ;;
      cjkfont) pkgs+=(fonts-noto-cjk) ;;
    esac
  done
  echo "${pkgs[@]}"
}
brew_pkgs() {
  local pkgs=() m
  for m in "${missing[@]}"; do
    case "$m" in
      spatialite) pkgs+=(libspatialite) ;;
      postgis) pkgs+=(postgresql@15 postgis) ;;
      chromium) pkgs+=(--cask chromium) ;;
    esac
  done
  echo "${pkgs[@]}"
}

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd="sudo"; fi
fi

if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo_cmd" ]; }; then
  say "installing system packages for: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  pkgs=$(debian_pkgs)
  say "apt-get install -y $pkgs"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  exit 0
fi

say "missing system packages for: ${missing[*]}; install them and run make again:"
if command -v apt-get >/dev/null 2>&1; then
  say "  sudo apt-get update && sudo apt-get install -y $(debian_pkgs)"
elif [ "$(uname -s)" = Darwin ]; then
  say "  brew install $(brew_pkgs)"
else
  say "  Debian/Ubuntu: sudo apt-get install -y python3-venv libsqlite3-mod-spatialite postgresql-15-postgis-3 chromium fonts-noto-cjk"
  say "  macOS:         brew install libspatialite postgresql@15 postgis && brew install --cask chromium"
fi
exit 1
