#!/usr/bin/env python3
"""Throughput, latency, CPU and memory of mod_automx next to a static file.

One private httpd (mpm_event with two processes of 64 threads, keep-alive
without limit, no access log) serves both the module's replies and, under
/static/, files holding exactly the bytes of those replies: the static file
is the physical limit of this machine for a reply of that size. wrk (2
threads, 32 connections) measures each target in alternating rounds after a
warm-up; the figures are medians, each ratio the median of the rounds'
ratios, and every non-2xx reply and socket error is counted.
Instructions per request come from callgrind on `httpd -X`, which counts
the same on a busy and on an idle machine: the difference between a run of
50 requests and one of 50 + N, so that start-up and the one-time work of
the first requests are left out.
"""
import argparse
import http.client
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
from harness import Httpd, SQL, make_sqlite_db, pipelined_autoconfig  # noqa: E402

ADDRESS = "a@example.com"
AUTODISCOVER_LUA = HERE / "autodiscover.lua"
CLK_TCK = os.sysconf("SC_CLK_TCK")

STATIC_CONF = """
EnableMMAP Off
<Location /static/>
    SetHandler none
</Location>
"""
# For the wrk runs, module and static file alike: one fixed set of workers
# with a thread for every connection. mpm_event closes idle keep-alive
# connections when all the threads of a process are busy, which happens
# while it starts more processes, and wrk counts those as read errors.
MPM_CONF = """
StartServers 2
ServerLimit 2
ThreadsPerChild 64
MaxRequestWorkers 128
MinSpareThreads 1
MaxSpareThreads 128
"""


class Target:
    def __init__(self, name, path, static_name, lua=None, method="GET"):
        self.name, self.path, self.static_name, self.lua, self.method = \
            name, path, static_name, lua, method


TARGETS = [
    Target("autoconfig", f"/mail/config-v1.1.xml?emailaddress={ADDRESS}", "autoconfig.xml"),
    Target("autodiscover", "/autodiscover/autodiscover.xml", "autodiscover.xml",
           lua=AUTODISCOVER_LUA, method="POST"),
    Target("mobileconfig", f"/mobileconfig/?emailaddress={ADDRESS}", "mobileconfig.plist"),
    Target("autodiscover-json",
           f"/autodiscover/autodiscover.json?Email={ADDRESS}&Protocol=AutodiscoverV1",
           "autodiscover.json"),
]


def httpd_pids(parent):
    pids = [parent]
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == parent:
                pids.append(int(d.name))
    return pids


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def worker_rss(parent):
    """{pid: resident memory in KiB} of httpd's children."""
    rss = {}
    for pid in httpd_pids(parent)[1:]:
        try:
            m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        if m:
            rss[pid] = int(m.group(1))
    return rss


def worker_rss_kib(parent):
    return max(worker_rss(parent).values(), default=0)


def parse_duration_ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", s)
    if m is None:
        raise SystemExit(f"cannot read wrk's latency {s!r}")
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000, "m": v * 60000}[m.group(2)]


def run_wrk(url, seconds, threads, connections, lua=None):
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if lua:
        cmd += ["-s", str(lua)]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    if "Latency Distribution" not in out:
        raise SystemExit(f"wrk did not measure {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    # Anchored: "+/- Stdev" of the thread stats can end in "50%" too.
    p50 = parse_duration_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = parse_duration_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    # "Socket errors: connect 0, read 1, write 0, timeout 0", only when any.
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "requests": total, "p50": p50, "p99": p99,
            "non2xx": int(bad.group(1)) if bad else 0,
            "sockerr": sum(int(n) for n in sock.groups()) if sock else 0}


def measure(httpd, url, args, lua=None):
    pids = httpd_pids(httpd.proc.pid)
    before = cpu_seconds(pids)
    r = run_wrk(url, args.seconds, args.threads, args.connections, lua)
    r["cpu_us"] = (cpu_seconds(httpd_pids(httpd.proc.pid)) - before) * 1e6 / max(r["requests"], 1)
    r["rss_kib"] = worker_rss_kib(httpd.proc.pid)
    return r


