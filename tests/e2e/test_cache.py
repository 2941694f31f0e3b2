"""The cache (SPEC §12) on SQLite: on by default, coherent through the
database's change counter in every process, flood-proof, a TTL for a
database without the counter, Autoconfig kept rendered. PostgreSQL and
MariaDB (and two hosts) are in test_cache_servers.py and test_two_hosts.py."""
import re
import shutil
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import SANITIZED, SQL, make_sqlite_db

AC = "/mail/config-v1.1.xml?emailaddress="
# One process, so that every request sees the same per-process cache.
ONE_PROCESS = """
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
MinSpareThreads 1
MaxSpareThreads 8
"""
# Three processes that stay up for the whole test.
PROCESSES = """
StartServers 3
ServerLimit 3
ThreadsPerChild 4
MaxRequestWorkers 12
MinSpareThreads 4
MaxSpareThreads 12
MaxConnectionsPerChild 0
"""
METRICS = """
<Location /metrics>
    SetHandler automx-metrics
</Location>
"""
DROP_COUNTER = "DROP TABLE automx_change;" + "".join(
    f"DROP TRIGGER IF EXISTS automx_change_{t}_{e};"
    for t in ("provider", "domain", "server", "server_domain", "davserver",
              "davserver_domain", "ldapserver")
    for e in ("insert", "update", "delete"))


def sqlite_cli(db, sql):
    """SQL run by the sqlite3 command-line client, as an administrator would."""
    subprocess.run(["sqlite3", str(db), sql], check=True, capture_output=True, timeout=30)


def counter(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT counter FROM automx_change WHERE id = 1").fetchone()[0]
    finally:
        con.close()


def concurrently(n, fn):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fn, range(n)))


def cached_in(h, domain):
    """The pids whose cache answered for DOMAIN since the mark (AMX00037)."""
    out = set()
    for line in h.tagged_since_mark(with_debug=True):
        if "AMX00037" in line and f'"{domain}"' in line:
            out.add(int(line.split("[pid ", 1)[1].split(":", 1)[0]))
    return out


def metric(h, name):
    time.sleep(0.3)  # counted after the reply is sent
    r = h.get("/metrics")
    assert r.status == 200
    m = re.search("^" + re.escape(name) + r" (\S+)$", r.text, re.M)
    assert m, name
    return float(m.group(1))


def test_cache_off_every_change_shows_at_once(private_httpd, workdir):
    for directive in ("AutomxCache Off", "AutomxCacheTTL Off"):
        db = make_sqlite_db(workdir / f"nocache-{directive[-7:-4]}" / "automx.db",
                            SQL / "sample-data.sql")
        private_httpd.start(dbdparams=str(db), extra=ONE_PROCESS + directive)
        private_httpd.mark()
        assert b"imap1.example.com" in private_httpd.get(AC + "user@example.com").body
        sqlite_cli(db, "UPDATE server SET name = 'imap-new.example.com' WHERE id = 4002")
        assert b"imap-new.example.com" in private_httpd.get(AC + "user@example.com").body
        assert cached_in(private_httpd, "example.com") == set()


def test_every_write_moves_the_counter(workdir):
    db = make_sqlite_db(workdir / "counter" / "automx.db", SQL / "sample-data.sql")
    before = counter(db)
    sqlite_cli(db, "UPDATE server SET port = 994 WHERE id = 4002")
    assert counter(db) == before + 1
    sqlite_cli(db, "DELETE FROM server_domain WHERE server_id = 4002")
    assert counter(db) > before + 1


def test_default_cache_is_coherent_in_every_process(private_httpd, workdir):
    """No cache directive at all: replies come from memory, and a change
    made with the sqlite3 client shows in every process within twice the
    check interval (1 s)."""
    db = make_sqlite_db(workdir / "coherent" / "automx.db", SQL / "sample-data.sql")
    h = private_httpd
    h.start(dbdparams=str(db), extra=PROCESSES)
    concurrently(60, lambda i: h.get(AC + "user@example.com"))
    h.mark()
    replies = concurrently(60, lambda i: h.get(AC + "user@example.com"))
    assert all(r.status == 200 and b"imap1.example.com" in r.body for r in replies)
    served = set(h.served_by(replies))
    assert len(served) >= 2, served
    # Every process that answered did so from its cache.
    assert served <= cached_in(h, "example.com")

    sqlite_cli(db, "UPDATE server SET name = 'imap-new.example.com' WHERE id = 4002")
    time.sleep(2.0)
    replies = concurrently(60, lambda i: h.get(AC + "user@example.com"))
    assert all(r.status == 200 for r in replies)
    stale = [r for r in replies if b"imap-new.example.com" not in r.body]
    assert stale == [], f"{len(stale)} replies still old, from {set(h.served_by(stale))}"
    assert len(set(h.served_by(replies))) >= 2


