#!/bin/sh
# Bounded load check of PlotServer on 127.0.0.1 only: 200 clients for 10 s, each
# holding /events open and fetching pages; then wrk on / for 10 s (if installed:
# apt-get install wrk). The server runs inside the test process and publishes
# 20 events/s. See Tests/PlotServerTests/LoadCheck.swift and scripts/loadcheck.py.
#
# Against a running `swift run serve` instead (no events published there):
#   python3 scripts/loadcheck.py --port 8000 --clients 200 --seconds 10
set -e
cd "$(dirname "$0")/.."
PLOTSERVER_LOADCHECK=1 exec swift test --filter 'PlotServerTests.LoadCheck'
