#!/usr/bin/env bash
# The README's first command (`npm run quickstart`): from a clean clone, install dependencies if needed,
# build the CLI into dist/, and validate the example job spec with it.
set -euo pipefail

SCRIPT_NAME="quickstart"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

ensure_node_deps
log "building the CLI: npm run build (output in dist/)"
npm run --silent build
log "validating a job spec with it: node dist/main.js job validate examples/hello-docker.yaml"
exec node dist/main.js job validate examples/hello-docker.yaml