def test_a_new_domain_shows_although_it_was_cached_as_unknown(private_httpd, workdir):
    db = make_sqlite_db(workdir / "unknown" / "automx.db", SQL / "sample-data.sql")
    h = private_httpd
    h.start(dbdparams=str(db), extra=ONE_PROCESS)
    assert h.get(AC + "x@example.biz").status == 204
    h.mark()
    assert h.get(AC + "x@example.biz").status == 204
    assert cached_in(h, "example.biz"), "the unknown domain was not cached"
    sqlite_cli(db, "INSERT INTO domain (id, name, provider_id) VALUES (3999, 'example.biz', 1000);"
                   "INSERT INTO server_domain (server_id, domain_id) VALUES (4002, 3999)")
    time.sleep(2.0)
    r = h.get(AC + "x@example.biz")
    assert r.status == 200 and b"imap1.example.com" in r.body


def test_a_flood_of_unknown_domains_leaves_the_known_ones_cached(private_httpd, workdir):
    """100,000 random unknown domains (wrk with a script), then the known
    domain is still answered from memory by every process: no cache miss."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk is missing (tools/test installs it)")
    db = make_sqlite_db(workdir / "flood" / "automx.db", SQL / "sample-data.sql")
    h = private_httpd
    h.start(dbdparams=str(db), extra=PROCESSES + METRICS + "LogLevel automx:info\n")
    concurrently(60, lambda i: h.get(AC + "user@example.com"))
    rss_before = max(h.memory_kb(p, "VmRSS") for p in h.children())
    script = Path(h.root) / "flood.lua"
    script.write_text(
        'math.randomseed(os.time())\n'
        'request = function()\n'
        '  return wrk.format("GET", "/mail/config-v1.1.xml?emailaddress=u@r"'
        ' .. math.random(1, 2000000000) .. "-" .. math.random(1, 2000000000) .. ".example")\n'
        'end\n')
    misses = metric(h, "automx_cache_misses_total")
    deadline = time.time() + 120
    while metric(h, "automx_cache_misses_total") - misses < 100000:
        assert time.time() < deadline, "the flood did not reach 100,000 lookups"
        # Six connections: with the metrics read beside them, at least five
        # of the twelve workers stay idle, above MinSpareThreads; at eight,
        # the MPM found too few spare threads now and then, with no process
        # left to start, and logged AH10159 as an error.
        subprocess.run(["wrk", "-t2", "-c6", "-d4s", "-s", str(script),
                        f"http://127.0.0.1:{h.port}/"], check=True, capture_output=True)
    assert h.get(AC + "x@r1-1.example").status == 204
    # The known domain: every process answers from its cache.
    misses = metric(h, "automx_cache_misses_total")
    hits = metric(h, "automx_cache_hits_total")
    replies = concurrently(60, lambda i: h.get(AC + "user@example.com"))
    assert all(r.status == 200 and b"imap1.example.com" in r.body for r in replies)
    assert len(set(h.served_by(replies))) >= 2
    assert metric(h, "automx_cache_misses_total") == misses
    assert metric(h, "automx_cache_hits_total") >= hits + 60
    # Unknown names are remembered in a bounded table: the flood costs no
    # more than a few MB per process.
    rss_after = max(h.memory_kb(p, "VmRSS") for p in h.children())
    if not SANITIZED:
        assert rss_after - rss_before < 32 * 1024, (rss_before, rss_after)


def test_without_the_counter_a_ttl_and_one_warning_per_process(private_httpd, workdir):
    db = make_sqlite_db(workdir / "nocounter" / "automx.db", SQL / "sample-data.sql",
                        DROP_COUNTER)
    h = private_httpd
    h.expect_log(r"AMX01802: the database has no change counter")
    h.start(dbdparams=str(db), extra=ONE_PROCESS + "AutomxCacheTTL 3\nAutomxCacheCheck 1")
    first = h.get(AC + "user@example.com")
    assert b"imap1.example.com" in first.body
    sqlite_cli(db, "UPDATE server SET name = 'imap-new.example.com' WHERE id = 4002")
    time.sleep(1.5)
    # Within the TTL: still the cached reply, although a check has run.
    assert h.get(AC + "user@example.com").body == first.body
    time.sleep(2.5)
    assert b"imap-new.example.com" in h.get(AC + "user@example.com").body
    warnings = [l for l in h.log_since_mark() if "AMX01802" in l]
    assert len(warnings) == 1, warnings
    assert "[automx:warn]" in warnings[0] and "automx-initdb" in warnings[0]


def test_autoconfig_kept_rendered_is_the_reply_made_from_the_rows(private_httpd, workdir):
    """The bytes kept beside a domain are those made without a cache, for
    every domain, including two domains of one provider that share the
    kept bytes and two that must not."""
    db = make_sqlite_db(workdir / "rendered" / "automx.db", SQL / "sample-data.sql")
    h = private_httpd
    domains = ["example.com", "example.net", "example.org", "EXAMPLE.com"]
    h.start(dbdparams=str(db), extra=ONE_PROCESS + "AutomxCache Off")
    fresh = {d: h.get(AC + "user@" + d) for d in domains}
    h.start(dbdparams=str(db), extra=ONE_PROCESS)
    for _ in range(3):
        for d in domains:
            r = h.get(AC + "user@" + d)
            assert r.status == 200
            assert r.body == fresh[d].body, d
            assert r.header("Content-Type") == "application/xml; charset=utf-8"
            assert r.header("Content-Length") == str(len(r.body))
    assert fresh["example.com"].body != fresh["example.net"].body
    head = h.request("HEAD", AC + "user@example.com")
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Length") == str(len(fresh["example.com"].body))


def test_cache_is_per_virtual_host_database(private_httpd, workdir):
    a = make_sqlite_db(workdir / "vh-a" / "automx.db", SQL / "sample-data.sql")
    b = make_sqlite_db(workdir / "vh-b" / "automx.db", SQL / "sample-data.sql",
                       "UPDATE server SET name = 'imap-b.example.com' WHERE id = 4002;")
    vhost = f"""
