#!/usr/bin/env bash
# Builds the real VCD clients that test/conformance drives (issue 5; docs/conformance.md):
#   test/conformance/govcd/bin/govcd-v2   go-vcloud-director/v2 v2.26.1  (go.mod + go.sum)
#   test/conformance/govcd/bin/govcd-v3   go-vcloud-director/v3 v3.1.1   (go.v3.mod + go.v3.sum, -tags govcd_v3)
#   test/conformance/capvcd/bin/capvcd-conformance   CAPVCD's SDK: cloud-provider-for-cloud-director
#                                         v0.0.0-20240422223843-6dd634aca882 (pkg/vcdsdk) on go-vcloud-director/v2
#                                         v2.26.0-alpha.6, the versions CAPVCD pins (go.mod + go.sum)
#   test/conformance/.venv                pyvcloud 23.0.4 + requests     (test/conformance/pyvcloud/requirements.txt)
#                                         and vcd-cli 24.0.1, VMware's `vcd` (test/conformance/vcd-cli/requirements.txt)
#   test/conformance/terraform/bin/terraform               Terraform v1.5.7 (the last MPL-2.0 release),
#                                         `go install github.com/hashicorp/terraform@v1.5.7` (verified by sum.golang.org)
#   test/conformance/terraform/bin/terraform-provider-vcd  vmware/vcd v3.14.1, unmodified (terraform/provider/go.mod
#                                         + go.sum), on go-vcloud-director v2.26.1
#   test/conformance/oauth-libs/bin/xoauth2  golang.org/x/oauth2 v0.38.0 (oauth-libs/xoauth2/go.mod + go.sum)
#   test/conformance/oauth-libs/.venv     authlib 1.9.10, requests-oauthlib 2.0.0 (test/conformance/oauth-libs/requirements.txt),
#                                         generic OAuth client libraries (oauth-libs.test.ts), a venv of their own
# Go modules come from the Go module proxy, Python packages from PyPI. Idempotent: a stamp (hash of the
# inputs and the toolchain) skips what is already built, so a second run takes well under a second.
#
# Usage: scripts/setup-conformance.sh [all|govcd|capvcd|pyvcloud|terraform|oauthlibs]      (default: all)
# On a missing toolchain or registry it exits non-zero with a line starting "SETUP FAILED:".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONF="$ROOT/test/conformance"
GOVCD_DIR="$CONF/govcd"
BIN="$GOVCD_DIR/bin"
CAPVCD_DIR="$CONF/capvcd"
CAPVCD_BIN="$CAPVCD_DIR/bin"
VENV="$CONF/.venv"
TF_BIN="$CONF/terraform/bin"
TF_PROVIDER_DIR="$CONF/terraform/provider"
REQUIREMENTS="$CONF/pyvcloud/requirements.txt"
VCD_CLI_REQUIREMENTS="$CONF/vcd-cli/requirements.txt"
OAUTH_LIBS_DIR="$CONF/oauth-libs"
GO_MIN="1.26.2" # go-vcloud-director v3.1.1 declares `go 1.26.2`
STEP_TIMEOUT="${SETUP_CONFORMANCE_TIMEOUT:-600}"
WHAT="${1:-all}"

fail() {
  echo "SETUP FAILED: $*" >&2
  exit 1
}
log() { echo "setup-conformance: $*" >&2; }

case "$WHAT" in all | govcd | capvcd | pyvcloud | terraform | oauthlibs) ;; *) fail "unknown target '$WHAT' (all|govcd|capvcd|pyvcloud|terraform|oauthlibs)" ;; esac
command -v sha256sum >/dev/null || fail "sha256sum not found (coreutils)"
command -v flock >/dev/null || fail "flock not found (util-linux)"
command -v timeout >/dev/null || fail "timeout not found (coreutils)"

# Test files run in parallel and may all call this script: one builder at a time.
mkdir -p "$BIN"
exec 9>"$BIN/.setup.lock"
flock -w 900 9 || fail "could not take $BIN/.setup.lock within 900s"

