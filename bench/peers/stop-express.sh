#!/usr/bin/env bash
# Stops the Express peer that start-express.sh started (its process group, by the pid file).
set -euo pipefail
source "$(dirname "$0")/common.sh"
stop_group "$RUN_DIR/express.pid"
