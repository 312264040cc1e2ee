#!/usr/bin/env bash
# Checks what `pulumi up` of a stack needs before anything is installed, and prints every missing
# thing with how to get it (README's first command runs it before `npm ci`). Runnable alone:
#
#   bash scripts/preflight.sh [STACK]      # STACK defaults to dev (arm64 on ARM machines)
#
# Checks: the Pulumi CLI (https://www.pulumi.com/docs/install/), Node.js >= 22 (package.json
# `engines`, from @pulumi/pulumi 3.270), and the stack's platform (`clusterlab:platform` in
# Pulumi.<STACK>.yaml): a Docker engine that answers (`docker version`), or a current kube
# context (`kubectl config current-context`). Exit 0 when all are there, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

stack=${1:-}
if [ -z "$stack" ]; then
  case "$(uname -m)" in arm64 | aarch64) stack=arm64 ;; *) stack=dev ;; esac
fi
[[ "$stack" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "stack name: expected letters, digits, . _ -, got \"$stack\"" >&2; exit 1; }

problems=()
need() { problems+=("$1"); }

# Pulumi CLI.
if ! command -v pulumi >/dev/null; then
  need "pulumi: not on PATH. Install the CLI: curl -fsSL https://get.pulumi.com | sh (then open a new shell), or brew install pulumi/tap/pulumi (https://www.pulumi.com/docs/install/)"
fi

# Node.js >= 22.
if ! command -v node >/dev/null; then
  need "node: not on PATH. Install Node.js 22 LTS or newer (https://nodejs.org/en/download, or nvm install 22)"
else
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$node_major" -lt 22 ]; then
    need "node: $(node --version) is too old; @pulumi/pulumi 3.270 needs >= 22 (nvm install 22, or https://nodejs.org/en/download)"
  fi
fi

# The stack's platform.
file="Pulumi.$stack.yaml"
platform=docker
if [ -f "$file" ]; then
  p=$(sed -nE 's/^[[:space:]]*clusterlab:platform:[[:space:]]*"?([a-z]+)"?.*/\1/p' "$file" | head -1)
  platform=${p:-docker}
fi
case "$platform" in
  docker)
    if ! command -v docker >/dev/null; then
      need "docker: not on PATH; stack $stack runs on Docker. Install Docker Desktop, OrbStack or Docker Engine (https://docs.docker.com/engine/install/), with ~8 GiB of memory for the TiKV lab"
    elif ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
      need "docker: the engine does not answer ($(docker version --format '{{.Server.Version}}' 2>&1 | tail -1)); start Docker Desktop / OrbStack, or: sudo systemctl start docker (and add yourself to the docker group)"
    fi
    ;;
  kubernetes)
    if ! command -v kubectl >/dev/null; then
      need "kubectl: not on PATH; stack $stack runs on Kubernetes and needs a kube context (https://kubernetes.io/docs/tasks/tools/)"
    elif ! kubectl config current-context >/dev/null 2>&1; then
      need "kube context: none selected; stack $stack runs on Kubernetes: kubectl config use-context NAME (kind, minikube, k3d or a real cluster)"
    fi
    ;;
esac

if ((${#problems[@]})); then
  echo "preflight for stack $stack ($platform): ${#problems[@]} missing" >&2
  for p in "${problems[@]}"; do echo "  - $p" >&2; done
  exit 1
fi
echo "preflight for stack $stack ($platform): pulumi $(pulumi version 2>/dev/null), node $(node --version), ${platform} ok"