version_ge() { # version_ge A B: A >= B (dotted numbers)
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]
}

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# Sets up the Go toolchain for a build (shared by govcd and capvcd); its version goes to $GOVER.
# Not called in a command substitution: the exports must reach the caller's shell.
go_toolchain() {
  command -v go >/dev/null || fail "the Go toolchain is not installed (need Go >= $GO_MIN for go-vcloud-director v3.1.1)"
  export GOTOOLCHAIN=local # never try to download another toolchain
  export GOFLAGS="-mod=mod -buildvcs=false"
  local gover
  gover=$(go env GOVERSION) || fail "'go env GOVERSION' failed"
  version_ge "${gover#go}" "$GO_MIN" || fail "Go $gover is too old: go-vcloud-director v3.1.1 needs Go >= $GO_MIN"
  GOVER="$gover"
}

# Finds python3 for a venv and checks its version: `python_toolchain "authlib 1.9.10" 3.9` sets $PY and $PYVER.
# Not called in a command substitution, for the same reason as go_toolchain.
python_toolchain() {
  PY=$(command -v python3 || true)
  [ -n "$PY" ] || fail "python3 is not installed (needed for $1)"
  PYVER=$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])') || fail "python3 does not run"
  version_ge "$PYVER" "$2" || fail "Python $PYVER is too old for $1 (need >= $2)"
}