<VirtualHost 127.0.0.1:{private_httpd.port}>
    ServerName b.test
    DBDriver sqlite3
    DBDParams {b}
</VirtualHost>
<VirtualHost 127.0.0.1:{private_httpd.port}>
    ServerName localhost
    DBDriver sqlite3
    DBDParams {a}
</VirtualHost>
"""
    private_httpd.start(dbdparams=str(a), extra=ONE_PROCESS + vhost)
    for _ in range(2):
        assert b"imap1.example.com" in private_httpd.get(AC + "user@example.com",
                                                         host="localhost").body
        assert b"imap-b.example.com" in private_httpd.get(AC + "user@example.com",
                                                          host="b.test").body
    # A change in one database reaches only its virtual host.
    sqlite_cli(b, "UPDATE server SET name = 'imap-b2.example.com' WHERE id = 4002")
    time.sleep(2.0)
    assert b"imap-b2.example.com" in private_httpd.get(AC + "user@example.com",
                                                       host="b.test").body
    assert b"imap1.example.com" in private_httpd.get(AC + "user@example.com",
                                                     host="localhost").body


def test_cache_directives_are_checked(private_httpd, sample_db):
    for line in ("AutomxCacheTTL soon", "AutomxCacheTTL 0", "AutomxCacheEntries -1",
                 "<Location /x>\nAutomxCacheEntries 10\n</Location>",
                 "AutomxCache maybe", "AutomxCacheCheck 0", "AutomxCacheCheck 3601",
                 "AutomxCacheCheck 1s", "AutomxCacheStaleIfError sometimes"):
        code, out = private_httpd.configtest(dbdparams=str(sample_db), extra=line)
        assert code != 0, line
        assert "AutomxCache" in out, out
    code, out = private_httpd.configtest(
        dbdparams=str(sample_db),
        extra="AutomxCacheTTL Off\nAutomxCacheEntries 50000\nAutomxCache On\n"
              "AutomxCacheCheck 5\nAutomxCacheStaleIfError Off\n"
              "<Location /x>\nAutomxCache Off\nAutomxCacheCheck 2\n</Location>")
    assert code == 0, out
