#!/usr/bin/env bash
# Install sitegen into .venv, build the sample site and serve it on http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh ""
exec .venv/bin/sitegen serve --site . "$@"
