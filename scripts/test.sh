#!/usr/bin/env bash
# The whole test suite. Embedded default (SQLite, tasks in-process) unless DATABASE_URL etc. are set;
# .ci/run calls it twice: as is, and with PostgreSQL, Redis and a real Celery worker.
# Extra arguments go to pytest, e.g. ./scripts/test.sh org/tests -x
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_venv
ensure_test_packages

export DJANGO_SETTINGS_MODULE=config.settings.test
status=0
"$VENV/bin/python" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure, not a pass" >&2
    exit 1
fi
exit "$status"
