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
# One pytest worker per core (at most 4: each test's build already runs a worker per core): the
# suite took 9 min 17 s in one process on 2 cores, 6 min 5 s in two.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n auto --maxprocesses 4 "$@"
