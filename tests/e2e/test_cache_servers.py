"""The cache on PostgreSQL and MariaDB (SPEC §12), with several httpd
processes: a change made with the database's own client shows in every
process within twice AutomxCacheCheck; while the server is down, cached
domains are answered from the cache (or 503 with AutomxCacheStaleIfError
Off), unknown ones 503; once it is back, fresh data with no httpd restart."""
import itertools
import re
import time

import pytest

from coherence import METRICS, PROCESSES, autoconfig, every_process, several_processes, \
    shows_everywhere, watch
from conftest import db_server, load_sample
from test_metrics import metrics, sample

pytestmark = several_processes

OLD = b"<hostname>imap1.example.com</hostname>"
NEW = b"<hostname>imap-new.example.com</hostname>"
RENAME = "UPDATE server SET name = 'imap-new.example.com' WHERE id = 4002"
KNOWN = ("user@example.com", "user@example.net")
INTERVAL = 1    # AutomxCacheCheck's default
# What a database that is down writes to the error log: mod_dbd's and the
# drivers' lines, the failed counter reads (AMX01803), the failed lookups
# of unknown domains (AMX00030: no connection; AMX00036: a statement).
DOWN = r"\[dbd:|AMX00030|AMX00036|AMX01803"


@pytest.fixture(params=["pgsql", "mysql"])
def db(request, workdir):
    srv = db_server(request.param, workdir)
    if srv.proc is None:        # an earlier test failed while it was down
        srv.start_again()
    load_sample(srv)
    yield srv
    if srv.proc is None:        # a test that failed while it was down
        srv.start_again()
    load_sample(srv)            # the sample data for the tests after this one


def is_new(r):
    return r.status == 200 and NEW in r.body and OLD not in r.body


def start(h, db, extra=""):
    h.start(dbdriver=db.driver, dbdparams=db.dbd_params, extra=PROCESSES + METRICS + extra)


def cached_bodies(h):
    """Asks for each of KNOWN in every process: the one body of each."""
    bodies = {}
    for address in KNOWN:
        answers = every_process(h, autoconfig(address))
        assert {a.reply.status for a in answers} == {200}, answers[:3]
        assert len({a.reply.body for a in answers}) == 1, address
        bodies[address] = answers[0].reply.body
    assert OLD in bodies["user@example.com"]
    return bodies


def log_size(h):
    return h.error_log.stat().st_size


def tagged_by_pid(h, tag, offset):
    """pid -> how many lines with TAG the error log has after byte OFFSET."""
    time.sleep(0.05)  # httpd writes the log line after the reply
    with open(h.error_log, "rb") as f:
        f.seek(offset)
        lines = f.read().decode("utf-8", errors="replace").splitlines()
    out = {}
    for line in lines:
        m = re.search(r"\[pid (\d+):", line)
        if tag in line and m:
            out[int(m.group(1))] = out.get(int(m.group(1)), 0) + 1
    return out


def test_a_change_with_the_native_client_shows_in_every_process(private_httpd, db):
    # The shipped defaults: no cache directive at all.
    h = private_httpd
    start(h, db)
    cached_bodies(h)
    # Every process has it now: the next round is all hits, no miss.
    t = metrics(h)
    hits, misses = int(sample(t, "automx_cache_hits_total")), \
        int(sample(t, "automx_cache_misses_total"))
    again = every_process(h, autoconfig("user@example.com"))
    assert all(a.reply.status == 200 and OLD in a.reply.body for a in again)
    t = metrics(h)
    assert int(sample(t, "automx_cache_hits_total")) == hits + len(again)
    assert int(sample(t, "automx_cache_misses_total")) == misses
    assert int(sample(t, "automx_cache_checks_total")) >= 1

    since = time.monotonic()
    db.sql(RENAME)
    answers = shows_everywhere(h, autoconfig("user@example.com"), is_new, since, 2 * INTERVAL)
    assert {a.reply.status for a in answers} == {200}
    # Once a process has answered with the new data, it never answers the
    # old again (requests that overlap the one that read the counter may).
    for pid in {a.pid for a in answers}:
        mine = [a for a in answers if a.pid == pid]
        seen = min((a.sent + a.took for a in mine if is_new(a.reply)), default=None)
        assert seen is not None, f"process {pid} never answered the new data"
        back = [a for a in mine if a.sent > seen and not is_new(a.reply)]
        assert not back, f"process {pid} went back to the old data: {back[:3]}"


