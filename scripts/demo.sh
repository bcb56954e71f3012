#!/usr/bin/env bash
# Set everything up and start the product on the embedded default (SQLite, Celery tasks run
# in-process) with a demo bank at http://127.0.0.1:8000. Safe to run again: it keeps the data.
# Extra arguments go to seed_demo, e.g. ./scripts/demo.sh --size regional
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_venv
export DJANGO_SETTINGS_MODULE=config.settings.dev
PY="$VENV/bin/python"
ADDR="${DEMO_ADDR:-127.0.0.1:8000}"
# QR codes, posters and links point at the address this demo is served on.
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://$ADDR}"

log "Creating/updating the database"
"$PY" manage.py migrate --noinput -v 0
log "Loading the demo bank (seed_demo $*)"
"$PY" manage.py seed_demo "$@"

# seed_demo has just printed the sign-ins (HQ001, BM001, OH001, WM001, LO001, OS001, admin).
cat <<BANNER

  转介与营销过程管理 demo: http://$ADDR/   (sign in with an account above)
  API docs: http://$ADDR/api/docs/   Admin: http://$ADDR/admin/   Stop: Ctrl-C

BANNER
exec "$PY" manage.py runserver "$ADDR"
