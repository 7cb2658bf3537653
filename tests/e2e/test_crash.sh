#!/usr/bin/env bash
# Crash safety of every writer, end to end through the real binary.
#
# (A) SIGKILL at random moments. Four writes, each from a fixed old index to
#     a fixed new one:
#       rebuild   `index B`   on S2 (2 segments, deletions)   -> R
#       add       `add ADD`   on S0 (1 segment)               -> S1
#       delete    `delete ID...` (150 ids) on S1              -> S2
#       optimize  `optimize`  on S2                           -> S3
#     S0 = `index A`: 750 .txt + 150 JSON lines (900 documents, 1.8 MB);
#     ADD replaces 75 .txt and 25 JSON documents of A and brings 125 new
#     ones; the delete takes documents from both segments (and merges the
#     small one). Each write is first run to completion three times on
#     copies: the three must agree (that is NEW), differ from the old index
#     (OLD), and give the time T the kills are spread over. Then, per write, SW_CRASH_KILLS/4 times (200 in
#     all by default): a fresh copy of the old index, the write started under
#     `timeout --foreground -s KILL D` with D drawn from a seeded RANDOM
#     (half of them uniform over [0, H], half over [H/2, H], where the commit
#     happens; H starts at 1.2 T and adapts to the machine's load, see
#     below), rebuild and add alternating --mem 256 and --mem 1 (sorted runs
#     on disk). After every kill:
#       - `swsearch check` passes;
#       - the fingerprint (the --json answers of 4 queries with their exit
#         codes, and the documents/segments/deleted lines of `stats`) equals
#         OLD or NEW; a write that finished before the kill must give NEW;
#       - the same write, run again to completion, succeeds (delete: exit 1
#         when the kill came after the publish, its ids being gone), leaves
#         nothing but LOCK, CURRENT, the live commit point and its segments
#         (the next writer cleans up what the killed one left), and holds
#         NEW's document count (every 5th time: passes check and answers all
#         the queries as NEW).
#     Both outcomes must occur for every write given 20 kills or more (a
#     kill before the publish gives OLD; one after it, or a write that had
#     finished, NEW); the summary line gives the counts.
# (B) A full disk: add, delete and optimize under `ulimit -f` (RLIMIT_FSIZE,
#     SIGXFSZ ignored, so write() fails with EFBIG) exit 2 with one message
#     naming the file, leave the index answering exactly as before, passing
#     check, with no leftovers; the same write without the limit then
#     succeeds. With SIGXFSZ at its default the kernel kills the writer, and
#     the old index still answers. Where a private mount namespace is
#     allowed, the same on a tmpfs filled up to the last few KiB (ENOSPC).
#     (The full rebuild is covered in test_bad_input.sh, case (a).)
#
# SW_CRASH_KILLS (default 200, at least 4) sets the number of kills.
# ctest sets SWSEARCH (the binary), SW_SOURCE_DIR (repo root), SW_TMP (scratch).
set -eu
: "${SWSEARCH:?set by ctest}" "${SW_SOURCE_DIR:?set by ctest}" "${SW_TMP:?set by ctest}"
export LC_ALL=C

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "note: $*"; }
command -v timeout >/dev/null || { echo "SKIP: timeout(1) is needed"; exit 77; }
kills_total=${SW_CRASH_KILLS:-200}
case $kills_total in ''|*[!0-9]*) fail "SW_CRASH_KILLS=$kills_total is not a number" ;; esac
[ "$kills_total" -ge 4 ] || fail "SW_CRASH_KILLS=$kills_total: at least 4 (one per write)"
t_start=$EPOCHREALTIME
tmp="$SW_TMP/crash"
rm -rf "$tmp"
mkdir -p "$tmp"
export SWSEARCH_INDEX="$tmp/no-default-index"
unset XDG_DATA_HOME

