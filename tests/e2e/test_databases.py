"""Each database on its own: provisioning per driver, outages, automx2's own schema."""
import os
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import db_server, load_sample
from harness import LOOKUP_INDEXES, SQL, allow_httpd, make_sqlite_db

AC = "/mail/config-v1.1.xml?emailaddress=user@example.com"


@pytest.fixture(params=["pgsql", "mysql"])
def server_db(request, workdir):
    return db_server(request.param, workdir)


def test_initdb_creates_the_same_database_on_each_driver(private_httpd, server_db, httpd_sqlite):
    server_db.reset()
    private_httpd.start(dbdriver=server_db.driver, dbdparams=server_db.dbd_params)
    private_httpd.expect_log(r"AMX00203: no Mobileconfig for domain \"serverless.tld\"")
    # No tables yet: nothing to purge, and nothing logged above info.
    r = private_httpd.request("DELETE", "/initdb/")
    assert r.status == 200 and "nothing to purge" in r.text
    assert not private_httpd.unexpected_log_lines()
    r = private_httpd.get("/initdb/")
    assert r.status == 200 and "Database is now prepared" in r.text
    for addr in ("user@example.com", "x@example.org", "x@serverless.tld", "x@example.net"):
        assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=" + addr).body == \
            httpd_sqlite.get("/mail/config-v1.1.xml?emailaddress=" + addr).body, addr
        assert private_httpd.get("/mobileconfig/?emailaddress=" + addr).status == \
            httpd_sqlite.get("/mobileconfig/?emailaddress=" + addr).status
    assert "already contains" in private_httpd.get("/initdb/").text
    # Export, purge, import: the same replies, on this driver too.
    exported = private_httpd.get("/initdb/", headers={"Accept": "application/json"}).body
    assert private_httpd.request("DELETE", "/initdb/").status == 200
    assert private_httpd.get(AC).status == 204
    import json
    docs = [d for d in json.loads(exported) if d["provider"] != "Ham & Eggs"]
    r = private_httpd.request("POST", "/initdb/", body=json.dumps(docs).encode(),
                              headers={"Content-Type": "application/json"})
    assert r.status == 200, r.text
    assert private_httpd.get(AC).body == httpd_sqlite.get(AC).body
    # A refused seed writes nothing on this driver either.
    before = private_httpd.get("/initdb/", headers={"Accept": "application/json"}).body
    bad = [{"provider": "New", "domains": ["new.example"], "servers": [{"type": "imap", "name": "i"}]},
           {"provider": "Dup", "domains": ["example.com"], "servers": [{"type": "imap", "name": "i"}]}]
    r = private_httpd.request("POST", "/initdb/", body=json.dumps(bad).encode(),
                              headers={"Content-Type": "application/json"})
    assert r.status == 400 and "already exists" in r.text
    assert private_httpd.get("/initdb/", headers={"Accept": "application/json"}).body == before


@pytest.fixture(scope="module")
def httpd_sqlite(workdir, sample_db):
    from harness import Httpd
    h = Httpd(workdir / "httpd-reference")
    h.start(dbdparams=str(sample_db))
    yield h
    h.stop()


def test_outage_is_503_and_recovers_without_restart(private_httpd, server_db):
    load_sample(server_db)
    private_httpd.start(dbdriver=server_db.driver, dbdparams=server_db.dbd_params,
                        extra="DBDExptime 1\nDBDPersist On")
    assert private_httpd.get(AC).status == 200
    server_db.stop()
    private_httpd.expect_log(r"\[dbd:|AMX00030|AMX00036")
    start = time.monotonic()
    for _ in range(5):
        r = private_httpd.get(AC, timeout=20)
        assert r.status == 503
        assert r.header("Retry-After") == "30"
    assert time.monotonic() - start < 30     # no worker hangs on the dead server
    server_db.start_again()
    # Back: every request succeeds again, with no httpd restart. A pooled
    # connection the server closed fails its first query and is reconnected
    # by the driver's connection check before the one retry; a driver that
    # reconnected silently gets its statements prepared again.
    statuses = [private_httpd.get(AC).status for _ in range(20)]
    assert statuses == [200] * 20, statuses
    assert private_httpd.alive()


