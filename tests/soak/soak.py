#!/usr/bin/env python3
"""A million mixed requests against one httpd: errors, memory, log lines.

One private httpd (mpm_event, the sample data on SQLite, the module as
built) gets the good and bad requests of mixed.lua from wrk in rounds of a
few seconds until the total is reached. After each round the workers'
resident memory is read from /proc. At the end it prints the replies by
status next to what the mix predicts, wrk's socket errors, the workers'
RSS at the start and the end, and the error log's lines by tag. It exits 1
on an unexpected status, a socket error, a worker that died or memory that
grew by more than --rss-slack KiB.
"""
import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
sys.path.insert(0, str(HERE.parent / "bench"))
from harness import Httpd, SQL, make_sqlite_db  # noqa: E402
from bench import worker_rss  # noqa: E402

TAGGED = re.compile(r"\[([a-z_]+):([a-z0-9]+)\].*?\b(AMX\d{5}|AH\d{5})")


def run_round(url, seconds, threads, connections):
    p = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                        "-s", str(HERE / "mixed.lua"), url], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"wrk failed:\n{p.stdout}{p.stderr}")
    out = p.stdout
    if "Socket errors" in out:
        print("  wrk: " + re.search(r"Socket errors.*", out).group(0), flush=True)
    counts = collections.Counter()
    expected = collections.Counter()
    for status, n in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M):
        counts[int(status)] += int(n)
    for status in re.findall(r"^EXPECT (\d+)$", out, re.M):
        expected[int(status)] += 1
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return counts, expected, socket_errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--round-seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--rss-slack", type=int, default=2048,
                    help="KiB a worker may grow between the first and the last round (default 2048)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (config, logs)")
    ap.add_argument("--extra", default="", help="directives to add (e.g. 'AutomxCacheTTL 60')")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="automx-soak-"))
    work.chmod(0o755)
    failed = []
    try:
        db = make_sqlite_db(work / "db" / "automx.db", SQL / "sample-data.sql")
        h = Httpd(work / "httpd")
        # One fixed set of workers, so that memory is followed per process,
        # with a thread for every connection: mpm_event closes idle
        # keep-alive connections when all its threads are busy, and wrk
        # would count those as read errors.
        h.start(dbdparams=str(db), access_log=False, loglevel="warn automx:info",
                extra=args.extra + "\nStartServers 2\nServerLimit 2\nThreadsPerChild 64\n"
                      "MaxRequestWorkers 128\nMinSpareThreads 1\nMaxSpareThreads 128\n")
        url = f"http://127.0.0.1:{h.port}"
        total = collections.Counter()
        socket_errors = 0
        rss_first = rss_last = None
        n = 0
        while sum(total.values()) < args.requests:
            counts, expected, errs = run_round(url, args.round_seconds, args.threads, args.connections)
            total.update(counts)
            socket_errors += errs
            n += 1
            rss = worker_rss(h.proc.pid)
            if rss_first is None:
                rss_first = rss
            rss_last = rss
            print(f"round {n}: {sum(total.values()):>9} replies, worker RSS KiB "
                  + " ".join(f"{pid}:{kib}" for pid, kib in sorted(rss.items())), flush=True)
            if not h.alive():
                failed.append("httpd died")
                break
        replies = sum(total.values())
        share = {s: c / sum(expected.values()) for s, c in expected.items()}
        print(f"\n{replies} replies in {n} rounds of {args.round_seconds} s "
              f"({args.threads} threads, {args.connections} connections)")
        print(f"{'status':>6}{'replies':>10}{'expected':>10}")
        for status in sorted(set(total) | set(share)):
            want = share.get(status, 0) * replies
            print(f"{status:>6}{total[status]:>10}{want:>10.0f}")
            # wrk stops rounds with requests in flight: a few per connection.
            if abs(total[status] - want) > n * args.connections * len(expected):
                failed.append(f"status {status}: {total[status]} replies, {want:.0f} expected")
        print(f"socket errors: {socket_errors}")
        if socket_errors:
            failed.append(f"{socket_errors} socket errors")
        print("worker RSS KiB, first round -> last round:")
        for pid in sorted(set(rss_first) | set(rss_last)):
            a, b = rss_first.get(pid), rss_last.get(pid)
            print(f"  pid {pid}: {a} -> {b}")
            if a is None or b is None:
                failed.append(f"worker {pid} came or went during the run")
            elif b - a > args.rss_slack:
                failed.append(f"worker {pid} grew by {b - a} KiB")
        tags = collections.Counter()
        for line in h.error_log.read_text(errors="replace").splitlines():
            m = TAGGED.search(line)
            tags[f"{m.group(3)} [{m.group(1)}:{m.group(2)}]" if m else "(untagged)"] += 1
        print("error log lines by tag:")
        for tag, count in sorted(tags.items()):
            print(f"  {tag:<28}{count:>9}")
        h.stop()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    if failed:
        print("\nFAILED:\n  " + "\n  ".join(failed))
        sys.exit(1)
    print("\nno unexpected status, no socket error, no growth")


if __name__ == "__main__":
    main()
