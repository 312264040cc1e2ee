#!/usr/bin/env bash
# Go checks of the etcd lab's network-fault tools (npm run test:etcd-go; called by .ci/run):
# the peer proxy (docker/etcd-peer-proxy, stdlib only) and the linearizability checker
# (docker/etcd-linearizability: etcd client v3.5.17 + porcupine v1.3.1 from the Go module proxy):
# go vet + go test -v each, then the cached build the etcd scenario tier uses.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin" GOTOOLCHAIN=local GOFLAGS=-mod=mod
command -v go >/dev/null || { echo "!! go not found: Go >= 1.22 is needed for the etcd lab's Go tools" >&2; exit 1; }
for m in etcd-peer-proxy etcd-linearizability; do
  echo "== go vet + go test ./$m ($(go version))"
  ( cd "$m" && nice -n 10 go vet ./... && nice -n 10 go test -count=1 -v ./... )
  echo "== build $m"
  bash build-go-tool.sh "$m"
done
