#!/usr/bin/env bash
# Fails when any log or audit file the tests wrote holds a valid identity number; see scan-identity-numbers.py.
# Usage: tests/security/scan-identity-numbers.sh [folder...]   (default: $EXCHANGE_TEST_LOG_ROOT or TestResults/logs)
set -euo pipefail
exec python3 "$(dirname "$0")/scan-identity-numbers.py" "$@"