def autodiscover_body():
    return AUTODISCOVER_LUA.read_text().split("[[", 1)[1].rsplit("]]", 1)[0].encode()


def fetch(httpd, target):
    if target.method == "POST":
        return httpd.request("POST", target.path, body=autodiscover_body(),
                             headers={"Content-Type": "text/xml; charset=utf-8"})
    return httpd.get(target.path)


SCALE_DOMAINS = 100000


def bench_server(label, httpd, args, results):
    """Measures every target that answers 200 on HTTPD, next to its static twin."""
    static_dir = httpd.root / "htdocs" / "static"
    static_dir.mkdir(parents=True, exist_ok=True)
    live = []
    for t in TARGETS:
        r = fetch(httpd, t)
        if r.status != 200:
            print(f"  {label} {t.name}: answers {r.status}, not measured")
            continue
        (static_dir / t.static_name).write_bytes(r.body)
        if httpd.get(f"/static/{t.static_name}").body != r.body:
            raise SystemExit("static twin differs")
        live.append(t)
    if args.no_wrk:
        return
    base = f"http://127.0.0.1:{httpd.port}"
    # Warm-up: connections, caches, page cache. A cache's steady state for
    # the random domains of the synthetic dataset is every domain cached
    # in every process: four connections ask for each domain once.
    if any(t.name == "autoconfig-100k" for t in live):
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda k: pipelined_autoconfig(httpd.port, range(SCALE_DOMAINS), 200),
                          range(4)))
    for t in live:
        run_wrk(base + t.path, args.warmup, args.threads, args.connections, t.lua)
        run_wrk(f"{base}/static/{t.static_name}", args.warmup, args.threads, args.connections)
    rounds = {}
    for n in range(args.rounds):
        for t in live:
            for kind, url, lua in (("static", f"{base}/static/{t.static_name}", None),
                                   ("module", base + t.path, t.lua)):
                rounds.setdefault((t.name, kind), []).append(measure(httpd, url, args, lua))
    for t in live:
        med = {}
        for kind in ("static", "module"):
            rs = rounds[(t.name, kind)]
            med[kind] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
            for k in ("non2xx", "sockerr"):  # every one counts, not the median
                med[kind][k] = sum(r[k] for r in rs)
        # Ratios of each round's two runs, taken back to back: the speed of
        # this VM drifts by more than the differences measured here, and a
        # pair of runs seconds apart shares the drift.
        pairs = list(zip(rounds[(t.name, "module")], rounds[(t.name, "static")]))
        rps = [m["rps"] / s["rps"] for m, s in pairs]
        med["ratio"] = {"rps": statistics.median(rps), "rps_min": min(rps), "rps_max": max(rps),
                        "cpu_us": statistics.median(m["cpu_us"] / s["cpu_us"] for m, s in pairs)}
        results.append((label, t.name, med))


def print_results(results):
    """Medians over the rounds; each ratio is the median of the rounds'
    ratios, and "range" the lowest and highest of them for req/s. The
    error columns count every non-2xx reply and socket error of the module
    and the static file in all rounds."""
    print()
    print(f"{'setup':<22}{'reply':<16}{'req/s':>10}{'static':>10}{'ratio':>7}{'range':>11}"
          f"{'p50 ms':>8}{'p99 ms':>8}{'CPU us':>8}{'static':>8}{'ratio':>7}{'RSS MiB':>9}"
          f"{'non-2xx':>8}{'sock err':>9}")
    for label, name, med in results:
        m, s, q = med["module"], med["static"], med["ratio"]
        spread = f"{q['rps_min']:.2f}-{q['rps_max']:.2f}"
        print(f"{label:<22}{name:<16}{m['rps']:>10.0f}{s['rps']:>10.0f}{q['rps']:>7.2f}{spread:>11}"
              f"{m['p50']:>8.2f}{m['p99']:>8.2f}{m['cpu_us']:>8.1f}{s['cpu_us']:>8.1f}"
              f"{q['cpu_us']:>7.2f}{m['rss_kib'] / 1024:>9.1f}"
              f"{m['non2xx'] + s['non2xx']:>8}{m['sockerr'] + s['sockerr']:>9}")


