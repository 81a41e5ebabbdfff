#!/usr/bin/env bash
# Install everything the tests need (Debian's chromium and fonts, .venv with the test extras),
# then run every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh "[test]"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
apt_install "${missing[@]}"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
