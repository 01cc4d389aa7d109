#!/usr/bin/env bash
# Tests the package as a user gets it: `npm pack` (prepack builds dist/), then `npm install <tarball>` into an
# empty directory (dependencies come from the registry or its cache), and runs the installed `tessera`:
# --version, `scan` on a directory with a planted token, the two `exports`, and `serve --demo` answering
# /api/versions. Prints one line `test-package: PASS ...` or `test-package: FAIL: <step>`; exit status 0 or 1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="$(mktemp -d /tmp/tessera-package.XXXXXX)"
SERVER_PID=""
step="start"
finish() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  if [ $rc -eq 0 ]; then
    echo "test-package: PASS (tarball $(basename "${TARBALL:-?}"), $(node --version))"
    rm -rf "$WORK"
  else
    echo "test-package: FAIL: $step (work directory kept: $WORK)"
  fi
}
trap finish EXIT
fail() {
  echo "test-package: $*" >&2
  exit 1
}

step="npm pack"
TARBALL="$WORK/$(npm pack --silent --pack-destination "$WORK" | tail -n 1)"
[ -f "$TARBALL" ] || fail "npm pack produced no tarball"
listing="$(tar -tzf "$TARBALL")"
# The docs the installed command's --help points to (docs/cli.md, configuration.md, inventory.schema.json) and the
# license travel with it (until 2026-12-06 the tarball had neither).
for f in package/bin/tessera.js package/dist/cli/main.js package/dist/index.js package/dist/index.d.ts \
  package/dist/client/index.js package/dist/client/index.d.ts package/dist/http/portal/static/app.js \
  package/LICENSE package/docs/cli.md package/docs/configuration.md package/docs/inventory.schema.json; do
  grep -qx "$f" <<<"$listing" || fail "$f is missing from the tarball"
done
if grep -q '^package/src/\|^package/test/\|\.ts$' <<<"$(grep -v '\.d\.ts$' <<<"$listing")"; then
  fail "the tarball carries TypeScript sources or tests"
fi

step="npm install of the tarball into an empty directory"
mkdir -p "$WORK/app"
cd "$WORK/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$TARBALL" >"$WORK/npm-install.log" 2>&1 || {
  cat "$WORK/npm-install.log" >&2
  fail "npm install failed"
}
[ ! -e node_modules/tsx ] || fail "tsx was installed with the package (it must be a devDependency)"
TESSERA="$WORK/app/node_modules/.bin/tessera"

step="tessera --version"
version="$("$TESSERA" --version)"
expected="$(node -p "require('$ROOT/package.json').version")"
[ "$version" = "$expected" ] || fail "tessera --version printed '$version', expected '$expected'"

step="the package's exports"
node --input-type=module -e "
  const server = await import('@tessera-vcd/server');
  const client = await import('@tessera-vcd/server/client');
  if (typeof server.startServer !== 'function' || typeof client.VcdClient !== 'function') throw new Error('exports');
  console.log(server.generateApiToken());" >"$WORK/token.txt"
grep -qE '^[A-Za-z0-9]{32}$' "$WORK/token.txt" || fail "generateApiToken from the package printed no token"

step="tessera scan"
mkdir -p "$WORK/repo/config" "$WORK/clean"
printf 'export VCD_TOKEN=%s\n' "$(cat "$WORK/token.txt")" >"$WORK/repo/config/ci.env"
echo 'nothing to see' >"$WORK/clean/readme.txt"
"$TESSERA" scan "$WORK/clean" >/dev/null || fail "tessera scan reported a token in a clean directory"
set +e
scan_out="$("$TESSERA" scan "$WORK/repo" 2>&1)"
scan_rc=$?
set -e
[ $scan_rc -eq 1 ] || fail "tessera scan exited $scan_rc on a planted token, expected 1"
grep -q 'ci.env' <<<"$scan_out" || fail "tessera scan did not name the file: $scan_out"

step="tessera serve --demo"
PORT="$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
"$TESSERA" serve --demo --http --port "$PORT" --data-dir "$WORK/data" --log-level warn >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
ok=""
for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$PORT/api/versions" 2>/dev/null | grep -q '<SupportedVersions'; then
    ok=1
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.2
done
[ -n "$ok" ] || {
  cat "$WORK/serve.log" >&2
  fail "no answer from /api/versions within 30 s"
}
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "tessera serve exited non-zero after SIGTERM"
SERVER_PID=""
step="done"
