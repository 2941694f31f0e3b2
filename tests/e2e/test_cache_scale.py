"""The whole synthetic dataset (100,000 domains of 1,000 providers) in the
cache of one httpd process, within 64 MiB (SPEC §12, README 5.3): every
domain asked once (wrk, each thread its own share), then every domain
again, all of them from memory. Requests are pipelined, a hundred at a
time on each of four connections."""
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from harness import SANITIZED, SQL, make_sqlite_db, pipelined_autoconfig

DOMAINS = 100000
ONE_PROCESS = """
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
MinSpareThreads 1
MaxSpareThreads 8
MaxConnectionsPerChild 0
<Location /metrics>
    SetHandler automx-metrics
</Location>
LogLevel automx:info
"""


def metric(h, name):
    time.sleep(0.3)
    r = h.get("/metrics")
    m = re.search("^" + re.escape(name) + r" (\S+)$", r.text, re.M)
    assert m, name
    return float(m.group(1))


def every_domain_once(h):
    """Each domain of the dataset asked once, from four connections."""
    share = DOMAINS // 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        parts = pool.map(lambda k: pipelined_autoconfig(h.port, range(k * share, (k + 1) * share)),
                         range(4))
        statuses = [s for part in parts for s in part]
    assert len(statuses) == DOMAINS and set(statuses) == {200}, set(statuses)


def test_the_synthetic_dataset_fits_in_64_mib_per_process(private_httpd, workdir):
    synthetic = subprocess.run([str(SQL / "generate-synthetic.py")], check=True,
                               capture_output=True, text=True).stdout
    db = make_sqlite_db(workdir / "scale" / "automx.db", SQL / "sample-data.sql", synthetic)
    h = private_httpd
    # Checked once an hour: nothing may start the cache over meanwhile.
    h.start(dbdparams=str(db), extra=ONE_PROCESS + "AutomxCacheCheck 3600")
    assert h.get("/mail/config-v1.1.xml?emailaddress=u@d1.example").status == 200
    [child] = h.children()
    before = h.memory_kb(child, "VmRSS")
    misses = metric(h, "automx_cache_misses_total")
    start = time.monotonic()
    every_domain_once(h)
    took = time.monotonic() - start
    first = metric(h, "automx_cache_misses_total") - misses
    assert first >= DOMAINS - 1, first       # each domain read once (d1 was cached)
    grown = h.memory_kb(child, "VmRSS") - before
    # The second round: every domain from memory.
    misses = metric(h, "automx_cache_misses_total")
    hits = metric(h, "automx_cache_hits_total")
    start = time.monotonic()
    every_domain_once(h)
    print(f"\nfirst round {took:.1f} s, second {time.monotonic() - start:.1f} s")
    assert metric(h, "automx_cache_misses_total") == misses
    assert metric(h, "automx_cache_hits_total") - hits >= DOMAINS
    assert h.children() == [child]
    print(f"\n100,000 domains cached: +{grown / 1024:.1f} MiB RSS in one process")
    if not SANITIZED:
        assert grown <= 64 * 1024, f"{grown / 1024:.1f} MiB"