# The hash a Go build is stamped with: the toolchain, the platform, the build tags, the module files and the sources.
go_sources_hash() { # go_sources_hash DIR MODFILE SUMFILE TAGS
  (echo "$GOVER $(go env GOOS GOARCH) $4"; cat "$1/$2" "$1/$3" "$1"/*.go) | sha256sum | cut -d' ' -f1
}

# Builds the Go program in DIR into OUT, unless STAMP says OUT was built from the same toolchain, module files and
# sources; prints the versions of the modules DEPS (an awk regex) that went into it. Shared by govcd (v2 and v3),
# capvcd and xoauth2. Call go_toolchain first.
go_build_stamped() { # go_build_stamped NAME DIR OUT STAMP DEPS [MODFILE SUMFILE TAGS]
  local name="$1" dir="$2" out="$3" stamp="$4" deps="$5" modfile="${6:-go.mod}" sumfile="${7:-go.sum}" tags="${8:-}"
  local want before
  want=$(go_sources_hash "$dir" "$modfile" "$sumfile" "$tags")
  if [ -x "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "$name up to date ($out)"
    return
  fi
  log "building $name with $GOVER ($modfile) ..."
  mkdir -p "$(dirname "$out")"
  before=$(hash_of "$dir/$modfile" "$dir/$sumfile")
  (
    cd "$dir"
    timeout "$STEP_TIMEOUT" go mod download -modfile="$modfile" ||
      fail "go mod download ($name, $modfile) failed: is the Go module proxy ($(go env GOPROXY)) reachable?"
    timeout "$STEP_TIMEOUT" go build -modfile="$modfile" ${tags:+-tags "$tags"} -trimpath -o "$out.tmp" . ||
      fail "go build of $name failed (see the compiler output above)"
  ) || exit 1
  mv -f "$out.tmp" "$out"
  if [ "$(hash_of "$dir/$modfile" "$dir/$sumfile")" != "$before" ]; then
    log "WARNING: the build changed $name's $modfile or $sumfile; the committed files are incomplete (review and keep the change)"
    want=$(go_sources_hash "$dir" "$modfile" "$sumfile" "$tags")
  fi
  echo "$want" >"$stamp"
  log "built $out: $(go version -m "$out" | awk -v deps="$deps" '$1 == "dep" && $2 ~ deps {print $2, $3}' | tr '\n' ' ')"
}

build_govcd() {
  go_toolchain
  local major
  for major in v2 v3; do
    if [ "$major" = v2 ]; then
      go_build_stamped govcd-v2 "$GOVCD_DIR" "$BIN/govcd-v2" "$BIN/.stamp-v2" 'go-vcloud-director'
    else
      go_build_stamped govcd-v3 "$GOVCD_DIR" "$BIN/govcd-v3" "$BIN/.stamp-v3" 'go-vcloud-director' go.v3.mod go.v3.sum govcd_v3
    fi
  done
}

# CAPVCD's SDK (pkg/vcdsdk of cloud-provider-for-cloud-director). Its tags (1.6.1 ...) have no `v`, so Go
# cannot use them: go.mod pins the pseudo-version the module proxy serves (docs/conformance.md).
build_capvcd() {
  go_toolchain
  go_build_stamped capvcd-conformance "$CAPVCD_DIR" "$CAPVCD_BIN/capvcd-conformance" "$CAPVCD_BIN/.stamp" \
    '(cloud-provider-for-cloud-director|go-vcloud-director)$|go-vcloud-director/v2$'
}

# Terraform and the vmware/vcd provider (test/conformance/terraform.test.ts). Terraform is installed from the module
# proxy by version: v1.5.7's go.mod has no replace directives, so `go install ...@v1.5.7` builds it as released
# (v1.10's go.mod replaces nested modules, which `go install` refuses; v1.5.7 is also the last MPL-2.0 release). The provider is built from a module
# whose go.mod/go.sum pin it and everything it is built from; -X sets the version its User-Agent reports.
TERRAFORM_VERSION=v1.5.7
PROVIDER_VERSION=v3.14.1
build_terraform() {
  go_toolchain
  local gover="$GOVER" out stamp want before
  mkdir -p "$TF_BIN"
  out="$TF_BIN/terraform" stamp="$TF_BIN/.stamp-terraform"
  want=$(echo "$gover $(go env GOOS GOARCH) terraform $TERRAFORM_VERSION" | sha256sum | cut -d' ' -f1)
  if [ -x "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "terraform up to date ($out)"
  else
    log "building terraform $TERRAFORM_VERSION with $gover (a few minutes the first time) ..."
    # About five minutes on two cores with an empty module cache: twice the usual step's time, to keep a margin.
    GOBIN="$TF_BIN" timeout "$((STEP_TIMEOUT * 2))" go install -trimpath "github.com/hashicorp/terraform@$TERRAFORM_VERSION" ||
      fail "go install github.com/hashicorp/terraform@$TERRAFORM_VERSION failed: is the Go module proxy ($(go env GOPROXY)) reachable?"
    echo "$want" >"$stamp"
    log "built $out: $("$out" version | head -n1)"
  fi

  out="$TF_BIN/terraform-provider-vcd" stamp="$TF_BIN/.stamp-provider"
  want=$( (echo "$gover $(go env GOOS GOARCH) $PROVIDER_VERSION"; cat "$TF_PROVIDER_DIR/go.mod" "$TF_PROVIDER_DIR/go.sum") | sha256sum | cut -d' ' -f1)
  if [ -x "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "terraform-provider-vcd up to date ($out)"
    return
  fi
  log "building terraform-provider-vcd $PROVIDER_VERSION with $gover ..."
  before=$(hash_of "$TF_PROVIDER_DIR/go.mod" "$TF_PROVIDER_DIR/go.sum")
  (
    cd "$TF_PROVIDER_DIR"
    timeout "$STEP_TIMEOUT" go mod download ||
      fail "go mod download (terraform provider) failed: is the Go module proxy ($(go env GOPROXY)) reachable?"
    timeout "$STEP_TIMEOUT" go build -trimpath \
      -ldflags "-X github.com/vmware/terraform-provider-vcd/v3/vcd.BuildVersion=$PROVIDER_VERSION" \
      -o "$out.tmp" github.com/vmware/terraform-provider-vcd/v3 ||
      fail "go build of terraform-provider-vcd failed (see the compiler output above)"
  ) || exit 1
  mv -f "$out.tmp" "$out"
  if [ "$(hash_of "$TF_PROVIDER_DIR/go.mod" "$TF_PROVIDER_DIR/go.sum")" != "$before" ]; then
    log "WARNING: the build changed terraform/provider/go.mod or go.sum; the committed files are incomplete (review and keep the change)"
    want=$( (echo "$gover $(go env GOOS GOARCH) $PROVIDER_VERSION"; cat "$TF_PROVIDER_DIR/go.mod" "$TF_PROVIDER_DIR/go.sum") | sha256sum | cut -d' ' -f1)
  fi
  echo "$want" >"$stamp"
  log "built $out: $(go version -m "$out" | awk '$1 == "dep" && $2 ~ /go-vcloud-director/ {print $2, $3}')"
}

# Generic OAuth client libraries (oauth-libs.test.ts): golang.org/x/oauth2 built from oauth-libs/xoauth2 (go.mod +
# go.sum), and authlib in a venv of its own (oauth-libs/requirements.txt), beside the VCD clients' .venv.
setup_oauth_libs() {
  go_toolchain
  go_build_stamped xoauth2 "$OAUTH_LIBS_DIR/xoauth2" "$OAUTH_LIBS_DIR/bin/xoauth2" "$OAUTH_LIBS_DIR/bin/.stamp-xoauth2" \
    '^golang.org/x/oauth2$'

  python_toolchain "authlib 1.9.10" 3.9
  local py="$PY" pyver="$PYVER" venv="$OAUTH_LIBS_DIR/.venv" requirements="$OAUTH_LIBS_DIR/requirements.txt" stamp want
  stamp="$venv/.stamp"
  want=$( (echo "$pyver $py"; cat "$requirements") | sha256sum | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
    "$venv/bin/python" -c 'import authlib.integrations.requests_client, requests_oauthlib, requests' 2>/dev/null; then
    log "oauth-libs venv up to date ($venv)"
    return
  fi
  log "creating $venv with Python $pyver ..."
  rm -rf "$venv"
  timeout "$STEP_TIMEOUT" "$py" -m venv "$venv" ||
    fail "'python3 -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
  timeout "$STEP_TIMEOUT" "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$requirements" ||
    fail "pip install -r $requirements failed: is PyPI reachable?"
  "$venv/bin/python" -c 'import authlib.integrations.requests_client, requests_oauthlib, requests' || fail "authlib or requests-oauthlib was installed but does not import"
  echo "$want" >"$stamp"
  log "oauth-libs venv ready: $("$venv/bin/python" -m pip freeze --disable-pip-version-check | grep -Ei '^(authlib|requests-oauthlib|requests)==' | tr '\n' ' ')"
}

setup_pyvcloud() {
  python_toolchain "pyvcloud 23.0.4" 3.8
  local py="$PY" pyver="$PYVER"

  local stamp="$VENV/.stamp" want
  want=$( (echo "$pyver $py"; cat "$REQUIREMENTS" "$VCD_CLI_REQUIREMENTS") | sha256sum | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
    "$VENV/bin/python" -c 'import pyvcloud.vcd.client, requests, vcd_cli.vcd' 2>/dev/null; then
    log "pyvcloud venv up to date ($VENV)"
    return
  fi
  log "creating $VENV with Python $pyver ..."
  rm -rf "$VENV"
  timeout "$STEP_TIMEOUT" "$py" -m venv "$VENV" ||
    fail "'python3 -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
  timeout "$STEP_TIMEOUT" "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQUIREMENTS" ||
    fail "pip install -r $REQUIREMENTS failed: is PyPI reachable?"
  "$VENV/bin/python" -c 'import pyvcloud.vcd.client, requests' ||
    fail "pyvcloud was installed but does not import"
  # vcd-cli without its declared dependencies, which do not run on Python 3.10+ (test/conformance/vcd-cli/requirements.txt).
  timeout "$STEP_TIMEOUT" "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q --no-deps -r "$VCD_CLI_REQUIREMENTS" ||
    fail "pip install --no-deps -r $VCD_CLI_REQUIREMENTS failed: is PyPI reachable?"
  "$VENV/bin/python" -c 'import vcd_cli.vcd' || fail "vcd-cli was installed but does not import"
  echo "$want" >"$stamp"
  log "pyvcloud venv ready: $("$VENV/bin/python" -m pip freeze --disable-pip-version-check | grep -Ei '^(pyvcloud|requests|lxml|vcd-cli)==' | tr '\n' ' ')"
}

case "$WHAT" in
  all) build_govcd; build_capvcd; setup_pyvcloud; build_terraform; setup_oauth_libs ;;
  govcd) build_govcd ;;
  capvcd) build_capvcd ;;
  pyvcloud) setup_pyvcloud ;;
  terraform) build_terraform ;;
  oauthlibs) setup_oauth_libs ;;
esac
