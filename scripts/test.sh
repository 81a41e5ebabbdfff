#!/usr/bin/env bash
# Install everything the tests need (Debian's chromium, fonts and redis-server, .venv with the test extras),
# then run every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh "[test]"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
apt_install "${missing[@]}"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
