# shellcheck shell=bash
# Shared helpers for the scripts in scripts/ (sourced, not executed).
# Expects the caller to have set `set -euo pipefail` and SCRIPT_NAME.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '%s: %s\n' "${SCRIPT_NAME:-script}" "$*"; }
warn() { printf '%s: warning: %s\n' "${SCRIPT_NAME:-script}" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "${SCRIPT_NAME:-script}" "$*" >&2
  exit 1
}

# ensure_native_build_tools: the allowed install scripts compile native addons (better-sqlite3) with
# node-gyp, which needs python3, make and a C++ compiler, and must use this machine's Node headers
# (no prebuilt binaries or header tarballs can be downloaded here).
ensure_native_build_tools() {
  local missing=()
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  if ((${#missing[@]} > 0)); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      log "installing the native build tools: ${missing[*]}"
      apt-get update -qq </dev/null >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
    else
      die "native addons need ${missing[*]}: install them (Debian: apt-get install ${missing[*]})"
    fi
  fi
  if [[ -z "${npm_config_nodedir:-}" ]] && [[ -f /usr/include/node/node.h ]]; then
    export npm_config_nodedir=/usr
  fi
}

# ensure_node_deps: run `npm ci` when node_modules is missing or older than package-lock.json.
# .npmrc keeps ignore-scripts=true; packages listed in package.json "installScripts.allow" get their
# install scripts run explicitly afterwards (scripts/check-install-scripts.mjs keeps that list honest).
ensure_node_deps() {
  local marker="$REPO_ROOT/node_modules/.package-lock.json"
  if [[ -f "$marker" && ! "$REPO_ROOT/package-lock.json" -nt "$marker" ]]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 (with npm) first"
  log "installing dependencies: npm ci (install scripts off, see .npmrc)"
  local ci_log
  ci_log="$(mktemp)"
  if (cd "$REPO_ROOT" && npm ci --no-audit --no-fund </dev/null >"$ci_log" 2>&1); then
    grep -v '^npm warn' "$ci_log" || true
    rm -f "$ci_log"
  else
    local reason
    reason="$(grep -E '^npm error [^ ]' "$ci_log" | grep -m 1 -v '^npm error code ' | sed 's/^npm error //' || true)"
    rm -f "$ci_log"
    # A registry that only carries some platforms' optional binaries (such as the one this project is
    # developed against) yields a lockfile without the other platforms' entries, which `npm ci` rejects
    # as "not in sync" although `npm install` installs exactly the locked versions from it. Fall back to
    # that, and fail if it would change the lockfile (then it really is out of sync with package.json).
    warn "npm ci failed (${reason:-see the npm log}); retrying with npm install, which must leave package-lock.json unchanged"
    local saved
    saved="$(mktemp)"
    cp "$REPO_ROOT/package-lock.json" "$saved"
    if ! (cd "$REPO_ROOT" && npm install --no-audit --no-fund </dev/null); then
      rm -f "$saved"
      die "npm install failed"
    fi
    if ! cmp -s "$saved" "$REPO_ROOT/package-lock.json"; then
      cp "$saved" "$REPO_ROOT/package-lock.json"
      rm -f "$saved"
      die "package-lock.json is out of sync with package.json: run npm install and commit the lockfile"
    fi
    rm -f "$saved"
  fi
  local allowed
  allowed="$(cd "$REPO_ROOT" && node -e '
    const p = require("./package.json");
    process.stdout.write(((p.installScripts && p.installScripts.allow) || []).join(" "));
  ')"
  if [[ -n "$allowed" ]]; then
    ensure_native_build_tools
    log "running the allowed install scripts: $allowed"
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    (cd "$REPO_ROOT" && npm rebuild --ignore-scripts=false $allowed </dev/null)
  fi
}
