#!/usr/bin/env bash
# Run the whole test suite with the clock moved a year ahead, to show that no test depends on
# today's date (the suite pins SOURCE_DATE_EPOCH; nothing else may read the wall clock).
#
# Two runs, because Debian's libfaketime cannot fake the clock for CPython's timed waits
# (sem_clockwait on CLOCK_MONOTONIC is not intercepted, so `queue.get(timeout=…)` waits a year):
#   1. every test but the dev server's (marked `devserver`) under faketime (all processes: Python,
#      Chromium, Java);
#   2. the dev server's tests with every Python process's wall clock moved by time-machine.
# Needs: apt-get install faketime; pip install time-machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
days="${MATHPRESS_DAYS_AHEAD:-365}"
faketime -f "+${days}d" python -m pytest -n 2 -q -p no:cacheprovider -m "not devserver"
MATHPRESS_DAYS_AHEAD="$days" PYTHONPATH="$PWD/tests/tools/year_ahead:$PWD" \
    python -m pytest -n 2 -q -p no:cacheprovider -m devserver