# run CMD...: stdout/stderr in $tmp/out, $tmp/err, exit code in $rc; a
# signal death fails at once.
run() {
  rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -lt 128 ] || fail "crashed with exit $rc: $(printf '%.200s ' "$@") :: $(head -c 2000 "$tmp/err")"
}
expect_rc() { # WANT WHAT
  [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1 :: $(head -c 1000 "$tmp/err")"
}
check_ok() { # INDEX WHAT
  run "$SWSEARCH" check --index "$1"
  [ "$rc" -eq 0 ] || fail "$2: check exited $rc: $(cat "$tmp/out" "$tmp/err" | head -c 1500)"
}

# ------------------------------------------------------------- inputs --
words="och att det som en på är för med till av den har de inte om ett men var sig så kommunen staden nämnden förvaltningen beslut ärendet samverkan trygghet fritidsgård ungdomar skola budget sociala"
# gen_txt DIR FIRST COUNT SEED MARKER: .txt documents FIRST.. in 30
# sub-directories (ids dNN/docNNNN.txt), about 2 KB each, every one with
# MARKER and unique words ordnrDxI.
gen_txt() {
  awk -v dir="$1" -v first="$2" -v count="$3" -v seed="$4" -v marker="$5" -v words="$words" 'BEGIN {
    srand(seed)
    n = split(words, w, " ")
    for (d = first; d < first + count; d++) {
      sub_ = sprintf("%s/d%02d", dir, d % 30)
      if (!(sub_ in made)) { system("mkdir -p " sub_); made[sub_] = 1 }
      f = sprintf("%s/doc%04d.txt", sub_, d)
      print "Dokument " d " " marker > f
      print "" > f
      line = marker " "
      for (i = 0; i < 300; i++) {
        line = line w[int(rand() * n) + 1] " "
        if (i % 15 == 14) { print line "ordnr" d "x" i > f; line = "" }
      }
      close(f)
    }
  }'
}
# gen_jsonl FILE FIRST COUNT SEED MARKER: JSON lines with ids jNNNN.
gen_jsonl() {
  awk -v first="$2" -v count="$3" -v seed="$4" -v marker="$5" -v words="$words" 'BEGIN {
    srand(seed)
    n = split(words, w, " ")
    for (d = first; d < first + count; d++) {
      t = marker
      for (i = 0; i < 300; i++) t = t " " w[int(rand() * n) + 1] ((i % 15 == 14) ? " jordnr" d "x" i : "")
      printf "{\"id\":\"j%04d\",\"title\":\"Rad %d %s\",\"date\":\"2024-01-%02d\",\"text\":\"%s\"}\n", d, d, marker, d % 28 + 1, t
    }
  }' >"$1"
}
in="$tmp/in"
mkdir -p "$in/A" "$in/B" "$in/add"
gen_txt "$in/A" 0 750 1 grundord                # d00/doc0000.txt .. doc0749
gen_jsonl "$in/A/lines.jsonl" 0 150 2 grundord  # j0000 .. j0149
gen_txt "$in/B" 0 900 3 nyttord                 # the rebuild's input
gen_txt "$in/add" 675 150 4 tilläggsord         # 75 replace A's, 75 new
gen_jsonl "$in/add/more.jsonl" 125 75 5 tilläggsord # 25 replace, 50 new
# The delete: 50 of the added .txt documents (25 replaced, 25 new) and the
# even JSON ids j0000 .. j0198 (63 from A, 37 from ADD).
del_ids=()
for d in $(seq 675 3 822); do del_ids+=("$(printf 'd%02d/doc%04d.txt' $((d % 30)) "$d")"); done
for d in $(seq 0 2 198); do del_ids+=("$(printf 'j%04d' "$d")"); done
[ ${#del_ids[@]} -eq 150 ] || fail "set-up: ${#del_ids[@]} ids to delete"

# ------------------------------------------------------- fingerprints --
# Few, since each is a process: scores over everything (BM25 statistics),
# the two markers, one word of each of some added, replaced, deleted and
# kept documents, and a phrase (positions).
queries=("kommunen samverkan" "nyttord OR tilläggsord -grundord"
         "ordnr675x14 OR ordnr676x14 OR ordnr750x14 OR ordnr7x14 OR jordnr2x14 OR jordnr3x14 OR jordnr126x14 OR jordnr150x14"
         '"sociala budget"')
# fingerprint INDEX: every query's --json answer (took_ms dropped) with its
# exit code, then the documents/segments/deleted lines of stats. Fails on a
# query or stats error: after any kill the index must open and answer.
fingerprint() {
  local index=$1 q
  for q in "${queries[@]}"; do
    run "$SWSEARCH" search --index "$index" --json -n 10 -- "$q"
    [ "$rc" -le 1 ] || fail "query '$q' on $index exited $rc: $(cat "$tmp/err")"
    echo "== $q: exit $rc"
    sed -E 's/"took_ms": [0-9.]+, //' "$tmp/out"
  done
  run "$SWSEARCH" stats --index "$index"
  [ "$rc" -eq 0 ] || fail "stats of $index exited $rc: $(cat "$tmp/err")"
  grep -E '^(documents|segments|deleted) ' "$tmp/out"
}
# answers FINGERPRINT-FILE: the part that must not depend on how the
# documents are spread over segments (queries and the document count).
answers() { grep -Ev '^(segments|deleted) ' "$1"; }

# live_parts INDEX: the commit point CURRENT names and the segment
# directories it lists (their names are stored in it), one a line.
live_parts() {
  local cur
  cur=$(tr -d '\n' <"$1/CURRENT")
  echo "$cur"
  grep -ao 'seg-[0-9]\{8\}' "$1/$cur" | sort -u
}
# debris INDEX: what is in the index directory besides LOCK, CURRENT, the
# live commit point and its segments (each with exactly its seven files).
debris() {
  local p
  (cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | grep -vxF -e LOCK -e CURRENT $(live_parts "$1" | sed 's/^/-e /') | sort) || true
  for p in $(live_parts "$1" | grep '^seg-'); do
    (cd "$1/$p" && find . -mindepth 1 -printf "$p/%P\n" | grep -v -E "^$p/(manifest|terms|postings|positions|doclens|docmeta|doctext)$") || true
  done
}
no_debris() { # INDEX WHAT
  local d
  d=$(debris "$1" | tr '\n' ' ')
  [ -z "$d" ] || fail "$2: leftovers in the index directory: $d"
}

# -------------------------------------------------- the four writes --
# op_cmd OP MEM INDEX: the command line of write OP into INDEX, in cmd[].
op_cmd() {
  local op=$1 mem=$2 ix=$3
  case $op in
    rebuild)  cmd=("$SWSEARCH" index --mem "$mem" --index "$ix" "$in/B") ;;
    add)      cmd=("$SWSEARCH" add --mem "$mem" --index "$ix" "$in/add") ;;
    delete)   cmd=("$SWSEARCH" delete --index "$ix" "${del_ids[@]}") ;;
    optimize) cmd=("$SWSEARCH" optimize --index "$ix") ;;
  esac
}
ops=(rebuild add delete optimize)
declare -A old_of=([rebuild]=S2 [add]=S0 [delete]=S1 [optimize]=S2)
st="$tmp/states"
mkdir -p "$st"
run "$SWSEARCH" index --index "$st/S0" "$in/A"
expect_rc 0 "set-up: index A"
grep -q '^indexed 900 documents (0 skipped)' "$tmp/out" || fail "set-up: index A: $(cat "$tmp/out")"
cp -r "$st/S0" "$st/S1"
run "$SWSEARCH" add --index "$st/S1" "$in/add"
expect_rc 0 "set-up: add"
cp -r "$st/S1" "$st/S2"
run "$SWSEARCH" delete --index "$st/S2" "${del_ids[@]}"
expect_rc 0 "set-up: delete"
for s in S0 S1 S2; do
  check_ok "$st/$s" "set-up: $s"
  fingerprint "$st/$s" >"$st/$s.fp"
