#!/usr/bin/env bash
# Installs IA Publique in ./.venv with its web assets; with --test, also what the test suite needs
# (Debian's chromium, PostgreSQL 15 and Tesseract from apt, the Spark and PostgreSQL extras, dev tools).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "usage : scripts/setup.sh [--test]" >&2; exit 2 ;;
  esac
done

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "» apt : ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

apt_install tesseract-ocr tesseract-ocr-fra
if [ "$want_test" = 1 ]; then
  apt_install chromium postgresql
fi

if [ ! -x .venv/bin/python ]; then
  echo "» environnement Python .venv"
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[dev,spark,postgres]'
else
  .venv/bin/python -m pip install -q -e '.[postgres]'
fi

echo "» ressources web (DSFR, htmx) depuis npm"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
.venv/bin/python scripts/install_assets.py
echo "» installation terminée"
