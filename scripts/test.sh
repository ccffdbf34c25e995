#!/usr/bin/env bash
# The test command (`npm test`): install dependencies if needed, provision the integration-test
# environment (scripts/provision-test-env.sh), then run every vitest project (unit and integration).
# Extra arguments go to vitest, e.g. `npm test -- --project unit` or `npm test -- test/integration`.
#
# When provisioning is incomplete (not root, not Debian, a daemon failed to start) the tests that need
# the missing parts are skipped with the reason; under CI (CI=true) they fail instead.
#
# Environment:
#   BACALHAU_TS_PROVISION=0   do not run the provisioning script (use whatever .test-env/env.json says)
#
# Exported to the tests (read by test/helpers/test-env.ts):
#   BACALHAU_TS_TEST_ENV          "provisioned" (every component available) or "unprovisioned"
#   BACALHAU_TS_TEST_ENV_REASON   why not, when unprovisioned
#
# Exit code: vitest's (or 1 if dependencies could not be installed).
set -euo pipefail

SCRIPT_NAME="test"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

ensure_node_deps

if [[ "${BACALHAU_TS_PROVISION:-1}" == 0 ]]; then
  export BACALHAU_TS_TEST_ENV=unprovisioned
  export BACALHAU_TS_TEST_ENV_REASON="provisioning skipped (BACALHAU_TS_PROVISION=0)"
  log "$BACALHAU_TS_TEST_ENV_REASON"
else
  if [[ "$(id -u)" != 0 ]]; then
    log "not running as root: provisioning what it can; integration tests needing the rest will be skipped"
  fi
  provision_rc=0
  bash scripts/provision-test-env.sh || provision_rc=$?
  if ((provision_rc == 0)); then
    export BACALHAU_TS_TEST_ENV=provisioned
    unset BACALHAU_TS_TEST_ENV_REASON
  else
    export BACALHAU_TS_TEST_ENV=unprovisioned
    case "$provision_rc" in
      2) why="the test environment is incomplete (see the provisioning report above)" ;;
      3) why="provisioning failed to start or build a component (see the provisioning report above)" ;;
      *) why="provisioning exited with status $provision_rc" ;;
    esac
    export BACALHAU_TS_TEST_ENV_REASON="$why"
    if [[ -n "${CI:-}" && "${CI}" != false && "${CI}" != 0 ]]; then
      warn "$why; CI is set, so integration tests that need it will FAIL"
    else
      warn "$why; integration tests that need it will be skipped"
    fi
  fi
fi

vitest_rc=0
results="$(mktemp)"
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || vitest_rc=$?
# A plain closing line that any CI log reader understands, whatever vitest's own summary looks like.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" 2>/dev/null || true
rm -f "$results"
exit $vitest_rc