def test_sqlite_file_removed_then_restored(private_httpd, workdir):
    db = make_sqlite_db(workdir / "removed" / "automx.db", SQL / "sample-data.sql")
    private_httpd.start(dbdparams=str(db))
    assert private_httpd.get(AC).status == 200
    os.unlink(db)
    private_httpd.expect_log(r"\[dbd:|AMX00030|AMX00036")
    # The open connection still reads the unlinked file, or a new one finds
    # an empty database: never a crash, never a hang.
    r = private_httpd.get(AC)
    assert r.status in (200, 503)
    make_sqlite_db(db, SQL / "sample-data.sql")
    for _ in range(3):
        assert private_httpd.get(AC).status in (200, 503)
    assert private_httpd.alive()


def test_sqlite_locked_by_another_writer(private_httpd, workdir):
    db = make_sqlite_db(workdir / "locked" / "automx.db", SQL / "sample-data.sql")
    private_httpd.start(dbdparams=str(db))
    assert private_httpd.get(AC).status == 200
    # Another program holds an exclusive lock: reads must fail fast with 503
    # (or succeed from the journal), and work again once it lets go.
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    # The reply comes from the cache (stale if error) or is 503; either
    # way the failed read of the change counter is logged.
    private_httpd.expect_log(r"AMX00036|AMX01803|\[dbd:")
    start = time.monotonic()
    r = private_httpd.get(AC, timeout=30)
    assert r.status in (503, 200)
    if r.status == 503:
        assert r.header("Retry-After")
    assert time.monotonic() - start < 15
    con.execute("ROLLBACK")
    con.close()
    assert private_httpd.get(AC).status == 200


AUTOMX2_SQLITE_SCHEMA = """
CREATE TABLE provider (id INTEGER NOT NULL, name VARCHAR NOT NULL, short_name VARCHAR NOT NULL,
    PRIMARY KEY (id));
CREATE TABLE server (id INTEGER NOT NULL, prio INTEGER DEFAULT '10' NOT NULL, name VARCHAR NOT NULL,
    port INTEGER NOT NULL, type VARCHAR NOT NULL, socket_type VARCHAR NOT NULL,
    user_name VARCHAR NOT NULL, authentication VARCHAR NOT NULL, PRIMARY KEY (id));
CREATE TABLE davserver (id INTEGER NOT NULL, url VARCHAR NOT NULL, port INTEGER NOT NULL,
    type VARCHAR NOT NULL, use_ssl BOOLEAN NOT NULL, domain_required BOOLEAN NOT NULL,
    user_name VARCHAR, PRIMARY KEY (id), CHECK (use_ssl IN (0, 1)),
    CHECK (domain_required IN (0, 1)));
CREATE TABLE ldapserver (id INTEGER NOT NULL, name VARCHAR NOT NULL, port INTEGER NOT NULL,
    use_ssl BOOLEAN NOT NULL, search_base VARCHAR NOT NULL, search_filter VARCHAR NOT NULL,
    attr_uid VARCHAR NOT NULL, attr_cn VARCHAR, bind_password VARCHAR, bind_user VARCHAR,
    PRIMARY KEY (id), CHECK (use_ssl IN (0, 1)));
CREATE TABLE domain (id INTEGER NOT NULL, name VARCHAR NOT NULL, provider_id INTEGER NOT NULL,
    ldapserver_id INTEGER, PRIMARY KEY (id), UNIQUE (name),
    FOREIGN KEY(provider_id) REFERENCES provider (id),
    FOREIGN KEY(ldapserver_id) REFERENCES ldapserver (id));
CREATE TABLE davserver_domain (davserver_id INTEGER NOT NULL, domain_id INTEGER NOT NULL,
    PRIMARY KEY (davserver_id, domain_id), FOREIGN KEY(davserver_id) REFERENCES davserver (id),
    FOREIGN KEY(domain_id) REFERENCES domain (id));
CREATE TABLE server_domain (server_id INTEGER NOT NULL, domain_id INTEGER NOT NULL,
    PRIMARY KEY (server_id, domain_id), FOREIGN KEY(server_id) REFERENCES server (id),
    FOREIGN KEY(domain_id) REFERENCES domain (id));
INSERT INTO provider VALUES (1, 'Legacy Mail', 'Legacy');
INSERT INTO domain VALUES (2, 'legacy.example', 1, NULL);
INSERT INTO server VALUES (3, 10, 'imap.legacy.example', 993, 'imap', 'SSL', '%EMAILLOCALPART%', 'plain');
INSERT INTO server VALUES (4, 10, 'smtp.legacy.example', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain VALUES (3, 2);
INSERT INTO server_domain VALUES (4, 2);
INSERT INTO davserver VALUES (5, 'https://dav.legacy.example/', 0, 'caldav', 1, 0, NULL);
INSERT INTO davserver_domain VALUES (5, 2);
"""


