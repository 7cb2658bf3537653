#!/usr/bin/env bash
# bench/peers/run.sh — swsearch side by side with Xapian, Lucene 4.10 and
# SQLite FTS5 on the same documents and the same query file, one engine after
# the other, in one run. See bench/peers/README.md for settings and caveats.
#
#   bench/peers/run.sh [--passes N] [--peers xapian,lucene,sqlite] [--work DIR]
#                      [--build-dir DIR] [--queries FILE] [--cold-runs N]
#                      [--cold-query TEXT] [--no-install] [CORPUS_FILE...]
#
# Steps: (1) set-up: a peer whose Debian packages are missing is installed
# with apt-get when running as root (unless --no-install), else skipped with
# a "skipped: PEER (PACKAGE not installed)" line; (2) build swsearch,
# swsearch-bench and swsearch-export (cmake Release) and the peer programs;
# (3) export the corpus as TSV with swsearch's own intake; (4) per engine:
# build its index, run the query file (1 warm-up + N timed passes; Lucene a
# longer JIT warm-up), spawn the cold command-line search --cold-runs times;
# (5) print the table (report.py). Every result is a JSON file in --work.
# Exit 0, or non-zero with a message naming the step that failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

passes=10
peers=xapian,lucene,sqlite
work=/tmp/peers-work
build_dir=
queries=$repo/bench/queries.tsv
cold_runs=50
cold_query="sociala insatsgrupper"
install=1
lucene_warmup_s=10
java_opts=(-Xms1g -Xmx1g)

usage() {
  sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}
die() { echo "run.sh: $*" >&2; exit 2; }
need_arg() { [ "$#" -ge 2 ] || die "$1 needs a value"; }

corpus=()
while [ "$#" -gt 0 ]; do
  case $1 in
    --passes) need_arg "$@"; passes=$2; shift 2 ;;
    --peers) need_arg "$@"; peers=$2; shift 2 ;;
    --work) need_arg "$@"; work=$2; shift 2 ;;
    --build-dir) need_arg "$@"; build_dir=$2; shift 2 ;;
    --queries) need_arg "$@"; queries=$2; shift 2 ;;
    --cold-runs) need_arg "$@"; cold_runs=$2; shift 2 ;;
    --cold-query) need_arg "$@"; cold_query=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    -h|--help) usage 0 ;;
    --) shift; corpus+=("$@"); break ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) corpus+=("$1"); shift ;;
  esac
