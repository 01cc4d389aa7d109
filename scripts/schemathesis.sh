#!/usr/bin/env bash
# Schemathesis against a running Tessera, from the OpenAPI document it serves (issue 15 §1; docs/openapi.md).
#
#   bash scripts/schemathesis.sh [sqlite|postgres ...]      (default: both; postgres needs TESSERA_TEST_DATABASE_URL)
#
# Per backend: start Tessera on loopback with the demo data, then for each kind of caller (System administrator
# session, tenant org administrator session, tenant user's bearer from an API-token exchange, no credential, and
# the System administrator signed in to the portal with its cookie) run schemathesis with the checks below. Any failure fails the script. Reports (JUnit + the failing requests)
# go to .schemathesis/report/<backend>-<caller>/.
#
# Settings, each overridable from the environment:
#   ST_MAX_EXAMPLES   test cases per operation and phase (bounded so a run stays small)          default 12
#   ST_MAX_TIME       seconds for one caller's whole run (schemathesis' own --max-time budget)  default 50
#   ST_SEED           the random seed (fixed: a CI failure replays locally with the same seed)   default 15
#   ST_PATHS          a regex of the paths tested (schemathesis --include-path-regex)           default below
#
# ST_PATHS names the areas whose routes declare their whole contract (responses included): /api (VCD's legacy
# API), /cloudapi (entities, pages and errors: src/http/cloudapi/responses.ts), /oauth and /.well-known, /health,
# the portal (/, /tenant, /provider, /static) and /tessera (the document itself): every route the server has.
# `ST_PATHS='^/cloudapi/' bash scripts/schemathesis.sh sqlite` narrows a run to one area.
#
# The portal's callers: without the portal's cookie (the API credentials above, or none) every page must
# redirect to sign-in or refuse, never 5xx; a bearer or a legacy session is not a portal session. With the cookie
# the System administrator's pages under /provider are exercised signed in (pages under /tenant/{org} answer
# "signed in to another org"). The forms need a CSRF token bound to the session, which schemathesis does not
# have: they must answer 403 (or 400 for a malformed form), change nothing, and never end the session.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5 # pinned: a new release can change what "conformance" means
ST_MAX_EXAMPLES="${ST_MAX_EXAMPLES:-12}"
ST_MAX_TIME="${ST_MAX_TIME:-50}"
ST_SEED="${ST_SEED:-15}"
ST_PATHS="${ST_PATHS:-^/(\$|(api|cloudapi|tessera|oauth|health|\.well-known|tenant|provider|static)(/|\$))}"
WORK="$PWD/.schemathesis" # git-ignored: the venv, the data folders and the reports
VENV="$WORK/venv"
ADMIN_PASSWORD='st-Admin-Password-1'
DEMO_PASSWORD='st-Demo-Password-1'

backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)

echo "== schemathesis $SCHEMATHESIS_VERSION (PyPI) in $VENV"
if [ ! -x "$VENV/bin/st" ] || [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

server_pid=''
database_name=''
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$database_name" ]; then
    node -e "const pg=require('pg');const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.query('DROP DATABASE IF EXISTS \"'+process.argv[2]+'\"')).finally(()=>c.end())" \
      "$TESSERA_TEST_DATABASE_URL" "$database_name" || true
  fi
  server_pid='' database_name=''
}
trap cleanup EXIT

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
header_of() { tr -d '\r' | awk -v h="$1" 'BEGIN{IGNORECASE=1} tolower($1)==tolower(h)":" {print $2}' | tail -1; }

# A legacy session id (x-vcloud-authorization) from POST /api/sessions with Basic credentials.
legacy_session() {
  curl -sS -o /dev/null -D - -X POST -u "$1:$2" -H 'Accept: application/*+xml;version=37.0' "$BASE/api/sessions" | header_of x-vcloud-authorization
}

