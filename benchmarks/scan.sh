#!/usr/bin/env bash
# Security scan of consult on loopback: wapiti + sqlmap against a seeded respondent session.
# Usage: benchmarks/scan.sh [--out DIR] [--wapiti-minutes N]   (needs: apt-get install -y wapiti sqlmap)
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python benchmarks/scan.py "$@"
