#!/usr/bin/env bash
# Build the Pulumi toolchain this project needs from Go sources, with no
# Pulumi account, no get.pulumi.com download and no container registry:
#
#   pulumi                      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
#   pulumi-language-nodejs      github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
#   pulumi-resource-kubernetes  github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes
#
# Versions come from package.json (@pulumi/pulumi, @pulumi/kubernetes) and must
# equal the pins in tools/pulumi/{cli,kubernetes}/go.mod.
#
# Usage: scripts/pulumi-from-source.sh          (non-interactive; CI=true is fine)
# Env:
#   CLUSTERLAB_TOOLS_DIR          cache root (default: $PWD/.tools); binaries go to <root>/bin
#   FORCE=1                       ignore pulumi already on PATH and the stamps; rebuild all
#   CLUSTERLAB_PULUMI_BINARIES    subset to build, e.g. "pulumi" (default: all three)
#   CLUSTERLAB_PULUMI_MODULES     dir holding cli/ and kubernetes/ (default: <repo>/tools/pulumi)
#   CLUSTERLAB_ALLOW_VERSION_SKEW=1  only warn when a go.mod pin differs from package.json
#   GOCACHE, GOMODCACHE, GOPROXY  honoured as usual
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
TOOLS_DIR="${CLUSTERLAB_TOOLS_DIR:-$PWD/.tools}"
BIN_DIR="$TOOLS_DIR/bin"
MODULES_DIR="${CLUSTERLAB_PULUMI_MODULES:-$REPO_ROOT/tools/pulumi}"
FORCE="${FORCE:-0}"
ALLOW_SKEW="${CLUSTERLAB_ALLOW_VERSION_SKEW:-0}"
WANTED="${CLUSTERLAB_PULUMI_BINARIES:-pulumi pulumi-language-nodejs pulumi-resource-kubernetes}"
WANTED=" ${WANTED//,/ } "

PKG_MOD=github.com/pulumi/pulumi/pkg/v3
NODEJS_MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
K8S_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
# Same -X the upstream Makefiles pass, so `pulumi version` / plugin info report the real version.
PULUMI_VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
K8S_VERSION_VAR=github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version

say() { printf '%s\n' "$*"; }
die() { printf 'pulumi-from-source: error: %s\n' "$*" >&2; exit 1; }
want() { [[ "$WANTED" == *" $1 "* ]]; }

# --- 0. already installed? -------------------------------------------------
find_k8s_plugin() {
  local p
  if p="$(command -v pulumi-resource-kubernetes 2>/dev/null)"; then printf '%s\n' "$p"; return 0; fi
  for p in "${PULUMI_HOME:-$HOME/.pulumi}"/plugins/resource-kubernetes-v*/pulumi-resource-kubernetes; do
    [[ -x "$p" ]] && { printf '%s\n' "$p"; return 0; }
  done
  return 1
}

if [[ "$FORCE" != 1 ]] && command -v pulumi >/dev/null 2>&1 && k8s_plugin="$(find_k8s_plugin)"; then
  say "pulumi already available: $(command -v pulumi) ($(pulumi version 2>/dev/null || echo 'version unknown'))"
  say "kubernetes provider:      $k8s_plugin"
  say "(set FORCE=1 to build from source anyway)"
  exit 0
fi

# --- 1. prerequisites and versions -----------------------------------------
command -v go >/dev/null 2>&1 || die "go is not on PATH. Install Go >= 1.26 (e.g. apt-get install golang-go, or the go.dev tarball) and re-run."
command -v node >/dev/null 2>&1 || die "node is not on PATH (needed to read package.json)."
[[ -f "$REPO_ROOT/package.json" ]] || die "no package.json at $REPO_ROOT"

