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

log "Creating/updating the database"
"$PY" manage.py migrate --noinput
log "Loading the demo bank (seed_demo $*)"
"$PY" manage.py seed_demo "$@"

password="demo12345"
args=("$@")
for i in "${!args[@]}"; do
    case "${args[$i]}" in
    --password) password="${args[$((i + 1))]:-$password}" ;;
    --password=*) password="${args[$i]#--password=}" ;;
    esac
done
cat <<BANNER

  转介与营销过程管理 — demo running at http://$ADDR/
  Sign in with an employee number and the password $password:
    HQ001  head office (总行)                  BM001  manager of 长春分行
    OH001  head of an outlet in that branch    WM001  wealth manager in that outlet
    LO001  loan officer in that outlet         OS001  outsourced lobby manager
  API docs: http://$ADDR/api/docs/   Admin: http://$ADDR/admin/   Stop: Ctrl-C

BANNER
exec "$PY" manage.py runserver "$ADDR"