done
[[ $passes =~ ^[1-9][0-9]*$ ]] || die "--passes: expected a positive number, got '$passes'"
[[ $cold_runs =~ ^[1-9][0-9]*$ ]] || die "--cold-runs: expected a positive number, got '$cold_runs'"
if [ "${#corpus[@]}" -eq 0 ]; then
  shopt -s nullglob
  corpus=("$repo"/../shared/corpus/*.jsonl.zst)
  shopt -u nullglob
  [ "${#corpus[@]}" -gt 0 ] || die "no corpus given and none in $repo/../shared/corpus"
fi
for f in "${corpus[@]}"; do [ -e "$f" ] || die "$f: no such file"; done
[ -r "$queries" ] || die "$queries: cannot read the query file"

mkdir -p "$work" || die "$work: cannot create"
work=$(cd "$work" && pwd)
build_dir=${build_dir:-$work/build}
bin=$work/bin
mkdir -p "$bin" "$work/ix"
py=$(command -v python3) || die "python3 not found (Debian package python3)"

# ------------------------------------------------------------------ set-up
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

# The Debian packages each peer needs.
peer_packages() {
  case $1 in
    xapian) echo "libxapian-dev g++ pkg-config" ;;
    lucene) echo "liblucene4.10-java openjdk-17-jdk-headless" ;;
    sqlite) echo "libsqlite3-dev gcc" ;;
    *) return 1 ;;
  esac
}

apt_updated=0
try_install() {
  [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  echo "set-up: apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
       >"$work/apt.log" 2>&1; then
    [ "$apt_updated" = 0 ] || return 1
    apt_updated=1
    apt-get update -q >>"$work/apt.log" 2>&1 || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
      >>"$work/apt.log" 2>&1 || return 1
  fi
}

active=()
IFS=, read -r -a wanted <<<"$peers"
for p in "${wanted[@]}"; do
  [ -n "$p" ] || continue
  pkgs=$(peer_packages "$p") || die "--peers: unknown peer '$p' (xapian, lucene, sqlite)"
  missing=()
  for pkg in $pkgs; do installed "$pkg" || missing+=("$pkg"); done
  if [ "${#missing[@]}" -gt 0 ] && ! try_install "${missing[@]}"; then
    why="not installed"
    [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && why="not installed; apt-get install failed, see $work/apt.log"
    echo "skipped: $p (${missing[*]} $why)"
    continue
  fi
  active+=("$p")
done

# ------------------------------------------------------------------- build
echo "build: swsearch (Release) in $build_dir"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 \
  || die "cmake configure failed, see $work/cmake.log"
cmake --build "$build_dir" -j2 --target swsearch swsearch-bench swsearch-export \
  >>"$work/cmake.log" 2>&1 || die "cmake build failed, see $work/cmake.log"
sw_bench=$build_dir/bench/swsearch-bench
sw_cli=$build_dir/cli/swsearch
sw_export=$build_dir/bench/peers/swsearch-export

lucene_cp=
for p in "${active[@]}"; do
  echo "build: $p peer program"
  case $p in
    xapian)
      # shellcheck disable=SC2046 # pkg-config output is a word list
      g++ -std=c++17 -O2 -Wall -Wextra -Wpedantic -Wshadow -o "$bin/xapian_bench" \
        "$here/xapian_bench.cc" $(pkg-config --cflags --libs xapian-core) \
        || die "compiling $here/xapian_bench.cc failed" ;;
    sqlite)
      gcc -std=c17 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wvla -o "$bin/sqlite_bench" "$here/sqlite_bench.c" -lsqlite3 \
        || die "compiling $here/sqlite_bench.c failed" ;;
    lucene)
      for j in core analyzers-common queryparser; do
        jars=(/usr/share/java/lucene-"$j"-4.10.*.jar)
        jar=${jars[0]}
        [ -e "$jar" ] || die "lucene-$j-4.10.*.jar not in /usr/share/java (liblucene4.10-java)"
        lucene_cp=$lucene_cp${lucene_cp:+:}$jar
      done
      mkdir -p "$bin/classes"
      javac -Xlint:all -d "$bin/classes" -cp "$lucene_cp" "$here/LuceneBench.java" \
        || die "compiling $here/LuceneBench.java failed"
      lucene_cp=$bin/classes:$lucene_cp ;;
  esac
done

# The command running peer $1, into the array cmd.
set_peer_cmd() {
  case $1 in
    xapian) cmd=("$bin/xapian_bench") ;;
    sqlite) cmd=("$bin/sqlite_bench") ;;
    lucene) cmd=(java "${java_opts[@]}" -cp "$lucene_cp" LuceneBench) ;;
  esac
}

# ------------------------------------------------------------------ export
tsv=$work/corpus.tsv
echo "export: ${#corpus[@]} corpus files -> $tsv"
t0=$(date +%s%N)
"$sw_export" --out "$tsv" "${corpus[@]}" 2>"$work/export.log" \
  || die "swsearch-export failed: $(tail -n 3 "$work/export.log")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf '{"docs": %d, "seconds": %d.%03d, "tsv_bytes": %d}\n' "$(wc -l <"$tsv")" \
  $((ms / 1000)) $((ms % 1000)) "$(stat -c %s "$tsv")" >"$work/export.json"
tail -n 1 "$work/export.log"

# ----------------------------------------------------------------- engines
cold() { # cold OUT CMD...: the cold command-line search, --cold-runs spawns
  local out=$1; shift
  "$py" "$here/report.py" cold --runs "$cold_runs" --out "$out" -- "$@"
}

echo "swsearch: build, $passes passes, $cold_runs cold runs"
"$sw_bench" --build "${corpus[@]}" --build-index "$work/ix/swsearch" \
  --queries "$queries" --passes "$passes" --json >"$work/swsearch.json" \
  2>"$work/swsearch.log" || die "swsearch-bench failed: $(tail -n 3 "$work/swsearch.log")"
cold "$work/swsearch-cold.json" "$sw_cli" --index "$work/ix/swsearch" "$cold_query" \
  || die "swsearch cold run failed"

for p in "${active[@]}"; do
  set_peer_cmd "$p"
  ix=$work/ix/$p
  echo "$p: build"
  "${cmd[@]}" build "$tsv" "$ix" >"$work/$p-build.json" 2>"$work/$p.log" \
    || die "$p build failed: $(tail -n 3 "$work/$p.log")"
  echo "$p: $passes passes"
  extra=()
  [ "$p" = lucene ] && extra=("$lucene_warmup_s")
  "${cmd[@]}" query "$ix" "$queries" "$passes" "${extra[@]}" >"$work/$p-query.json" \
    2>>"$work/$p.log" || die "$p query failed: $(tail -n 3 "$work/$p.log")"
  echo "$p: $cold_runs cold runs"
  if [ "$p" = lucene ]; then # a fresh JVM with default flags, as a CLI would be
    cold "$work/$p-cold.json" java -cp "$lucene_cp" LuceneBench cold "$ix" "$cold_query" \
      || die "$p cold run failed"
  else
    cold "$work/$p-cold.json" "${cmd[@]}" cold "$ix" "$cold_query" || die "$p cold run failed"
  fi
done

echo
engines=swsearch
for p in "${active[@]}"; do engines=$engines,$p; done
"$py" "$here/report.py" table --work "$work" --engines "$engines" | tee "$work/table.txt"
echo "results: $work (*.json, table.txt, summary.json)"
