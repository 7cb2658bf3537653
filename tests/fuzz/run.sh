#!/usr/bin/env bash
# tests/fuzz/run.sh — build the libFuzzer targets and fuzz each for a while.
#
#   tests/fuzz/run.sh SECONDS [TARGET...]  fuzz every target (or the ones
#                                          named, e.g. fuzz_query) for SECONDS
#                                          seconds each, one after the other
#   tests/fuzz/run.sh --index-seeds        regenerate the generated seeds of
#                                          the fuzz_index* targets (after an
#                                          index format change)
#
# Needs clang and libFuzzer (Debian: clang libclang-rt-14-dev). Without them
# it prints a SKIP line and exits 0. Builds in build-fuzz/ (SW_FUZZ_BUILD to
# change) with -DSW_FUZZ=ON -DSW_SANITIZE=fuzzer-no-link,address,undefined.
#
# Each target runs in one process (-jobs not used: the machine is shared) on a
# scratch copy of tests/fuzz/seeds/<target>/ — the committed seeds are never
# written. Crashes, leaks, timeouts and OOMs land in
# ${SW_FUZZ_CRASHES:-/tmp/fuzz-crashes}/<target>/. One line per target:
#   fuzz_query: 1234567 execs, 20576/s, +42 inputs, cov 900 -> 950, crashes 0
# SW_FUZZ_KEEP=DIR keeps each scratch corpus in DIR/<target>/ for merging
# into the seeds (README.md, "Adding seeds").
#
# Exit status: 0 all clean (or skipped), 1 some target crashed (the crash
# file's path is printed), 2 build or usage error.
set -uo pipefail

