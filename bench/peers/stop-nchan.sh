#!/usr/bin/env bash
# Stops the Nchan peer that start-nchan.sh started (nginx's master and worker, by their process group).
set -euo pipefail
source "$(dirname "$0")/common.sh"
stop_group "$RUN_DIR/nchan.pgid"
