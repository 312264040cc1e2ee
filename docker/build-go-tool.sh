#!/usr/bin/env bash
# Builds one of the repository's small Go tools (a folder under docker/ with its own go.mod, e.g.
# docker/etcd-peer-proxy, docker/etcd-linearizability) from the Go module proxy, caches the binary
# and prints its path as the last line:
#   bash docker/build-go-tool.sh docker/etcd-peer-proxy   ->  ~/.cache/clusterlab/etcd-peer-proxy/<key>/etcd-peer-proxy
# The cache key hashes the module's go.mod, go.sum, non-test .go files and the Go version, so a
# changed source builds anew and an unchanged one is reused. One build at a time per tool (flock);
# the binary is written to a temporary name and renamed, so an interrupted build leaves no binary
# that looks finished (its leftovers are removed by the next run).
set -euo pipefail
dir=$(cd "${1:?usage: build-go-tool.sh DIR}" && pwd)
name=$(basename "$dir")
export PATH="$PATH:/usr/local/go/bin" GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
command -v go >/dev/null || { echo "build-go-tool.sh: go not found (Go >= 1.22 needed for $name)" >&2; exit 1; }
key=$( (cd "$dir" && cat go.mod $(ls go.sum 2>/dev/null) $(ls ./*.go | grep -v '_test\.go$' | sort); go env GOVERSION GOOS GOARCH) | sha256sum | cut -c1-16)
root="${XDG_CACHE_HOME:-$HOME/.cache}/clusterlab/$name"
out="$root/$key/$name"
mkdir -p "$root/$key"
exec 9>"$root/.lock"
flock -w 600 9 || { echo "build-go-tool.sh: another build of $name holds $root/.lock for over 600 s" >&2; exit 1; }
if [[ ! -x $out ]]; then
  rm -f "$root/$key/.$name.tmp."*
  tmp="$root/$key/.$name.tmp.$$"
  echo "build-go-tool.sh: building $name ($key)" >&2
  (cd "$dir" && nice -n 10 go build -trimpath -o "$tmp" .)
  mv -f "$tmp" "$out"
fi
echo "$out"