# Requests both callgrind runs of a pair make before the measured ones: the
# difference of the two runs is the steady state, without start-up and
# without what only the first requests do (the database query that fills
# the cache, rendering the kept reply or template, opening the file).
CALLGRIND_WARMUP = 50


def callgrind_instructions(root, db, path, requests, extra, method="GET", body=None):
    """Instructions httpd -X spends per request of PATH in the steady state:
    (run of CALLGRIND_WARMUP + REQUESTS requests - run of CALLGRIND_WARMUP) / REQUESTS."""
    totals = []
    for n in (CALLGRIND_WARMUP, CALLGRIND_WARMUP + requests):
        h = Httpd(root / f"cg-{n}")
        # The log level of the wrk runs: at the test configuration's
        # automx:debug, every lookup would also format and write a log line.
        conf = h.write_conf(dbdparams=str(db), extra=extra, access_log=False, loglevel="warn")
        out = h.root / "logs" / "callgrind.out"
        out.write_bytes(b"")
        out.chmod(0o666)  # valgrind opens it as root, writes it as httpd's user
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               h.binary, "-X", "-d", str(h.root), "-f", str(conf)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if h.get("/static/none").status:
                    break
            except OSError:
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=60)
        headers = {"Content-Type": "text/xml; charset=utf-8"} if body else {}
        for _ in range(n):
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200, resp.status
        conn.close()
        pid_file = h.root / "run" / "httpd.pid"
        os.kill(int(pid_file.read_text()), 15)
        proc.wait(timeout=120)
        text = out.read_text() if out.exists() else ""
        m = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
        if m is None:
            raise SystemExit(f"no callgrind totals in {out}: {text[-500:]!r}\n" + h.read_log_tail())
        totals.append(int(m.group(1)))
    return (totals[1] - totals[0]) / requests


