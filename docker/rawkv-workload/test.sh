#!/usr/bin/env bash
# Go checks of the RawKV CDC workload (npm run test:cdc-go; called by .ci/run):
#   1. the key plan and the verifier (module ./plan, stdlib only): go test + go vet, any Go >= 1.19;
#   2. the workload binary against tikv/client-go (module .): go vet + go build, Go >= 1.23 (its go.mod),
#      modules from the Go module proxy. Skipped LOUDLY, never silently, when the Go here is older.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || { echo "!! go not found: install Go (Debian: golang-go) to run the CDC workload's Go tests" >&2; exit 1; }
export GOTOOLCHAIN=local
echo "== go test ./plan ($(go version))"
( cd plan && go vet ./... && go test -count=1 -v ./... )
minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')
if [[ -n "$minor" && "$minor" -ge 23 ]]; then
  echo "== go vet + go build (tikv/client-go rawkv)"
  nice -n 10 go vet . && nice -n 10 go build -o "${TMPDIR:-/tmp}/rawkv-workload-ci" . && rm -f "${TMPDIR:-/tmp}/rawkv-workload-ci"
  echo "built rawkv-workload"
else
  echo "!! rawkv-workload binary NOT BUILT: $(go env GOVERSION) is older than go1.23 (its go.mod); the plan tests above still ran"
fi
