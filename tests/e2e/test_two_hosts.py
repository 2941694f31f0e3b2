"""Two hosts on one database (SPEC §12, README 5.5): two httpd instances,
each with a ServerRoot, a port, processes and a shared memory of its own,
on one private PostgreSQL or MariaDB. A write through one host's
automx-initdb, and one made with the database's client, show on the other
host within the check interval, through the database's change counter
alone: the hosts share nothing else."""
import json
import time

import pytest

from coherence import autoconfig, every_process, several_processes, shows_everywhere
from conftest import db_server, load_sample
from harness import Httpd

pytestmark = several_processes

# Two processes each, with room for the 8 requests at once that
# coherence.ask sends (AH00484, see coherence.PROCESSES, would fail it).
TWO_PROCESSES = """
StartServers 2
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
MaxConnectionsPerChild 0
"""
WITHIN = 2      # twice AutomxCacheCheck's default
BIZ = {"provider": "Biz Ltd", "domains": ["example.biz"],
       "servers": [{"type": "imap", "name": "imap.example.biz"},
                   {"type": "smtp", "name": "smtp.example.biz"}]}
OLD = b"<hostname>imap1.example.com</hostname>"
NEW = b"<hostname>imap-new.example.com</hostname>"


@pytest.fixture(params=["pgsql", "mysql"])
def db(request, workdir):
    srv = db_server(request.param, workdir)
    if srv.proc is None:        # an earlier test failed while it was down
        srv.start_again()
    load_sample(srv)
    yield srv
    if srv.proc is None:
        srv.start_again()
    load_sample(srv)            # the sample data for the tests after this one


@pytest.fixture
def host_b(workdir, request):
    """The second host: another ServerRoot and port, the same checks as
    private_httpd's."""
    h = Httpd(workdir / f"host-b-{request.node.name}")
    yield h
    bad = h.unexpected_log_lines() if h.error_log.exists() else []
    h.stop()
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)


def all_answer(h, address, check):
    answers = every_process(h, autoconfig(address))
    wrong = [a for a in answers if not check(a.reply)]
    assert not wrong, wrong[:3]


def test_a_write_on_one_host_shows_on_the_other(private_httpd, host_b, db):
    a, b = private_httpd, host_b
    for h in (a, b):
        # The shipped cache defaults: no cache directive.
        h.start(dbdriver=db.driver, dbdparams=db.dbd_params, extra=TWO_PROCESSES)
    assert a.root != b.root and a.port != b.port
    # Both hosts have cached "example.biz is not in the database" (kept
    # 10 s, longer than the interval) and the old example.com.
    for h in (a, b):
        all_answer(h, "x@example.biz", lambda r: r.status == 204)
        all_answer(h, "user@example.com", lambda r: r.status == 200 and OLD in r.body)

    # A provider added through host A's automx-initdb...
    since = time.monotonic()
    r = a.request("POST", "/initdb/", body=json.dumps(BIZ).encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status == 200 and "Database is now prepared" in r.text
    biz = lambda r: r.status == 200 and b"<hostname>imap.example.biz</hostname>" in r.body
    # ...is in every process of A at once (its shared memory)...
    all_answer(a, "x@example.biz", biz)
    # ...and in every process of B within the interval (the counter).
    shows_everywhere(b, autoconfig("x@example.biz"), biz, since, WITHIN)

    # A row changed with psql or mariadb shows on B as well.
    since = time.monotonic()
    db.sql("UPDATE server SET name = 'imap-new.example.com' WHERE id = 4002")
    new = lambda r: r.status == 200 and NEW in r.body and OLD not in r.body
    shows_everywhere(b, autoconfig("user@example.com"), new, since, WITHIN)
    all_answer(a, "user@example.com", new)

    # A purge through B's automx-initdb empties A's replies.
    since = time.monotonic()
    r = b.request("DELETE", "/initdb/")
    assert r.status == 200 and "Database content purged" in r.text
    shows_everywhere(a, autoconfig("user@example.com"), lambda r: r.status == 204, since, WITHIN)
    all_answer(b, "user@example.com", lambda r: r.status == 204)