done
grep -q '^documents  *900$' "$st/S0.fp" && grep -q '^documents  *1025$' "$st/S1.fp" \
  && grep -q '^documents  *875$' "$st/S2.fp" && grep -q '^segments  *2$' "$st/S2.fp" \
  || fail "set-up: the states hold other counts than planned: $(grep -h -E '^(documents|segments|deleted) ' "$st"/S?.fp | tr '\n' ' ')"

# Each write to completion, three times (alternating the memory budget
# where there is one): the same result every time (NEW), not OLD, and the
# time it takes (the median of the runs with that budget).
declare -A dur new_fp
for op in "${ops[@]}"; do
  old="$st/${old_of[$op]}"
  mems=(256)
  case $op in rebuild|add) mems=(256 1) ;; esac
  for mem in "${mems[@]}"; do
    times=()
    for i in 1 2 3; do
      w="$tmp/measure"
      rm -rf "$w"
      cp -r "$old" "$w"
      op_cmd "$op" "$mem" "$w"
      t0=$EPOCHREALTIME
      run "${cmd[@]}"
      t1=$EPOCHREALTIME
      expect_rc 0 "set-up: $op --mem $mem to completion"
      times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
      check_ok "$w" "set-up: $op --mem $mem"
      no_debris "$w" "set-up: $op --mem $mem"
      fingerprint "$w" >"$tmp/fp"
      if [ -z "${new_fp[$op]:-}" ]; then
        new_fp[$op]="$st/$op.new.fp"
        cp "$tmp/fp" "${new_fp[$op]}"
      fi
      cmp -s "$tmp/fp" "${new_fp[$op]}" || { diff -u "${new_fp[$op]}" "$tmp/fp" | head -30; fail "set-up: $op --mem $mem gives another result on run $i"; }
    done
    dur[$op.$mem]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  done
  ! cmp -s "$old.fp" "${new_fp[$op]}" || fail "set-up: $op changes nothing the fingerprint shows"
