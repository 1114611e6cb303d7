#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) one after another, seeded from fixtures/.
# Usage (from the repository root): bash fuzz/run-all.sh [SECONDS]
# Needs cargo-fuzz (cargo install cargo-fuzz); RUSTC_BOOTSTRAP=1 lets a stable toolchain
# accept the nightly-only flags (-Zsanitizer, -Cpasses=sancov-module) cargo-fuzz passes.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
export RUSTC_BOOTSTRAP=1
for t in image list hex; do
  mkdir -p "fuzz/corpus/$t"
  case $t in
    image) seeds=(fixtures/bad fixtures/lossless) ;;
    list) seeds=(fixtures/bad/lists) ;;
    hex) seeds=(fuzz/seeds/hex) ;;
  esac
  echo "== $t: ${secs}s ($(date -u +%H:%M:%S))"
  cargo fuzz run -O "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
  echo "== $t: exit $?"
done