def callgrind_all(work, db, args, setups):
    """Instructions per request of every reply next to its static twin, on
    SQLite: with the shipped defaults and with each extra setting; for
    Autoconfig also without the counters, which gives their cost."""
    print(f"\ncallgrind, httpd -X, {args.callgrind_requests} requests each:")
    htdocs_src = work / "httpd-sqlite" / "htdocs"
    runs = []
    for t in TARGETS:
        if not (htdocs_src / "static" / t.static_name).exists():
            continue
        runs.append((t, "static", f"/static/{t.static_name}", ""))
        for label, driver, _params, extra in setups:
            if driver == "sqlite3":
                runs.append((t, label, t.path, extra))
        if t.name == "autoconfig":
            # The same request with AutomxMetrics Off: what the counters cost.
            runs.append((t, "nometrics", t.path, "AutomxMetrics Off"))
    ir = {}
    for t, label, path, extra in runs:
        name = f"{t.name}-{label}"
        root = work / f"cg-{name}"
        for n in (CALLGRIND_WARMUP, CALLGRIND_WARMUP + args.callgrind_requests):
            shutil.copytree(htdocs_src, root / f"cg-{n}" / "htdocs")
        post = label != "static" and t.method == "POST"
        ir[(t.name, label)] = callgrind_instructions(
            root, db, path, args.callgrind_requests, STATIC_CONF + extra,
            method="POST" if post else "GET", body=autodiscover_body() if post else None)
        ratio = ""
        if label != "static" and (t.name, "static") in ir:
            ratio = f"{ir[(t.name, label)] / ir[(t.name, 'static')]:>8.2f}x static"
        print(f"  {name:<34}{ir[(t.name, label)]:>12.0f} instructions/request{ratio}",
              flush=True)
    if ("autoconfig", "nometrics") in ir and ("autoconfig", "sqlite") in ir:
        on, off = ir[("autoconfig", "sqlite")], ir[("autoconfig", "nometrics")]
        print(f"  counters' cost, autoconfig: {on - off:+.0f} instructions "
              f"({(on - off) / off * 100:+.2f} %)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=5, help="length of one wrk run (default 5)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up seconds per target (default 2)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--callgrind-requests", type=int, default=2000,
                    help="requests per callgrind run; 0 skips callgrind")
    ap.add_argument("--extra", action="append", default=[],
                    help="LABEL=DIRECTIVES: also measure with these directives added "
                         "(e.g. a cache setting); may be given more than once")
    ap.add_argument("--cache-off", action="store_true",
                    help="also measure every database with AutomxCache Off (the shipped "
                         "default is the cache on)")
    ap.add_argument("--pgsql", action="store_true",
                    help="also measure on a private PostgreSQL server")
    ap.add_argument("--scale", action="store_true",
                    help="add the synthetic dataset (100,000 domains, 1,000 providers) and "
                         "measure Autoconfig for random domains of it")
    ap.add_argument("--no-wrk", action="store_true",
                    help="skip the wrk runs: only callgrind (the static twins are still made)")
    ap.add_argument("--targets", default="",
                    help="comma-separated replies to measure (default: all), e.g. "
                         "autodiscover,mobileconfig")
    args = ap.parse_args()
    if args.targets:
        wanted = args.targets.split(",")
        unknown = set(wanted) - {t.name for t in TARGETS}
        if unknown:
            ap.error(f"unknown targets: {', '.join(sorted(unknown))}")
        TARGETS[:] = [t for t in TARGETS if t.name in wanted]

    work = Path(tempfile.mkdtemp(prefix="automx-bench-"))
    work.chmod(0o755)
    results = []
    pg = None
    try:
        scripts = [SQL / "sample-data.sql"]
        if args.scale:
            synthetic = subprocess.run([str(SQL / "generate-synthetic.py")], check=True,
                                       capture_output=True, text=True).stdout
            scripts.append(synthetic)
            TARGETS.append(Target("autoconfig-100k", "/mail/config-v1.1.xml?emailaddress=u@d1.example",
                                  "autoconfig-100k.xml", lua=HERE / "scale.lua"))
        db = make_sqlite_db(work / "db" / "automx.db", *scripts)
        # Write-ahead logging, as automx-initdb leaves a database (README 3.3).
        con = sqlite3.connect(db)
        con.execute("PRAGMA journal_mode = WAL")
        con.close()
        databases = [("sqlite", "sqlite3", str(db))]
        if args.pgsql:
            import dbservers
            pg = dbservers.PostgresServer().start(work / "pgsql")
            pg.sql((SQL / "postgresql" / "schema.sql").read_text())
            for script in scripts:
                pg.sql(script.read_text() if isinstance(script, Path) else script)
            databases.append(("pgsql", "pgsql", pg.dbd_params))
        setups = []
        for label, driver, params in databases:
            setups.append((label, driver, params, ""))
            if args.cache_off:
                setups.append((label + "-nocache", driver, params, "AutomxCache Off"))
        for e in args.extra:
            label, extra = e.split("=", 1)
            setups.append((label, "sqlite3", str(db), extra))
        for label, driver, params, extra in setups:
            h = Httpd(work / f"httpd-{label}")
            h.start(dbdriver=driver, dbdparams=params, extra=STATIC_CONF + MPM_CONF + extra,
                    access_log=False, loglevel="warn")
            try:
                print(f"measuring {label} ...", flush=True)
                bench_server(label, h, args, results)
            finally:
                h.stop()
        if results:
            print_results(results)
        if args.callgrind_requests:
            callgrind_all(work, db, args, setups)
    finally:
        if pg:
            pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