done
# optimize changes how the documents are stored, not what the index answers.
cmp -s <(answers "$st/S2.fp") <(answers "${new_fp[optimize]}") \
  || { diff -u <(answers "$st/S2.fp") <(answers "${new_fp[optimize]}") | head -30; fail "optimize changed the answers"; }
echo "durations (s): $(for k in "${!dur[@]}"; do printf '%s=%s ' "$k" "${dur[$k]}"; done | tr ' ' '\n' | sort | tr '\n' ' ')"

# ------------------------------------------------ (A) the kill loop --
seed_of() { case $1 in rebuild) echo 1001 ;; add) echo 2002 ;; delete) echo 3003 ;; optimize) echo 4004 ;; esac; }
summary=""
ix="$tmp/killed"
for oi in "${!ops[@]}"; do
  op=${ops[$oi]}
  old="$st/${old_of[$op]}"
  n=$((kills_total / 4 + (oi < kills_total % 4 ? 1 : 0)))
  RANDOM=$(seed_of "$op")
  k_old=0 k_new=0 finished=0 left=0
  declare -A hi=([256]=$(awk -v T="${dur[$op.256]}" 'BEGIN { print 1.2 * T }'))
  case $op in rebuild|add) hi[1]=$(awk -v T="${dur[$op.1]}" 'BEGIN { print 1.2 * T }') ;; esac
  for k in $(seq 1 "$n"); do
    mem=256
    case $op in rebuild|add) [ $((k % 2)) -eq 0 ] && mem=1 ;; esac
    # The delay: odd kills uniform over [0, H], even ones over [H/2, H].
    # H starts at 1.2 T and follows the load: a write that finished pulls
    # it towards 1.05 times its real duration, a kill in the upper fifth
    # that still found the old index pushes it up by 15%.
    H=${hi[$mem]}
    r=$(((RANDOM << 15 | RANDOM) % 1000000)) # uniform in [0, 1e6)
    lo=0
    [ $((k % 2)) -eq 1 ] || lo=0.5
    delay=$(awk -v H="$H" -v lo="$lo" -v r="$r" 'BEGIN { printf "%.4f", H * (lo + (1 - lo) * r / 1e6) }')
    [ "$delay" != 0.0000 ] || delay=0.0001 # timeout 0 would mean no limit
    rm -rf "$ix"
    cp -r "$old" "$ix"
    op_cmd "$op" "$mem" "$ix"
    krc=0
    # --foreground: timeout kills the writer alone and waits for it (without
    # it, timeout kills its process group, itself included, and may return
    # before the writer is gone and its lock released).
    t0=$EPOCHREALTIME
    timeout --foreground -s KILL "$delay" "${cmd[@]}" >"$tmp/kill.out" 2>"$tmp/kill.err" || krc=$?
    took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')
    what="$op --mem $mem killed after ${delay}s (window ${H}s, kill $k of $n)"
    case $krc in
      137|124) krc=137 ;; # the timer fired: killed (124: or it exited just then)
      0) ;;               # finished before the timer
      *) fail "$what: exit $krc :: $(head -c 1000 "$tmp/kill.err")" ;;
    esac
    if [ -n "$(debris "$ix")" ]; then left=$((left + 1)); fi
    check_ok "$ix" "$what"
    fingerprint "$ix" >"$tmp/fp"
    if cmp -s "$tmp/fp" "$old.fp"; then
      state=old
    elif cmp -s "$tmp/fp" "${new_fp[$op]}"; then
      state=new
    else
      diff -u "$old.fp" "$tmp/fp" | head -40
      fail "$what: the index answers neither as before nor as after the $op"
    fi
    if [ "$krc" -eq 0 ]; then
      [ "$state" = new ] || fail "$what: the $op finished (exit 0), yet the index answers as before it"
      finished=$((finished + 1))
      hi[$mem]=$(awk -v H="$H" -v d="$took" 'BEGIN { printf "%.4f", 0.5 * H + 0.5 * 1.05 * d }')
    elif [ "$state" = old ]; then
      k_old=$((k_old + 1))
      hi[$mem]=$(awk -v H="$H" -v d="$delay" 'BEGIN { printf "%.4f", (d >= 0.8 * H ? 1.15 * H : H) }')
    else
      k_new=$((k_new + 1))
    fi
    # The next writer: the same write to completion.
    op_cmd "$op" "$mem" "$ix"
    run "${cmd[@]}"
    want=0
    [ "$op" = delete ] && [ "$state" = new ] && want=1
    expect_rc "$want" "$what; the $op again"
    if [ "$want" -eq 1 ]; then
      [ "$(grep -c ': no document with this id$' "$tmp/err")" -eq ${#del_ids[@]} ] \
        || fail "$what; the delete again: $(head -c 600 "$tmp/err")"
    else
      [ ! -s "$tmp/err" ] || fail "$what; the $op again warned: $(head -c 600 "$tmp/err")"
    fi
    no_debris "$ix" "$what; the $op again"
    # check and all the answers every 5th time (the cost of 6 processes;
    # under AddressSanitizer each costs), the document count every time.
    if [ $((k % 5)) -eq 0 ]; then
      check_ok "$ix" "$what; the $op again"
      fingerprint "$ix" >"$tmp/fp"
      cmp -s <(answers "$tmp/fp") <(answers "${new_fp[$op]}") \
        || { diff -u <(answers "${new_fp[$op]}") <(answers "$tmp/fp") | head -30; fail "$what; the $op again answers differently from NEW"; }
    else
      run "$SWSEARCH" stats --index "$ix"
      grep -E '^documents ' "$tmp/out" | cmp -s - <(grep -E '^documents ' "${new_fp[$op]}") \
        || fail "$what; the $op again: $(grep -E '^documents ' "$tmp/out"), expected $(grep -E '^documents ' "${new_fp[$op]}")"
    fi
  done
  # Both sides of the publish must have been hit (with fewer than 20 kills
  # that is left to chance, and only noted).
  if [ "$k_old" -eq 0 ] || [ $((k_new + finished)) -eq 0 ]; then
    msg="$op: $n kills, $k_old before the publish, $((k_new + finished)) after it or after the end (T ${dur[$op.256]}s, window ${hi[256]}s at the end)"
    if [ "$n" -ge 20 ]; then fail "$msg: one side was never hit"; else note "$msg"; fi
  fi
  echo "$op: $n kills (T ${dur[$op.256]}s, window ${hi[256]}s at the end): $k_old old, $k_new new (killed after the publish), $finished finished before the kill; $left left debris, cleaned up by the next writer"
  summary+="$op $n (old $k_old, new $((k_new + finished))); "
  unset hi
done

# ------------------------------------------------ (B) a full disk --
# limited OP KB INDEX: OP into INDEX under ulimit -f KB with SIGXFSZ
# ignored. stderr goes through a pipe (a file would be limited too).
limited() {
  local op=$1 kb=$2 w=$3
  op_cmd "$op" 256 "$w"
  rc=0
  ( ulimit -f "$kb"; trap '' XFSZ; exec "${cmd[@]}" ) 2>&1 >"$tmp/out" | cat >"$tmp/err"
  rc=${PIPESTATUS[0]}
  [ "$rc" -lt 128 ] || fail "$op under ulimit -f $kb died with exit $rc: $(cat "$tmp/err")"
}
full=0
for op in add delete optimize; do
  old="$st/${old_of[$op]}"
  # 0: the first write fails; 64 KiB: a segment is partly written first.
  for kb in 0 64; do
    w="$tmp/fsz"
    rm -rf "$w"
    cp -r "$old" "$w"
    limited "$op" "$kb" "$w"
    what="(B) $op under ulimit -f $kb"
    expect_rc 2 "$what"
    grep -Eq "^swsearch: .*$w/(seg|commit)-[0-9]{8}(/[a-z0-9.-]+)?: File too large$" "$tmp/err" \
      || fail "$what: the message does not name the file: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: expected one message: $(cat "$tmp/err")"
    check_ok "$w" "$what"
    no_debris "$w" "$what"
    fingerprint "$w" >"$tmp/fp"
    cmp -s "$tmp/fp" "$old.fp" || { diff -u "$old.fp" "$tmp/fp" | head -30; fail "$what: the index answers differently"; }
    op_cmd "$op" 256 "$w"
    run "${cmd[@]}"
    expect_rc 0 "$what, then without the limit"
    fingerprint "$w" >"$tmp/fp"
    cmp -s "$tmp/fp" "${new_fp[$op]}" || fail "$what, then without the limit: not NEW"
    full=$((full + 1))
  done
  # With SIGXFSZ at its default the kernel kills the writer.
  w="$tmp/fsz-sig"
  rm -rf "$w"
  cp -r "$old" "$w"
  op_cmd "$op" 256 "$w"
  rc=0
  { ( ulimit -f 64; trap - XFSZ; exec "${cmd[@]}" ) >/dev/null 2>&1 || rc=$?; } 2>/dev/null
  [ "$rc" -eq 2 ] || [ "$rc" -eq $((128 + $(kill -l XFSZ))) ] || fail "(B) $op killed by SIGXFSZ: exit $rc"
  check_ok "$w" "(B) $op killed by SIGXFSZ"
  fingerprint "$w" >"$tmp/fp"
  cmp -s "$tmp/fp" "$old.fp" || fail "(B) $op killed by SIGXFSZ: the index answers differently"
done
echo "(B) add, delete, optimize under ulimit -f 0 and 64: exit 2 naming the file, the last commit intact ($full cases)"

# ENOSPC: the old index on a small tmpfs (private mount namespace), the rest
# of the space taken by a filler file but for 48 KiB.
mnt="$tmp/tiny"
mkdir -p "$mnt"
ns=()
if unshare -m -- sh -c "mount -t tmpfs -o size=16m tmpfs '$mnt'" 2>/dev/null; then
  ns=(unshare -m --)
elif unshare -r -m -- sh -c "mount -t tmpfs -o size=16m tmpfs '$mnt'" 2>/dev/null; then
  ns=(unshare -r -m --)
fi
if [ ${#ns[@]} -gt 0 ]; then
  printf '%s\n' "${del_ids[@]}" >"$tmp/del_ids.txt"
  cat >"$tmp/enospc.sh" <<'EOF'
set -u
mnt=$1 st=$2 in=$3 out=$4
mount -t tmpfs -o size=16m tmpfs "$mnt" || exit 90
mapfile -t ids <"$out/../del_ids.txt"
for op in add delete optimize; do
  case $op in add) old=S0 ;; delete) old=S1 ;; optimize) old=S2 ;; esac
  rm -rf "$mnt/ix" "$mnt/filler"
  cp -r "$st/$old" "$mnt/ix"
  avail=$(df -k --output=avail "$mnt" | tail -1)
  fallocate -l $(( (avail - 48) * 1024 )) "$mnt/filler" 2>/dev/null \
    || head -c $(( (avail - 48) * 1024 )) /dev/zero >"$mnt/filler" 2>/dev/null
  case $op in
    add) "$SWSEARCH" add --index "$mnt/ix" "$in/add" ;;
    delete) "$SWSEARCH" delete --index "$mnt/ix" "${ids[@]}" ;;
    optimize) "$SWSEARCH" optimize --index "$mnt/ix" ;;
  esac >/dev/null 2>"$out/$op.err"
  echo $? >"$out/$op.rc"
  "$SWSEARCH" check --index "$mnt/ix" >"$out/$op.check" 2>&1; echo $? >"$out/$op.checkrc"
  rm -rf "$out/$op.ix"; cp -r "$mnt/ix" "$out/$op.ix"
  # the space back: the write succeeds
  rm -f "$mnt/filler"
  case $op in
    add) "$SWSEARCH" add --index "$mnt/ix" "$in/add" ;;
    delete) "$SWSEARCH" delete --index "$mnt/ix" "${ids[@]}" ;;
    optimize) "$SWSEARCH" optimize --index "$mnt/ix" ;;
  esac >/dev/null 2>"$out/$op.err2"
  echo $? >"$out/$op.rc2"
  rm -rf "$out/$op.ix2"; cp -r "$mnt/ix" "$out/$op.ix2"