def test_known_domains_are_served_while_the_database_is_down(private_httpd, db):
    h = private_httpd
    start(h, db)
    bodies = cached_bodies(h)
    kids = set(h.children())
    h.expect_log(DOWN)
    offset = log_size(h)
    db.stop()
    down = time.monotonic()
    # Past the check interval: every process has found the database down.
    for address, body in bodies.items():
        answers = watch(h, autoconfig(address), 0.8)
        assert [a.reply for a in answers if a.reply.status != 200 or a.reply.body != body] \
            == [], address
    answers = every_process(h, autoconfig("user@example.com"))
    assert all(a.reply.status == 200 and a.reply.body == bodies["user@example.com"]
               for a in answers), answers[:3]
    # A domain never seen cannot come from the cache: 503 with Retry-After.
    n = itertools.count()
    unknown = every_process(h, lambda h: h.get(f"/mail/config-v1.1.xml?emailaddress="
                                               f"x@never{next(n)}.example", timeout=20))
    assert {(a.reply.status, a.reply.header("Retry-After")) for a in unknown} == {(503, "30")}
    everything = answers + unknown
    assert max(a.took for a in everything) < 3, "a request waited for the dead server"
    # Each process said so, once per interval at most.
    told = tagged_by_pid(h, "AMX01803", offset)
    assert set(told) == kids, f"AMX01803 from {set(told)}, processes {kids}"
    seconds = time.monotonic() - down
    assert max(told.values()) <= seconds / INTERVAL + 1, told
    # The driver's message without its trailing newline (libpq's has one).
    lines = [l for l in h.log_since_mark() if "AMX01803" in l]
    assert lines and not any("\\n)" in l for l in lines), lines[:1]
    assert int(sample(metrics(h), "automx_cache_stale_total")) > 0

    db.start_again()
    pid = h.proc.pid
    offset = log_size(h)
    since = time.monotonic()
    db.sql(RENAME)
    answers = shows_everywhere(h, autoconfig("user@example.com"), is_new, since, 2 * INTERVAL)
    assert {a.reply.status for a in answers} == {200}
    assert set(tagged_by_pid(h, "AMX01801", offset)) == kids, "not every process saw it back"
    assert h.alive() and h.proc.pid == pid and set(h.children()) == kids


def test_stale_if_error_off_answers_503_while_the_database_is_down(private_httpd, db):
    h = private_httpd
    start(h, db, "AutomxCacheStaleIfError Off\n")
    bodies = cached_bodies(h)
    kids = set(h.children())
    h.expect_log(DOWN + "|AMX01804")
    offset = log_size(h)
    db.stop()
    time.sleep(INTERVAL + 0.1)
    # The first request of each process after the interval reads the
    # counter; one that runs meanwhile may still get the cached reply.
    first = every_process(h, autoconfig("user@example.com"))
    assert {a.reply.status for a in first} <= {200, 503}
    answers = every_process(h, autoconfig("user@example.com"))
    assert {(a.reply.status, a.reply.header("Retry-After")) for a in answers} == {(503, "30")}
    assert max(a.took for a in first + answers) < 3, "a request waited for the dead server"
    assert set(tagged_by_pid(h, "AMX01804", offset)) == kids

    db.start_again()
    since = time.monotonic()
    answers = shows_everywhere(h, autoconfig("user@example.com"),
                               lambda r: r.status == 200 and r.body == bodies["user@example.com"],
                               since, 2 * INTERVAL)
    assert {a.reply.status for a in answers} <= {200, 503}
