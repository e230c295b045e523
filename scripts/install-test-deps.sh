#!/usr/bin/env bash
# System packages the test suite uses: gcc for the C helpers, the reference tools the tests
# compare against (procps, lsof, psutil, ...), tmux for the terminal UI tests, zsh for the shell
# history tests, chromium for the web UI tests (driven by playwright-core), prometheus (promtool and
# the server) and prometheus-process-exporter for the exporter tests, socat, strace and unhide for the audit rules.
# Needs root.
set -euo pipefail
PACKAGES=(gcc libc6-dev procps psmisc lsof python3 python3-psutil tmux util-linux binutils bsdutils htop linux-libc-dev iproute2 zsh chromium prometheus prometheus-process-exporter socat strace unhide)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