done
EOF
  e="$tmp/enospc"
  mkdir -p "$e"
  rc=0
  SWSEARCH="$SWSEARCH" "${ns[@]}" bash "$tmp/enospc.sh" "$mnt" "$st" "$in" "$e" || rc=$?
  [ "$rc" -eq 0 ] || fail "(B) ENOSPC script exited $rc"
  for op in add delete optimize; do
    what="(B) $op on a full tmpfs"
    r=$(cat "$e/$op.rc")
    [ "$r" -eq 2 ] || fail "$what: exit $r, expected 2 :: $(cat "$e/$op.err")"
    grep -Eq "^swsearch: .*$mnt/ix/(seg|commit)-[0-9]{8}(/[a-z0-9.-]+)?: No space left on device$" "$e/$op.err" \
      || fail "$what: message: $(cat "$e/$op.err")"
    [ "$(cat "$e/$op.checkrc")" -eq 0 ] || fail "$what: check: $(cat "$e/$op.check")"
    fingerprint "$e/$op.ix" >"$tmp/fp"
    cmp -s "$tmp/fp" "$st/${old_of[$op]}.fp" || fail "$what: the index answers differently"
    no_debris "$e/$op.ix" "$what"
    [ "$(cat "$e/$op.rc2")" -eq 0 ] || fail "$what, then with space: $(cat "$e/$op.err2")"
    fingerprint "$e/$op.ix2" >"$tmp/fp"
    cmp -s "$tmp/fp" "${new_fp[$op]}" || fail "$what, then with space: not NEW"
  done
  echo "(B) add, delete, optimize on a full tmpfs: exit 2 naming the file, the last commit intact"
else
  note "(B) no private mount namespace here; the ENOSPC cases did not run"
fi

secs=$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
echo "crash summary: $kills_total kills: ${summary% } in ${secs}s"
rm -rf "$tmp"
echo "crash e2e: ok"
