#!/usr/bin/env bash
# Installs what `npm test` needs beyond node_modules, so `npm ci && npm run setup:test && npm test`
# passes on a fresh machine by itself (README "Tests"); `.ci/run` calls it too, with the extra
# Debian packages of its other tiers as arguments (one apt-get update for all).
#
#   Debian packages (apt-get, as root or with sudo; on macOS: prints the Homebrew formulae):
#     prometheus (promtool, prometheus), etcd-server + etcd-client (three real members),
#     postgresql (the lab SQL and the sample app), chromium (the app's live page, the docs diagrams),
#     openssl (test certificates), curl, ca-certificates
#   Go >= 1.22 (not installed here: Debian bookworm's golang-go is 1.19; https://go.dev/dl/)
#   actionlint, pinned, built from the Go module proxy into .tools/bin (once; cached by version;
#     under a lock, so two runs at once build it once)
#
# Usage: bash scripts/setup-tests.sh [extra Debian package ...]
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.7
debs=(prometheus etcd-server etcd-client postgresql chromium openssl curl ca-certificates "$@")
tools=(promtool prometheus etcd etcdctl chromium openssl curl)

if [ "$(uname -s)" = Darwin ]; then
  missing=()
  for tool in promtool etcd openssl initdb; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})); then
    echo "missing ${missing[*]}: brew install prometheus etcd postgresql@16 openssl (and Chromium or Google Chrome; set CHROMIUM_PATH)" >&2
    exit 1
  fi
else
  missing=()
  for pkg in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then as_root=(); elif command -v sudo >/dev/null; then as_root=(sudo); else
      echo "not root and no sudo: apt-get install ${missing[*]} yourself" >&2
      exit 1
    fi
    echo "==> apt-get install ${missing[*]}"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing $tool after installing ${debs[*]}" >&2; exit 1; }
  done
fi

# Go: on PATH, or where the official tarball (and this project's CI image) puts it.
[[ -x /usr/local/go/bin/go ]] && export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "Go >= 1.22 is required to build actionlint (https://go.dev/dl/); none on PATH" >&2; exit 1; }
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
[ "$go_minor" -ge 22 ] || { echo "Go >= 1.22 is required, found $(go env GOVERSION) (https://go.dev/dl/)" >&2; exit 1; }

# actionlint into .tools/bin: flock(1) serializes concurrent runs; the version file marks a finished build.
mkdir -p .tools/bin
install_actionlint() {
  [ "$(cat .tools/bin/.actionlint.version 2>/dev/null)" = "$ACTIONLINT_VERSION" ] && [ -x .tools/bin/actionlint ] && return 0
  echo "==> go install actionlint@$ACTIONLINT_VERSION -> .tools/bin"
  rm -f .tools/bin/.actionlint.version
  GOBIN="$PWD/.tools/bin" GOFLAGS=-buildvcs=false nice go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  echo "$ACTIONLINT_VERSION" > .tools/bin/.actionlint.version
}
if command -v flock >/dev/null; then
  exec 9> .tools/bin/.actionlint.lock
  flock -w 900 9 || { echo "another run has held .tools/bin/.actionlint.lock for 15 minutes" >&2; exit 1; }
fi
install_actionlint
echo "test prerequisites ready: $(./.tools/bin/actionlint -version | head -1 | sed 's/^/actionlint /')"