# All of it in a function, so bash has read the whole file before running
# any of it (editing the script while it runs cannot derail the run).
main() {
  cd "$(dirname "$0")/../.." || exit 2
  root=$PWD
  build=${SW_FUZZ_BUILD:-build-fuzz}
  crashes=${SW_FUZZ_CRASHES:-/tmp/fuzz-crashes}
  seeds=$root/tests/fuzz/seeds

  usage() {
    echo "usage: tests/fuzz/run.sh SECONDS [TARGET...] | --index-seeds" >&2
    exit 2
  }
  [ $# -ge 1 ] || usage

  # Scratch files go to RAM when possible: the index targets write files every
  # run and sw_build fsyncs.
  if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
  fi
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/swsearch-fuzzrun-XXXXXX") || exit 2
  trap 'rm -rf "$scratch"' EXIT

  # 0 if clang can build and link a libFuzzer target here.
  toolchain_ok() {
    command -v clang >/dev/null 2>&1 || return 1
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
      'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
      'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
      > "$scratch/probe.c"
    clang -fsanitize=fuzzer,address,undefined -o "$scratch/probe" \
      "$scratch/probe.c" >/dev/null 2>&1
  }

  build_fuzzers() {
    echo "building the fuzz targets in $build (log: $build/fuzz-build.log)"
    mkdir -p "$build"
    if ! { cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang \
             -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSW_WERROR=ON -DSW_FUZZ=ON \
             -DSW_SANITIZE=fuzzer-no-link,address,undefined &&
           cmake --build "$build" -j2 --target fuzz_all; } \
         >"$build/fuzz-build.log" 2>&1; then
      tail -n 40 "$build/fuzz-build.log"
      echo "FAIL: building the fuzz targets failed (see $build/fuzz-build.log)"
      exit 2
    fi
  }

  # --- regenerate the index targets' seeds ------------------------------------
  if [ "$1" = "--index-seeds" ]; then
    # The replay binaries suffice (no clang needed): a gcc build of its own.
    sb=${SW_FUZZ_SEED_BUILD:-build-fuzz-seeds}
    ixt=()
    for src in tests/fuzz/fuzz_index*.c; do ixt+=("$(basename "$src" .c)"); done
    { cmake -S . -B "$sb" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
      cmake --build "$sb" -j2 --target "${ixt[@]/%/_replay}"; } \
      >"$scratch/seed-build.log" 2>&1 ||
      { tail -n 40 "$scratch/seed-build.log"; exit 2; }
    : >"$scratch/empty"
    for t in "${ixt[@]}"; do
      bin=$sb/tests/fuzz/${t}_replay
      rm -f "$seeds/$t"/file-*
      mkdir -p "$seeds/$t"
      SW_FUZZ_SEED_OUT="$seeds/$t" "$bin" "$scratch/empty" >/dev/null 2>&1 ||
        { echo "FAIL: $t could not write its seeds"; exit 2; }
      echo "$t: $(ls "$seeds/$t" | grep -c '^file-') generated seeds"
    done
    exit 0
  fi

  # --- fuzz ---------------------------------------------------------------------
  secs=$1
  shift
  case $secs in '' | *[!0-9]*) usage ;; esac

  if ! toolchain_ok; then
    echo "SKIP: fuzzing needs clang with libFuzzer (Debian: apt-get install" \
         "clang libclang-rt-14-dev); no target was fuzzed"
    exit 0
  fi
  build_fuzzers

  if [ $# -gt 0 ]; then
    targets=("$@")
  else
    targets=()
    for bin in "$build"/tests/fuzz/fuzz_*; do
      case $bin in *_replay | *.a | *.log) continue ;; esac
      [ -x "$bin" ] && [ -f "$bin" ] && targets+=("$(basename "$bin")")
    done
  fi

  status=0
  for t in "${targets[@]}"; do
    bin=$build/tests/fuzz/$t
    if [ ! -x "$bin" ]; then
      echo "$t: no such fuzz target"
      status=2
      continue
    fi
    corpus=$scratch/$t
    mkdir -p "$corpus" "$crashes/$t"
    [ -d "$seeds/$t" ] && cp -R "$seeds/$t/." "$corpus/"
    case $t in # a libFuzzer dictionary of the input's tokens, if any
      fuzz_search | fuzz_synonyms) dictf=fuzz_query.dict ;;
      *) dictf=$t.dict ;;
    esac
    dict=()
    [ -f "$root/tests/fuzz/$dictf" ] && dict=(-dict="$root/tests/fuzz/$dictf")
    log=$scratch/$t.log
    # SW_FUZZ_RUNS=N: N inputs from a fixed seed instead of SECONDS, so a
    # run can be repeated exactly (CI uses it).
    bound=(-max_total_time="$secs")
    [ -n "${SW_FUZZ_RUNS:-}" ] && bound=(-runs="$SW_FUZZ_RUNS" -seed=1)
    "$bin" "$corpus" "${bound[@]}" -timeout=20 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$crashes/$t/" "${dict[@]}" \
      >"$log" 2>&1
    rc=$?
    getstat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
    execs=$(getstat number_of_executed_units)
    eps=$(getstat average_exec_per_sec)
    newu=$(getstat new_units_added)
    cov0=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$log" | head -n 1)
    cov1=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
    art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    ncrash=0
    if [ $rc -ne 0 ] || [ -n "$art" ]; then ncrash=1; fi
    echo "$t: ${execs:-?} execs, ${eps:-?}/s, +${newu:-?} inputs, cov ${cov0:-?} -> ${cov1:-?}, crashes $ncrash"
    if [ $ncrash -ne 0 ]; then
      status=1
      grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz check failed)|runtime error' "$log" |
        head -n 5 | sed 's/^/    /'
      echo "    CRASH: ${art:-(no artifact; exit status $rc)}"
      cp "$log" "$crashes/$t/last-run.log"
      echo "    log: $crashes/$t/last-run.log"
    fi
    if [ -n "${SW_FUZZ_KEEP:-}" ]; then
      mkdir -p "$SW_FUZZ_KEEP/$t" && cp -R "$corpus/." "$SW_FUZZ_KEEP/$t/"
    fi
    rm -rf "$corpus"
  done
  exit $status
}

main "$@"
