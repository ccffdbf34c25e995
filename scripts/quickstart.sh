#!/usr/bin/env bash
# The README's first command (`npm run quickstart`): from a clean clone, install dependencies if needed,
# build the CLI into dist/, then run a real job end to end: start a node (orchestrator and compute in one
# process, state in a temporary data dir), run a WASM module on it, print its output, stop the node.
# Needs nothing but Node: the module is assembled by scripts/lib/hello-wasm.mjs.
set -euo pipefail

SCRIPT_NAME="quickstart"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

ensure_node_deps
log "building the CLI: npm run build (output in dist/)"
npm run --silent build
node scripts/lib/hello-wasm.mjs examples/hello.wasm

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/bacalhau-quickstart-XXXXXX")"
serve_log="$data_dir/serve.log"
serve_pid=""
cleanup() {
  if [[ -n "$serve_pid" ]] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -INT "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

log "starting a node: node dist/main.js serve --data-dir $data_dir"
# Free ports, so that the quick start works next to another node on this machine.
node dist/main.js serve --data-dir "$data_dir" --api-host 127.0.0.1 --api-port 0 \
  -c Publishers.Types.Local.Port=0 >"$serve_log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do
  [[ -f "$data_dir/bacalhau.run" ]] && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$serve_log" >&2; die "the node did not start"; }
  sleep 0.1
done
[[ -f "$data_dir/bacalhau.run" ]] || { cat "$serve_log" >&2; die "the node did not start within 10 s"; }
# shellcheck source=/dev/null
source "$data_dir/bacalhau.run"
export BACALHAU_API_HOST BACALHAU_API_PORT

log "running a WASM job: node dist/main.js wasm run examples/hello.wasm"
node dist/main.js wasm run examples/hello.wasm
job_id="$(node dist/main.js job list --output json --limit 1 |
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].ID)')"
output="$(node dist/main.js job logs "$job_id")"
printf '%s\n' "$output"
[[ "$output" == "Hello from bacalhau-ts!" ]] || die "unexpected job output: $output"
log "OK: the job ran on the embedded compute node"