pkg_dep() {
  node -p "const p=require(process.argv[1]); (p.dependencies||{})[process.argv[2]]||(p.devDependencies||{})[process.argv[2]]||''" \
    "$REPO_ROOT/package.json" "$1"
}
PULUMI_VERSION="v$(pkg_dep @pulumi/pulumi)"
K8S_VERSION="v$(pkg_dep @pulumi/kubernetes)"
[[ "$PULUMI_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "@pulumi/pulumi in package.json must be an exact version, got '${PULUMI_VERSION#v}'"
[[ "$K8S_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "@pulumi/kubernetes in package.json must be an exact version, got '${K8S_VERSION#v}'"

# go.mod pin of a module: gomod_pin FILE MODULE
gomod_pin() {
  [[ -f "$1" ]] || die "missing $1"
  go mod edit -json "$1" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      const r = (JSON.parse(s).Require || []).find(x => x.Path === process.argv[1]);
      process.stdout.write(r ? r.Version : "");
    });' "$2"
}

CLI_GOMOD="$MODULES_DIR/cli/go.mod"
K8S_GOMOD="$MODULES_DIR/kubernetes/go.mod"
check_pin() { # check_pin NAME GOMOD MODULE WANTED_VERSION
  local pin; pin="$(gomod_pin "$2" "$3")"
  [[ -n "$pin" ]] || die "$2 does not require $3"
  if [[ "$pin" != "$4" ]]; then
    if [[ "$ALLOW_SKEW" == 1 ]]; then
      say "WARNING: $1: $2 pins $3 $pin but package.json wants $4 (CLUSTERLAB_ALLOW_VERSION_SKEW=1)" >&2
    else
      die "$1: $2 pins $3 $pin but package.json wants $4. Update the go.mod (and go.sum) so both agree, or set CLUSTERLAB_ALLOW_VERSION_SKEW=1."
    fi
  fi
  printf '%s\n' "$pin"
}
if want pulumi; then CLI_PIN="$(check_pin pulumi "$CLI_GOMOD" "$PKG_MOD" "$PULUMI_VERSION")"; fi
if want pulumi-language-nodejs; then NODEJS_PIN="$(check_pin pulumi-language-nodejs "$CLI_GOMOD" "$NODEJS_MOD" "$PULUMI_VERSION")"; fi
if want pulumi-resource-kubernetes; then K8S_PIN="$(check_pin pulumi-resource-kubernetes "$K8S_GOMOD" "$K8S_MOD" "$K8S_VERSION")"; fi

# --- 2. build helpers --------------------------------------------------------
mkdir -p "$BIN_DIR" "$TOOLS_DIR/logs" "$TOOLS_DIR/work"
GO_VERSION="$(go env GOVERSION)"
# -buildvcs=false: sources come from the module cache / a copy under .tools,
# never from this repo's git. -mod=mod: the work copies resolve go.sum themselves.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false -mod=mod"
export CGO_ENABLED="${CGO_ENABLED:-0}"

explain_failure() { # explain_failure LOG WHAT
  say "---- last lines of $1 ----" >&2
  tail -n 25 "$1" >&2 || true
  say "--------------------------" >&2
  if grep -qE '403 Forbidden|not available|404 Not Found|410 Gone' "$1"; then
    say "pulumi-from-source: the Go module proxy ($(go env GOPROXY)) refused a module needed for $2 (see above)." >&2
    say "  That version is not downloadable from this proxy; nothing was built for it." >&2
  fi
  exit 1
}

stamp_of() { printf '%s@%s %s %s\n' "$1" "$2" "$GO_VERSION" "$(go env GOOS)/$(go env GOARCH)"; }

fresh() { # fresh BINARY STAMP -> 0 if cached binary is current
  [[ "$FORCE" != 1 && -x "$BIN_DIR/$1" && -f "$BIN_DIR/.$1.stamp" && "$(cat "$BIN_DIR/.$1.stamp")" == "$2" ]]
}

# Prepare a writable copy of tools/pulumi/cli (the repo copy is never modified,
# whatever -mod=mod does to go.mod/go.sum).
prepare_cli_work() {
  local w="$TOOLS_DIR/work/cli"
  if [[ ! -f "$w/.prepared" ]] || ! cmp -s "$MODULES_DIR/cli/go.mod" "$w/go.mod.orig"; then
    rm -rf "$w"; mkdir -p "$w"
    cp "$MODULES_DIR/cli/go.mod" "$w/go.mod"; cp "$MODULES_DIR/cli/go.mod" "$w/go.mod.orig"
    [[ -f "$MODULES_DIR/cli/go.sum" ]] && cp "$MODULES_DIR/cli/go.sum" "$w/go.sum"
    cp "$MODULES_DIR/cli/tools.go" "$w/tools.go"
    touch "$w/.prepared"
  fi
  printf '%s\n' "$w"
}

# Warn when upstream's go.mod has non-local replace directives missing from ours.
check_upstream_replaces() { # check_upstream_replaces WORKDIR MODULE VERSION
  local up
  up="$(cd "$1" && go mod download -json "$2@$3" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).GoMod||"")}catch{}})')" || true
  [[ -n "$up" && -f "$up" ]] || return 0
  # shellcheck disable=SC2016 # JavaScript template literal, not shell
  node -e '
    const { execFileSync } = require("child_process");
    const rep = f => (JSON.parse(execFileSync("go", ["mod", "edit", "-json", f])).Replace || []);
    const ours = new Map(rep(process.argv[2]).map(r => [r.Old.Path, r.New]));
    for (const r of rep(process.argv[1])) {
      if (!r.New.Version) continue;                      // ../sdk style monorepo paths
      const o = ours.get(r.Old.Path);
      if (!o || o.Path !== r.New.Path || o.Version !== r.New.Version)
        console.error(`WARNING: upstream ${process.argv[3]} has "replace ${r.Old.Path} => ${r.New.Path} ${r.New.Version}" which ${process.argv[2]} lacks`);
    }' "$up" "$MODULES_DIR/cli/go.mod" "$2@$3"
}

built=()
build_from_cli_module() { # NAME MODULE VERSION PACKAGE
  local name="$1" mod="$2" ver="$3" pkg="$4" stamp w log t0 t1
  stamp="$(stamp_of "$mod" "$ver")"
  if fresh "$name" "$stamp"; then say "$name $ver: up to date ($BIN_DIR/$name)"; return 0; fi
  w="$(prepare_cli_work)"; log="$TOOLS_DIR/logs/$name.log"
  say "building $name $ver …"
  t0=$(date +%s)
  if ! (cd "$w" && go build -trimpath -ldflags "-s -w -X $PULUMI_VERSION_VAR=$ver" -o "$BIN_DIR/$name.tmp" "$pkg") >"$log" 2>&1; then
    explain_failure "$log" "$name $ver"
  fi
  t1=$(date +%s)
  mv -f "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  printf '%s\n' "$stamp" >"$BIN_DIR/.$name.stamp"
  check_upstream_replaces "$w" "$mod" "$ver" || true
  say "building $name $ver … $((t1 - t0)) s"
  built+=("$name")
}

build_k8s_provider() { # VERSION
  local name=pulumi-resource-kubernetes ver="$1" stamp w src dir log t0 t1
  stamp="$(stamp_of "$K8S_MOD" "$ver")"
  if fresh "$name" "$stamp"; then say "$name $ver: up to date ($BIN_DIR/$name)"; return 0; fi
  log="$TOOLS_DIR/logs/$name.log"; w="$TOOLS_DIR/work/kubernetes"
  say "building $name $ver …"
  t0=$(date +%s)
  rm -rf "$w"; mkdir -p "$w"
  cp "$MODULES_DIR/kubernetes/go.mod" "$MODULES_DIR/kubernetes/tools.go" "$w/"
  [[ -f "$MODULES_DIR/kubernetes/go.sum" ]] && cp "$MODULES_DIR/kubernetes/go.sum" "$w/"
  # Download the pinned provider module (verified against go.sum / sumdb).
  if ! dir="$(cd "$w" && go mod download -json "$K8S_MOD@$ver" 2>"$log" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);
      if(j.Error){console.error(j.Error);process.exit(1)} process.stdout.write(j.Dir)})' 2>>"$log")"; then
    explain_failure "$log" "$name $ver"
  fi
  # Build inside a writable copy of the provider module so upstream's go.mod,
  # go.sum and replace directives apply unchanged.
  src="$TOOLS_DIR/work/pulumi-kubernetes-provider-$ver"
  rm -rf "$src"; cp -r "$dir" "$src"; chmod -R u+w "$src"
  # Monorepo-relative replaces (=> ../sdk) cannot resolve outside upstream's tree.
  (cd "$src" && go mod edit -json | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const r of JSON.parse(s).Replace||[])
        if(!r.New.Version) console.log(r.Old.Path)})' | while read -r old; do go mod edit -dropreplace="$old"; done) >>"$log" 2>&1
  # main.go embeds schema-embed.json, which upstream's Makefile generates from
  # the committed schema.json (it is not part of the module zip).
  local cmd="$src/cmd/pulumi-resource-kubernetes"
  if [[ -f "$cmd/schema.json" && ! -f "$cmd/schema-embed.json" ]]; then
    node -e 'const fs=require("fs");fs.writeFileSync(process.argv[2],JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1],"utf8"))))' \
      "$cmd/schema.json" "$cmd/schema-embed.json"
  fi
  if ! (cd "$src" && go build -trimpath -ldflags "-s -w -X $K8S_VERSION_VAR=${ver#v}" -o "$BIN_DIR/$name.tmp" ./cmd/pulumi-resource-kubernetes) >>"$log" 2>&1; then
    explain_failure "$log" "$name $ver"
  fi
  t1=$(date +%s)
  mv -f "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  printf '%s\n' "$stamp" >"$BIN_DIR/.$name.stamp"
  say "building $name $ver … $((t1 - t0)) s"
  built+=("$name")
}

# --- 3. build ----------------------------------------------------------------
say "tools dir: $BIN_DIR  (go $GO_VERSION, GOCACHE=$(go env GOCACHE))"
T_START=$(date +%s)
if want pulumi; then build_from_cli_module pulumi "$PKG_MOD" "$CLI_PIN" "$PKG_MOD/cmd/pulumi"; fi
if want pulumi-language-nodejs; then build_from_cli_module pulumi-language-nodejs "$NODEJS_MOD" "$NODEJS_PIN" "$NODEJS_MOD"; fi
if want pulumi-resource-kubernetes; then build_k8s_provider "$K8S_PIN"; fi
say "done in $(( $(date +%s) - T_START )) s (built: ${built[*]:-nothing, all cached})"

if want pulumi && [[ -x "$BIN_DIR/pulumi" ]]; then
  say "$("$BIN_DIR/pulumi" version 2>/dev/null | sed 's/^/pulumi version: /')"
fi
cat <<EOF

To use them (binaries on PATH are used as "ambient" plugins, whatever their version; nothing is downloaded):
  export PATH="$BIN_DIR:\$PATH"
  export PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  # no account needed: pulumi login file://\$HOME/.pulumi-state; export PULUMI_CONFIG_PASSPHRASE=...
EOF