def test_an_automx2_database_is_served_unchanged(private_httpd, workdir):
    d = workdir / "automx2db"
    d.mkdir()
    con = sqlite3.connect(d / "db.sqlite")
    con.executescript(AUTOMX2_SQLITE_SCHEMA)
    con.close()
    allow_httpd(d)
    # automx2's database has no change counter: the cache falls back to
    # its TTL, and says once how to add the counter.
    private_httpd.expect_log(r"AMX01802: the database has no change counter")
    private_httpd.start(dbdparams=str(d / "db.sqlite"))
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=jo@legacy.example")
    assert r.status == 200
    assert [l for l in private_httpd.log_since_mark() if "AMX01802" in l]
    assert b"<hostname>imap.legacy.example</hostname>" in r.body
    assert b"<username>%EMAILLOCALPART%</username>" in r.body
    r = private_httpd.get("/mobileconfig/?emailaddress=jo@legacy.example")
    assert r.status == 200
    import plistlib
    p = plistlib.loads(r.body)
    assert p["PayloadContent"][0]["IncomingMailServerUsername"] == "jo"
    assert p["PayloadContent"][1]["CalDAVHostName"] == "dav.legacy.example"


def test_the_schema_adds_only_the_lookup_indexes_and_the_counter_to_an_automx2_database(tmp_path):
    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.executescript(AUTOMX2_SQLITE_SCHEMA)
    tables = [row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    ddl = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    rows = {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    con.executescript((SQL / "sqlite" / "schema.sql").read_text())
    # automx2's tables as they were; one table more: the change counter.
    assert con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                       " AND name != 'automx_change'").fetchall() == ddl
    assert con.execute("SELECT id, counter FROM automx_change").fetchall() == [(1, 0)]
    assert {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables} == rows
    indexes = {row[0] for row in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    assert indexes == LOOKUP_INDEXES
    triggers = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {f"automx_change_{t}_{e}" for t in tables for e in ("insert", "update", "delete")}


def test_schema_files_load_with_the_native_clients(server_db, workdir):
    server_db.reset()
    schema = "postgresql" if server_db.driver == "pgsql" else "mysql"
    for _ in range(2):  # IF NOT EXISTS everywhere
        server_db.sql((SQL / schema / "schema.sql").read_text())
    server_db.sql((SQL / "sample-data.sql").read_text())
    out = server_db.sql("SELECT COUNT(*) FROM provider; SELECT COUNT(*) FROM server;"
                        " SELECT name FROM domain WHERE LOWER(name) = 'example.com';")
    assert out.split() == ["3", "6", "example.com"]
    gen = subprocess.run([str(SQL / "generate-provider.sh"), "--name", "O'Brien & Sons",
                          "--id", "500", "--domain", "obrien.example"],
                         capture_output=True, text=True, check=True).stdout
    server_db.sql(gen)
    assert server_db.sql("SELECT name FROM provider WHERE id = 500").strip() == "O'Brien & Sons"


# Inserted out of id order: a database returns rows in whatever order it
# finds them (PostgreSQL in insertion order), and the module must not.
OUT_OF_ORDER = """
INSERT INTO provider (id, name, short_name) VALUES (1900, 'Order', 'O');
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3902, 'c.order.example', 1900, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3900, 'a.order.example', 1900, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3901, 'b.order.example', 1900, NULL);
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)
    VALUES (4902, 5, 'smtp-2.order.example', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)
    VALUES (4901, 5, 'smtp-1.order.example', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)
    VALUES (4903, 1, 'imap.order.example', 993, 'imap', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES (4902, 3901);
INSERT INTO server_domain (server_id, domain_id) VALUES (4903, 3901);
INSERT INTO server_domain (server_id, domain_id) VALUES (4901, 3901);
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name)
    VALUES (4911, 'https://card.order.example', 443, 'carddav', TRUE, FALSE, NULL);
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name)
    VALUES (4910, 'https://cal.order.example', 443, 'caldav', TRUE, FALSE, NULL);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (4911, 3901);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (4910, 3901);
"""


@pytest.mark.parametrize("driver", ["sqlite3", "pgsql", "mysql"])
def test_rows_come_out_in_order_whatever_order_they_were_stored(private_httpd, workdir, driver):
    import xml.etree.ElementTree as ET
    from test_autodiscover import post, protocols, request_body
    srv = None
    if driver == "sqlite3":
        params = str(make_sqlite_db(workdir / "order" / "automx.db", SQL / "sample-data.sql",
                                    OUT_OF_ORDER))
    else:
        srv = db_server(driver, workdir)
        load_sample(srv)
        srv.sql(OUT_OF_ORDER)
        params = srv.dbd_params
    try:
        private_httpd.start(dbdriver=driver, dbdparams=params)
        r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=u@b.order.example")
        assert r.status == 200
        prov = ET.fromstring(r.body).find("emailProvider")
        assert prov.get("id") == "a.order.example"
        assert [d.text for d in prov.findall("domain")] == \
            ["a.order.example", "b.order.example", "c.order.example"]
        assert [s.findtext("hostname") for s in prov if s.tag.endswith("Server")] == \
            ["imap.order.example", "smtp-1.order.example", "smtp-2.order.example"]
        r = post(private_httpd, request_body("u@b.order.example"))
        assert r.status == 200
        assert [dict(p)["Server"] for p in protocols(r.body)] == \
            ["imap.order.example", "smtp-1.order.example", "smtp-2.order.example",
             "https://cal.order.example", "https://card.order.example"]
    finally:
        if srv:
            load_sample(srv)


def test_provisioning_recovers_after_a_database_restart(private_httpd, server_db):
    # Two processes, each with connections on which the seed's statements
    # are prepared; the server restarts; the very next seed must succeed
    # (SPEC 7: for every handler), and so must every one after it.
    import json
    from test_initdb import TWO_PROCESSES, run_at_once
    load_sample(server_db)
    private_httpd.start(dbdriver=server_db.driver, dbdparams=server_db.dbd_params,
                        extra=TWO_PROCESSES + "DBDPersist On\n")
    offset = private_httpd.access_offset()
    # Eight seeds at once on four workers: httpd says it is full (AH00484),
    # which is the point of the test, not a fault.
    private_httpd.expect_log(r"AH00484")

    def seed(name):
        doc = {"provider": name, "domains": [f"{name}.example"],
               "servers": [{"type": "imap", "name": f"imap.{name}.example"}]}
        return lambda: private_httpd.request("POST", "/initdb/", body=json.dumps(doc).encode(),
                                             headers={"Content-Type": "application/json"}).status

    assert run_at_once([seed(f"before{i}") for i in range(8)]) == [200] * 8
    assert len({pid for _, _, pid in private_httpd.answered_by(offset)}) >= 2
    # Seeds go on while the server stops and starts again: each is written
    # whole or answered 503, never half.
    private_httpd.expect_log(r"\[dbd:|AMX00030|AMX00302")
    stop = threading.Event()
    during = []

    def keep_seeding():
        n = 0
        while not stop.is_set():
            n += 1
            during.append(seed(f"during{n}")())

    worker = threading.Thread(target=keep_seeding)
    worker.start()
    try:
        time.sleep(0.3)
        server_db.stop()
        time.sleep(0.3)
        server_db.start_again()
    finally:
        stop.set()
        worker.join()
    assert during and set(during) <= {200, 503}, during
    r = private_httpd.request("POST", "/initdb/", body=json.dumps(
        {"provider": "first", "domains": ["first.example"],
         "servers": [{"type": "imap", "name": "imap.first.example"}]}).encode(),
        headers={"Content-Type": "application/json"})
    assert r.status == 200, r.text
    assert run_at_once([seed(f"after{i}") for i in range(8)]) == [200] * 8
    # Every seed answered 200 is there, whole; none answered 503 is.
    exported = json.loads(private_httpd.get("/initdb/", headers={"Accept": "application/json"}).body)
    names = {d["provider"]: d for d in exported}
    for i, status in enumerate(during, 1):
        assert (f"during{i}" in names) == (status == 200), (i, status)
        if status == 200:
            assert [x["name"] for x in names[f"during{i}"]["domains"]] == [f"during{i}.example"]
    assert private_httpd.request("DELETE", "/initdb/").status == 200
    assert private_httpd.get("/initdb/").status == 200
    assert private_httpd.get(AC).status == 200


ONE_PROCESS = """
StartServers 1
ServerLimit 1
ThreadsPerChild 4
MaxRequestWorkers 4
MinSpareThreads 1
MaxSpareThreads 4
"""


def test_failed_preparations_do_not_grow_the_connection(private_httpd, server_db):
    # No tables: every lookup fails to prepare its statement (and tries
    # twice). What the driver took for the failed statement (mysql: a
    # statement handle; pgsql: the PREPARE text) must go with it, not stay
    # in the connection's pool until the connection expires.
    server_db.reset()
    private_httpd.start(dbdriver=server_db.driver, dbdparams=server_db.dbd_params,
                        extra=ONE_PROCESS + "DBDPersist On\nDBDExptime 3600\n",
                        loglevel="warn")
    private_httpd.expect_log(r"AMX00036: database query automx_domain failed")
    [child] = private_httpd.children()

    def lookups(n):
        for _ in range(n):
            assert private_httpd.get(AC).status == 503

    lookups(300)
    before = private_httpd.memory_kb(child, "VmRSS")
    lookups(3000)
    grown = private_httpd.memory_kb(child, "VmRSS") - before
    # Under AddressSanitizer freed memory waits in its quarantine (256 MB):
    # there the figure says nothing, and the lookups only run.
    if not os.environ.get("AUTOMX_SANITIZER_LOGS"):
        assert grown < 1024, f"{grown} kB more after 3,000 failed lookups"
    load_sample(server_db)
    assert private_httpd.get(AC).status == 200


def test_a_busy_sqlite_statement_is_not_prepared_again(private_httpd, workdir):
    # apr_dbd's sqlite3 driver keeps every statement it prepares until the
    # connection closes, and has waited for the lock already: preparing
    # again on each SQLITE_BUSY only grows the connection.
    db = make_sqlite_db(workdir / "busy" / "automx.db", SQL / "sample-data.sql")
    # One connection, so that every lookup finds the statement the first
    # one prepared (a new connection prepares it, and may fail to, busy).
    # Without the cache, which would answer from memory.
    private_httpd.start(dbdparams=str(db),
                        extra=ONE_PROCESS + "DBDMin 1\nDBDKeep 1\nDBDMax 1\nAutomxCache Off\n",
                        loglevel="warn automx:trace1")
    assert private_httpd.get(AC).status == 200
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    private_httpd.mark()
    private_httpd.expect_log(r"AMX00036: database query automx_domain failed: database is locked")
    try:
        for _ in range(2):
            r = private_httpd.get(AC, timeout=30)
            assert r.status == 503 and r.header("Retry-After")
    finally:
        con.execute("ROLLBACK")
        con.close()
    prepared = [l for l in private_httpd.log_since_mark() if "AMX00031: prepare automx_domain" in l]
    assert prepared == []
    assert private_httpd.get(AC).status == 200
