"""Several httpd processes at once: concurrent lookups, and a write through
one process that every other process's cache must see at once (SPEC §12:
the generation counter they share). Which process served a reply is read
from the access log (%P), so each test proves it reached at least two."""
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import SQL, allow_httpd, make_sqlite_db

# Three processes of four threads that stay up: no process is stopped or
# started while a test runs, so the caches compared are the same ones.
PROCESSES = """
StartServers 3
ServerLimit 3
ThreadsPerChild 4
MaxRequestWorkers 12
MinSpareThreads 4
MaxSpareThreads 12
MaxConnectionsPerChild 0
"""
AC = "/mail/config-v1.1.xml?emailaddress="
AD_BODY = ('<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
           'requestschema/2006"><Request><EMailAddress>{}</EMailAddress></Request>'
           '</Autodiscover>')
JSON = {"Content-Type": "application/json"}
BIZ = {"provider": "Biz Ltd", "domains": ["example.biz"],
       "servers": [{"type": "imap", "name": "imap.example.biz"},
                   {"type": "smtp", "name": "smtp.example.biz"}]}


def concurrently(h, n, fn):
    """N calls of FN(h, i) from 8 threads at once; the replies in order."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda i: fn(h, i), range(n)))


def autoconfig(address):
    return lambda h, i: h.get(AC + address)


def pids(h, replies):
    served = h.served_by(replies)
    assert None not in served, "a reply is missing from the access log"
    return served


def cached_in(h, domain):
    """The pids whose cache answered for DOMAIN since the mark (AMX00037)."""
    out = set()
    for line in h.tagged_since_mark(with_debug=True):
        if "AMX00037" in line and f'"{domain}"' in line:
            out.add(int(line.split("[pid ", 1)[1].split(":", 1)[0]))
    return out


@pytest.fixture
def several(private_httpd, workdir, request):
    """Three processes on an empty SQLite file that httpd creates, with
    the cache on for long enough that only invalidation can refresh it."""
    d = workdir / f"processes-{request.node.name}"
    d.mkdir()
    allow_httpd(d)
    private_httpd.db = d / "automx.db"
    private_httpd.start(dbdparams=str(private_httpd.db),
                        extra=PROCESSES + "AutomxCacheCheck 3600")
    return private_httpd


def test_concurrent_lookups_reach_several_processes(private_httpd, workdir):
    db = make_sqlite_db(workdir / "concurrent" / "automx.db", SQL / "sample-data.sql")
    private_httpd.start(dbdparams=str(db), extra=PROCESSES)
    first = {"ac": private_httpd.get(AC + "user@example.com").body,
             "ad": private_httpd.request("POST", "/autodiscover/autodiscover.xml",
                                         body=AD_BODY.format("user@example.com").encode(),
                                         headers={"Content-Type": "text/xml"}).body,
             "mc": private_httpd.get("/mobileconfig/?emailaddress=user@example.com").body}

    def mixed(h, i):
        kind = ("ac", "ad", "mc")[i % 3]
        if kind == "ac":
            return kind, h.get(AC + "user@example.com")
        if kind == "ad":
            return kind, h.request("POST", "/autodiscover/autodiscover.xml",
                                   body=AD_BODY.format("user@example.com").encode(),
                                   headers={"Content-Type": "text/xml"})
        return kind, h.get("/mobileconfig/?emailaddress=user@example.com")

    results = concurrently(private_httpd, 240, mixed)
    for kind, r in results:
        assert r.status == 200 and r.body == first[kind], (kind, r)
    served = pids(private_httpd, [r for _, r in results])
    assert len(set(served)) >= 2, f"all replies came from {set(served)}"


def replies_until_every_process(h, fn, want, limit=400):
    """Asks with FN until each pid of WANT (and at least two) has answered
    at least once; the replies. Fails when that takes over LIMIT calls."""
    replies = []
    while len(replies) < limit:
        replies += concurrently(h, 24, fn)
        seen = set(pids(h, replies))
        if want <= seen and len(seen) >= 2:
            return replies
    pytest.fail(f"processes {want} did not all answer in {limit} requests")


def test_a_write_through_one_process_is_seen_by_every_other(several):
    h = several
    assert h.get("/initdb/").status == 200  # tables and sample data
    # Every process caches user@example.com and "example.biz is not in the
    # database"; the log shows which ones answered from their cache.
    h.mark()
    warm = replies_until_every_process(h, autoconfig("user@example.com"), set())
    warm += replies_until_every_process(h, autoconfig("a@example.biz"), set())
    warm += replies_until_every_process(h, autoconfig("a@example.biz"), set())
    assert all(r.status in (200, 204) for r in warm)
    holders = cached_in(h, "example.biz")
    assert len(holders) >= 2, f"the unknown domain was cached in {holders} only"

    # The provider is added through one process...
    r = h.request("POST", "/initdb/", body=json.dumps(BIZ).encode(), headers=JSON)
    assert r.status == 200
    writer = pids(h, [r])[0]
    # ...and every process that had cached "not there" now finds it.
    after = replies_until_every_process(h, autoconfig("a@example.biz"), holders)
    assert all(r.status == 200 and b"imap.example.biz" in r.body for r in after), \
        [r for r in after if r.status != 200][:1]
    assert set(pids(h, after)) - {writer}, "only the writing process was asked"

    # The same for a purge: every process forgets what it had.
    h.mark()
    replies_until_every_process(h, autoconfig("user@example.com"), set())
    holders = cached_in(h, "example.com")
    assert len(holders) >= 2
    r = h.request("DELETE", "/initdb/")
    assert r.status == 200
    gone = replies_until_every_process(h, autoconfig("user@example.com"), holders)
    assert all(r.status == 204 for r in gone), [r for r in gone if r.status != 204][:1]

    # And a new sample after the purge shows everywhere again.
    h.mark()
    replies_until_every_process(h, autoconfig("user@example.com"), set())
    holders = cached_in(h, "example.com")
    assert h.get("/initdb/").status == 200
    back = replies_until_every_process(h, autoconfig("user@example.com"), holders)
    assert all(r.status == 200 and b"imap1.example.com" in r.body for r in back)


def test_concurrent_lookups_during_writes_end_on_the_new_data(several):
    """Lookups in every process while another process writes: each reply is
    the old or the new data, never an error, and once the write has
    answered, every process serves the new data."""
    h = several
    assert h.get("/initdb/").status == 200
    seeds = [dict(BIZ, provider=f"P{i}", domains=[f"d{i}.example"]) for i in range(6)]

    def work(h, i):
        if i % 8 == 0 and i // 8 < len(seeds):
            return h.request("POST", "/initdb/", body=json.dumps(seeds[i // 8]).encode(),
                             headers=JSON)
        return h.get(AC + f"x@d{(i // 8) % len(seeds)}.example")

    results = concurrently(h, 48, work)
    assert all(r.status in (200, 204) for r in results), \
        [r for r in results if r.status not in (200, 204)][:1]
    for i in range(len(seeds)):
        after = replies_until_every_process(h, autoconfig(f"x@d{i}.example"), set())
        assert all(r.status == 200 for r in after), f"d{i}.example"
    assert len(set(pids(h, results))) >= 2
