#!/usr/bin/env python3
"""report.py: helpers of bench/peers/run.sh (Python 3 standard library only).

  report.py cold --runs N --out FILE -- COMMAND...
      Spawn COMMAND once untimed (page cache warm-up), then N times timed,
      each time reading all of its output through a pipe, and write JSON
      {"runs", "median_ms", "p90_ms", "min_ms", "max_ms", "lines", "command"}
      to FILE. A run is the wall time from spawn to exit (time.perf_counter).
      Exit status 0 or 1 (swsearch: no hits) is accepted; anything else stops
      with the command's stderr.

  report.py table --work DIR [--engines swsearch,xapian,...]
      Read the JSON files run.sh wrote in DIR (swsearch.json,
      swsearch-cold.json, <peer>-build.json, <peer>-query.json,
      <peer>-cold.json, export.json), print the side-by-side table and write
      it, with the numbers, to DIR/summary.json.

Latency ratios are swsearch / peer: below 1 means swsearch answered faster.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

PCTS = ("p50", "p95", "p99")


def fail(msg):
    print(f"report.py: {msg}", file=sys.stderr)
    sys.exit(2)


def nearest_rank(sorted_vals, p):
    rank = max(1, min(len(sorted_vals), math.ceil(p / 100 * len(sorted_vals))))
    return sorted_vals[rank - 1]


# ------------------------------------------------------------------- cold

def cmd_cold(args):
    if not args.command:
        fail("cold: no command given")
    cmd = args.command[1:] if args.command[0] == "--" else args.command
    times = []
    lines = 0
    for i in range(args.runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        dt = (time.perf_counter() - t0) * 1e3
        if proc.returncode not in (0, 1):
            fail(f"cold: {' '.join(cmd)}: exit {proc.returncode}: "
                 f"{proc.stderr.decode('utf-8', 'replace').strip()}")
        if i > 0:  # run 0 warms the page cache and is not counted
            times.append(dt)
        lines = proc.stdout.count(b"\n")
    times.sort()
    out = {
        "runs": len(times),
        "median_ms": round(nearest_rank(times, 50), 3),
        "p90_ms": round(nearest_rank(times, 90), 3),
        "min_ms": round(times[0], 3),
        "max_ms": round(times[-1], 3),
        "lines": lines,
        "command": cmd,
    }
    try:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False)
            f.write("\n")
    except OSError as e:
        fail(f"{args.out}: {e}")


# ------------------------------------------------------------------ table

def load(path, required=True):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        if required:
            fail(f"{path}: missing (did its step of run.sh fail?)")
        return None
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{path}: {e}")


def fmt(x, width, prec=3):
    if x is None:
        return "-".rjust(width)
    return f"{x:{width}.{prec}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def cmd_table(args):
    work = args.work
    engines = [e for e in args.engines.split(",") if e]
    if not engines or engines[0] != "swsearch":
        fail("table: --engines must start with swsearch")
    peers = engines[1:]

    sw = load(os.path.join(work, "swsearch.json"))
    export = load(os.path.join(work, "export.json"), required=False)
    classes = {"swsearch": sw["classes"]}
    build = {}
    cold = {"swsearch": load(os.path.join(work, "swsearch-cold.json"))}
    b = sw.get("build") or {}
    build["swsearch"] = {
        "docs": b.get("docs"), "text_bytes": b.get("text_bytes"),
        "seconds": b.get("seconds"), "mb_per_s": b.get("mb_per_s"),
        "peak_rss_mb": b.get("peak_rss_mb"),
        "index_bytes": (sw.get("index_bytes") or {}).get("total"),
    }
    meta = {"swsearch": {"passes": sw.get("passes"), "warmup_passes": 1}}
    for p in peers:
        q = load(os.path.join(work, f"{p}-query.json"))
        classes[p] = q["classes"]
        meta[p] = {"passes": q.get("passes"), "warmup_passes": q.get("warmup_passes")}
        build[p] = load(os.path.join(work, f"{p}-build.json"))
        cold[p] = load(os.path.join(work, f"{p}-cold.json"))

    out = []
    w = 9
    out.append("query latency in ms per class: nearest-rank p50/p95/p99 of "
               "(queries x timed passes) samples, top 10 with id and title")
    out.append("ratio = swsearch / peer (below 1: swsearch faster); "
               "best = the fastest peer for that class and percentile")
    head = f"{'class':<10}{'pct':<5}" + "".join(f"{e:>{w}}" for e in engines)
    head += "".join(f"{'sw/' + p[:6]:>{w + 1}}" for p in peers)
    head += f"{'sw/best':>{w + 1}}  best"
    out.append(head)
    summary_classes = {}
    for cls in sw["classes"]:
        summary_classes[cls] = {}
        for pct in PCTS:
            key = f"{pct}_ms"
            vals = {e: (classes[e].get(cls) or {}).get(key) for e in engines}
            peer_vals = {p: vals[p] for p in peers if vals[p] is not None}
            best = min(peer_vals, key=peer_vals.get) if peer_vals else None
            line = f"{cls:<10}{pct:<5}" + "".join(fmt(vals[e], w) for e in engines)
            rs = {p: ratio(vals["swsearch"], vals[p]) for p in peers}
            line += "".join(" " + fmt(rs[p], w, 2) for p in peers)
            rbest = ratio(vals["swsearch"], vals[best]) if best else None
            line += " " + fmt(rbest, w, 2) + f"  {best or '-'}"
            out.append(line)
            summary_classes[cls][pct] = {"ms": vals, "ratio": rs,
                                         "best_peer": best, "ratio_best": rbest}
    zero = []
    for cls in sw["classes"]:
        zs = [f"{e} {(classes[e].get(cls) or {}).get('zero_hit_queries', '-')}"
              for e in engines]
        zero.append(f"  {cls}: " + ", ".join(zs))
    out.append("queries with no hit (of the class's queries):")
    out.extend(zero)
    out.append("timed passes: " + ", ".join(
        f"{e} {meta[e]['passes']} (+{meta[e]['warmup_passes']} warm-up)"
        for e in engines))

    out.append("")
    out.append("build, index size, cold command-line search "
               "(MB = 10^6 bytes; raw = title + text bytes)")
    out.append(f"{'engine':<10}{'docs':>7}{'raw MB':>9}{'build s':>9}"
               f"{'MB/s':>8}{'peak RSS':>10}{'index MB':>10}{'idx/raw':>9}"
               f"{'cold ms':>9}{'cold p90':>9}{'out lines':>10}")
    summary_build = {}
    for e in engines:
        bd = build[e] or {}
        raw = bd.get("text_bytes")
        ib = bd.get("index_bytes")
        c = cold[e] or {}
        out.append(
            f"{e:<10}{bd.get('docs') or 0:>7}"
            f"{fmt(raw / 1e6 if raw else None, 9, 1)}"
            f"{fmt(bd.get('seconds'), 9, 2)}{fmt(bd.get('mb_per_s'), 8, 2)}"
            f"{fmt(bd.get('peak_rss_mb'), 10, 1)}"
            f"{fmt(ib / 1e6 if ib else None, 10, 1)}"
            f"{fmt(ratio(ib, raw), 9, 3)}"
            f"{fmt(c.get('median_ms'), 9, 1)}{fmt(c.get('p90_ms'), 9, 1)}"
            f"{c.get('lines', '-'):>10}")
        summary_build[e] = {**bd, "index_raw_ratio": ratio(ib, raw),
                            "cold_median_ms": c.get("median_ms"),
                            "cold_p90_ms": c.get("p90_ms"),
                            "cold_runs": c.get("runs")}
    docs = {e: (build[e] or {}).get("docs") for e in engines}
    if len(set(docs.values())) != 1:
        out.append(f"WARNING: engines indexed different document counts: {docs}")
    raws = {e: (build[e] or {}).get("text_bytes") for e in engines}
    if len(set(raws.values())) != 1:
        out.append(f"note: raw bytes differ: {raws}")
    if export:
        out.append(f"export (not in any peer's build time): {export.get('docs')} "
                   f"documents in {export.get('seconds')} s")
    runs = {cold[e].get("runs") for e in engines if cold[e]}
    out.append(f"cold: median of {'/'.join(str(r) for r in sorted(runs))} spawns "
               f"after one untimed one, page cache warm; query: "
               f"{' '.join(cold['swsearch'].get('command', [])[-1:])}")
    text = "\n".join(out)
    print(text)
    try:
        with open(os.path.join(work, "summary.json"), "w", encoding="utf-8") as f:
            json.dump({"classes": summary_classes, "build": summary_build,
                       "table": text}, f, ensure_ascii=False, indent=1)
            f.write("\n")
    except OSError as e:
        fail(f"{work}/summary.json: {e}")


def main():
    ap = argparse.ArgumentParser(prog="report.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cold")
    c.add_argument("--runs", type=int, default=50)
    c.add_argument("--out", required=True)
    c.add_argument("command", nargs=argparse.REMAINDER)
    t = sub.add_parser("table")
    t.add_argument("--work", required=True)
    t.add_argument("--engines", default="swsearch,xapian,lucene,sqlite")
    args = ap.parse_args()
    if args.cmd == "cold":
        if args.runs < 1:
            fail("cold: --runs must be at least 1")
        cmd_cold(args)
    else:
        cmd_table(args)


if __name__ == "__main__":
    main()
