#!/usr/bin/env bash
# Fuzz the whole OpenAPI schema against the demo bank, as a staff member and as a manager
# (issue 7 §4): a fresh SQLite demo, served by runserver on a free port, schemathesis 4.x with a fixed
# seed and the checks not_a_server_error, ignored_auth and response_schema_conformance. Any finding
# fails. Called by .ci/run; run it alone with ./scripts/schemathesis.sh [extra st options].
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_venv

ST_VENV="$ROOT/.venv-schemathesis"
if [ ! -x "$ST_VENV/bin/st" ] || ! cmp -s "$ROOT/requirements/schemathesis.txt" "$ST_VENV/.requirements"; then
    log "Installing schemathesis into .venv-schemathesis"
    "$(find_python)" -m venv "$ST_VENV"
    "$ST_VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements/schemathesis.txt"
    cp "$ROOT/requirements/schemathesis.txt" "$ST_VENV/.requirements"
fi

WORK="$(mktemp -d /tmp/schemathesis.XXXXXX)"
PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DJANGO_SETTINGS_MODULE=config.settings.dev DATABASE_URL="sqlite:///$WORK/demo.sqlite3" MEDIA_ROOT="$WORK/media"
export REDIS_URL="" CELERY_BROKER_URL="" API_DOCS_PUBLIC=true PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
# The fuzzer is one client sending thousands of requests: throttles would answer 429 for the rest.
export LOGIN_FAILURE_LIMIT_PER_ACCOUNT=1000000 LOGIN_FAILURE_LIMIT_PER_CLIENT=1000000

log "Demo bank for the fuzzer in $WORK"
"$VENV/bin/python" manage.py migrate --noinput -v 0
"$VENV/bin/python" manage.py seed_demo >"$WORK/seed.log"
"$VENV/bin/python" manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$PORT/api/schema/" -o "$WORK/schema.yaml" && break; sleep 0.5; done

token() {
    curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
        -d "{\"employee_no\": \"$1\", \"password\": \"demo12345\"}" | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

status=0
for who in WM001 BM001; do
    log "schemathesis as $who"
    # Sign-out endpoints would end the run's own token: fuzzed by the test suite instead.
    # One worker: two threads once tripped a CPython 3.11 "AST constructor recursion depth" error
    # inside hypothesis (a runtime error of the tool, not a finding about the API).
    "$ST_VENV/bin/st" run "http://127.0.0.1:$PORT/api/schema/" \
        -H "Authorization: Token $(token "$who")" \
        --checks not_a_server_error,ignored_auth,response_schema_conformance \
        --exclude-path-regex '/auth/token/(refresh|revoke)$' \
        --seed 20261202 --max-examples "${ST_MAX_EXAMPLES:-15}" --workers 1 \
        --no-shrink "$@" || status=1
done
if [ "$status" -ne 0 ]; then
    echo "--- server log (last 60 lines) ---"; tail -60 "$WORK/server.log"
fi
exit "$status"