# A tenant user's bearer, as a script gets it: sign in, create an API token (register + jwt-bearer, as govcd does),
# then exchange the API token for an access token (grant_type=refresh_token).
api_token_bearer() {
  local user=$1 org=$2 session client_id api_token
  session=$(curl -sS -o /dev/null -D - -X POST -u "$user@$org:$DEMO_PASSWORD" -H 'Accept: application/json;version=37.0' \
    "$BASE/cloudapi/1.0.0/sessions" | header_of x-vmware-vcloud-access-token)
  client_id=$(curl -sS -X POST -H "Authorization: Bearer $session" -H 'Content-Type: application/json' \
    -d '{"client_name":"schemathesis"}' "$BASE/oauth/tenant/$org/register" | json_field client_id)
  api_token=$(curl -sS -X POST --data-urlencode "assertion=$session" --data-urlencode "client_id=$client_id" \
    --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' "$BASE/oauth/tenant/$org/token" | json_field refresh_token)
  curl -sS -X POST --data-urlencode 'grant_type=refresh_token' --data-urlencode "refresh_token=$api_token" \
    "$BASE/oauth/tenant/$org/token" | json_field access_token
}

# One schemathesis run. Checks:
#   not_a_server_error           no 5xx, whatever the input
#   status_code_conformance      every status answered is one the operation declares
#   content_type_conformance     every Content-Type answered is one the operation declares for that status
#   response_schema_conformance  every JSON answer matches its declared schema
# Excluded operations, because they would make the rest of the run meaningless (the caller's credential must stay
# valid to the end): signing the caller's own session out (DELETE /api/session, DELETE /cloudapi/1.0.0/sessions
# and .../sessions/current). Everything else runs: writes address entities by random ids (403, nothing changes),
# and token revocation only ends the token it is given (random, so none). The portal's sign-out runs too: it
# needs the session's CSRF token, so it must refuse (403) and leave the portal caller signed in.
# The portal's session cookie (tessera_session over plain HTTP), as a browser gets it: the sign-in form (its CSRF
# token is bound to a cookie set with the form), then the form posted with that token.
portal_session_cookie() {
  local portal=$1 user=$2 password=$3 jar csrf
  jar=$(mktemp)
  csrf=$(curl -sS -c "$jar" -b "$jar" "$BASE$portal/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -sS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$csrf" --data-urlencode "username=$user" \
    --data-urlencode "password=$password" "$BASE$portal/login"
  awk -F '\t' '$6 == "tessera_session" {print $7}' "$jar"
  rm -f "$jar"
}

run_caller() {
  local name=$1
  shift
  local report="$WORK/report/$backend-$name"
  rm -rf "$report" && mkdir -p "$report"
  echo "== schemathesis: $backend, $name"
  "$VENV/bin/st" run "$BASE/tessera/openapi.json" \
    --url "$BASE" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$ST_MAX_EXAMPLES" \
    --max-time "$ST_MAX_TIME" \
    --seed "$ST_SEED" \
    --phases examples,coverage,fuzzing \
    --include-path-regex "$ST_PATHS" \
    --workers 1 \
    --request-timeout 10 \
    --suppress-health-check all \
    --exclude-name 'DELETE /api/session' \
    --exclude-name 'DELETE /cloudapi/1.0.0/sessions' \
    --exclude-name 'DELETE /cloudapi/1.0.0/sessions/current' \
    --report junit --report-dir "$report" \
    --no-color \
    "$@"
}

status=0
for backend in "${backends[@]}"; do
  data_dir="$WORK/data-$backend"
  rm -rf "$data_dir" && mkdir -p "$data_dir"
  database_args=()
  if [ "$backend" = postgres ]; then
    if [ -z "${TESSERA_TEST_DATABASE_URL:-}" ]; then
      echo "TESSERA_TEST_DATABASE_URL is not set: cannot run schemathesis on PostgreSQL (scripts/start-postgres.sh)" >&2
      exit 1
    fi
    database_name="tessera_st_$$"
    node -e "const pg=require('pg');const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.query('CREATE DATABASE \"'+process.argv[2]+'\"')).then(()=>c.end(),e=>{console.error(e.message);process.exit(1)})" \
      "$TESSERA_TEST_DATABASE_URL" "$database_name"
    database_args=(--database-url "$(node -e "const u=new URL(process.argv[1]);u.pathname='/'+process.argv[2];console.log(u.href)" "$TESSERA_TEST_DATABASE_URL" "$database_name")")
  elif [ "$backend" != sqlite ]; then
    echo "unknown backend $backend (sqlite or postgres)" >&2
    exit 2
  fi
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  BASE="http://127.0.0.1:$port"
  echo "== Tessera on $BASE ($backend, demo data)"
  # Rate limits are raised: schemathesis sends thousands of requests from one address, and a 429 would hide the
  # answer under test. Sign-in failure lockouts stay as they are (the callers sign in before the runs).
  TESSERA_ADMIN_PASSWORD="$ADMIN_PASSWORD" TESSERA_DEMO_PASSWORD="$DEMO_PASSWORD" \
    TESSERA_SIGN_IN_RATE_LIMIT=10000000 TESSERA_TOKEN_RATE_LIMIT_PER_IP=10000000 TESSERA_TOKEN_RATE_LIMIT_PER_TOKEN=10000000 \
    node --import tsx src/cli/main.ts serve --demo --http --host 127.0.0.1 --port "$port" --data-dir "$data_dir" \
    --log-level error "${database_args[@]}" >"$WORK/server-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 360); do # up to 3 minutes: a loaded CI machine compiles the TypeScript slowly
    curl -sf -o /dev/null "$BASE/api/versions" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$WORK/server-$backend.log" >&2; exit 1; }
    sleep 0.5
  done
  curl -sf -o /dev/null "$BASE/tessera/openapi.json" || { echo "Tessera did not start" >&2; cat "$WORK/server-$backend.log" >&2; exit 1; }

  # Each caller's credential is made just before its run, so nothing an earlier run did can have ended it.
  system_session=$(legacy_session administrator@System "$ADMIN_PASSWORD")
  [ -n "$system_session" ] || { echo "System administrator sign-in failed" >&2; exit 1; }
  run_caller system-admin -H "x-vcloud-authorization: $system_session" || status=1

  org_admin_session=$(legacy_session alice@acme "$DEMO_PASSWORD")
  [ -n "$org_admin_session" ] || { echo "org administrator sign-in failed" >&2; exit 1; }
  run_caller org-admin -H "x-vcloud-authorization: $org_admin_session" || status=1

  bearer=$(api_token_bearer bob acme)
  [ -n "$bearer" ] || { echo "API-token exchange failed" >&2; exit 1; }
  run_caller api-token-user -H "Authorization: Bearer $bearer" || status=1

  run_caller anonymous || status=1

  portal_cookie=$(portal_session_cookie /provider administrator "$ADMIN_PASSWORD")
  [ -n "$portal_cookie" ] || { echo "portal sign-in (System administrator) failed" >&2; exit 1; }
  run_caller portal-session -H "Cookie: tessera_session=$portal_cookie" || status=1
  # The run must not have ended the portal session (its sign-out form needs the CSRF token schemathesis lacks).
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: tessera_session=$portal_cookie" "$BASE/provider/preferences")" = 200 ] ||
    { echo "the portal session did not survive the run" >&2; status=1; }

  if grep -q '"level":50' "$WORK/server-$backend.log"; then
    echo "the server logged errors during the $backend run:" >&2
    grep '"level":50' "$WORK/server-$backend.log" | head -20 >&2
    status=1
  fi
  cleanup
done
exit $status
