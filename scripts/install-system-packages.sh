#!/usr/bin/env bash
# System packages Whole Journey needs: Chromium (browser tests), Debian's Khmer fonts (pages and
# PDFs), WeasyPrint's libraries (Pango, HarfBuzz), poppler-utils (reading PDFs back in tests),
# gettext (compiling the Khmer catalogue) and postgresql-client (pg_dump and pg_restore, for
# `wholejourney backup` and `restore` on PostgreSQL; their version must be at least the server's).
# Installs what is missing when run as root; otherwise says what to install.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi 'khmer os' || missing+=(fonts-khmeros)
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing+=(libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || missing+=(postgresql-client)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
