"""The change counter and the upgrade of older automx2 schemas (SPEC §12, §16).

Every write to the seven tables, made with the database's own client,
moves the counter; GET of automx-initdb adds the counter to a database
automx2 made and upgrades the schemas of automx2 2020.0 and 2021 in place,
every row kept. The old schemas are those of automx2's Alembic migrations
(tests/e2e/data/automx2-*), on SQLite, PostgreSQL and MariaDB."""
import plistlib
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import db_server
from harness import SQL, allow_httpd

DATA = Path(__file__).parent / "data"
DRIVERS = ["sqlite3", "pgsql", "mysql"]
TABLES = ("provider", "ldapserver", "domain", "server", "server_domain", "davserver",
          "davserver_domain")
# automx2 2020.0's columns: what every old row has.
OLD_COLUMNS = {
    "provider": "id, name, short_name",
    "ldapserver": "id, name, port, use_ssl, search_base, search_filter, attr_uid, attr_cn,"
                  " bind_password, bind_user",
    "domain": "id, name, provider_id, ldapserver_id",
    "server": "id, name, port, type, socket_type, user_name, authentication",
    "server_domain": "server_id, domain_id",
}
ENGINE = {"sqlite3": "sqlite", "pgsql": "postgresql", "mysql": "mysql"}
HEAD = "43ebb40d0578"
COUNTER = "SELECT counter FROM automx_change WHERE id = 1"


class SqliteDb:
    """A file of the test's own, written with the sqlite3 command-line tool."""
    driver = "sqlite3"

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for p in self.path.parent.glob(self.path.name + "*"):
            p.unlink()
        self.dbd_params = str(self.path)

    def sql(self, text):
        p = subprocess.run(["sqlite3", "-batch", "-bail", str(self.path)], input=text,
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        return p.stdout

    def reset(self):
        pass


def database(driver, workdir, name):
    """An empty database: a new SQLite file, or the private server's emptied."""
    if driver == "sqlite3":
        return SqliteDb(workdir / name / "automx.db")
    srv = db_server(driver, workdir)
    srv.reset()
    return srv


def rows(db, sql):
    """The rows of SQL as tuples of strings, whatever the client's separator."""
    sep = "\t" if db.driver == "mysql" else "|"
    return [tuple(line.split(sep)) for line in db.sql(sql).splitlines() if line]


def counter(db):
    out = db.sql(COUNTER + ";").split()
    assert len(out) == 1, out
    return int(out[0])


def load(db, *names):
    for name in names:
        db.sql((DATA / name).read_text())
    if db.driver == "sqlite3":
        allow_httpd(db.path.parent)


def automx2_db(db, version):
    """DB made what automx2 VERSION made ("2020.0", "2021" or "head"), with rows."""
    engine = ENGINE[db.driver]
    load(db, f"automx2-2020.0.{engine}.sql", "automx2-rows.sql")
    if version in ("2021", "head"):
        load(db, "automx2-5334f8a8282c.sql")
        # 2021 rows with priorities of their own, which the upgrade keeps.
        db.sql("UPDATE server SET prio = 5 WHERE id = 21; UPDATE server SET prio = 30 WHERE id = 23;")
    if version == "head":
        load(db, f"automx2-43ebb40d0578.{engine}.sql")
        db.sql("INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name)"
               " VALUES (31, 'https://dav.old.example/', 443, 'caldav', TRUE, FALSE, NULL);"
               " INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (31, 11);")


def old_rows(db):
    return {t: sorted(rows(db, f"SELECT {cols} FROM {t}")) for t, cols in OLD_COLUMNS.items()}


def schema_of(db):
    """Tables, columns, triggers and functions, as the catalog lists them."""
    if db.driver == "sqlite3":
        return rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name;")
    if db.driver == "pgsql":
        return rows(db, "SELECT table_name, column_name, data_type, column_default, is_nullable"
                        " FROM information_schema.columns WHERE table_schema = 'public'"
                        " ORDER BY 1, 2;") + \
            rows(db, "SELECT tgname, tgrelid::regclass::text, tgtype FROM pg_trigger"
                     " WHERE NOT tgisinternal ORDER BY 1;") + \
            rows(db, "SELECT proname, prosrc FROM pg_proc"
                     " WHERE pronamespace = 'public'::regnamespace ORDER BY 1;")
    return rows(db, "SELECT table_name, column_name, column_type, column_default, is_nullable"
                    " FROM information_schema.columns WHERE table_schema = DATABASE()"
                    " ORDER BY 1, 2;") + \
        rows(db, "SELECT trigger_name, event_object_table, event_manipulation,"
                 " action_statement FROM information_schema.triggers"
                 " WHERE trigger_schema = DATABASE() ORDER BY 1;")


def triggers(db):
    if db.driver == "sqlite3":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger';"
    elif db.driver == "pgsql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal;"
    else:
        sql = "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE();"
    return {r[0] for r in rows(db, sql)}


def wanted_triggers(driver):
    if driver == "pgsql":
        return {f"automx_change_{t}" for t in TABLES}
    return {f"automx_change_{t}_{e}" for t in TABLES for e in ("insert", "update", "delete")}


def start(h, db, **kw):
    h.start(dbdriver=db.driver, dbdparams=db.dbd_params, **kw)
    return h


def initdb(h):
    r = h.get("/initdb/")
    return r.status, re.sub(r"\s+", " ", r.text)


# Each statement writes one row (or, for the DELETEs, removes it), in an
# order the foreign keys allow.
WRITES = [
    "INSERT INTO provider (id, name, short_name) VALUES (900, 'Counted', 'C')",
    "INSERT INTO ldapserver (id, name, port, use_ssl, search_base, search_filter, attr_uid)"
    " VALUES (900, 'ldap.counted.example', 636, TRUE, 'dc=x', '(mail={0})', 'uid')",
    "INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (900, 'counted.example', 900, 900)",
    "INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)"
    " VALUES (900, 10, 'imap.counted.example', 993, 'imap', 'SSL', '%EMAILADDRESS%', 'plain')",
    "INSERT INTO server_domain (server_id, domain_id) VALUES (900, 900)",
    "INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name)"
    " VALUES (900, 'https://dav.counted.example/', 443, 'caldav', TRUE, FALSE, NULL)",
    "INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (900, 900)",
    "UPDATE provider SET name = 'Counted again' WHERE id = 900",
    "UPDATE ldapserver SET port = 389 WHERE id = 900",
    "UPDATE domain SET name = 'counted2.example' WHERE id = 900",
    "UPDATE server SET port = 143 WHERE id = 900",
    "UPDATE server_domain SET domain_id = 900 WHERE server_id = 900",
    "UPDATE davserver SET port = 8443 WHERE id = 900",
    "UPDATE davserver_domain SET domain_id = 900 WHERE davserver_id = 900",
    "DELETE FROM davserver_domain WHERE davserver_id = 900",
    "DELETE FROM server_domain WHERE server_id = 900",
    "DELETE FROM davserver WHERE id = 900",
    "DELETE FROM server WHERE id = 900",
    "DELETE FROM domain WHERE id = 900",
    "DELETE FROM ldapserver WHERE id = 900",
    "DELETE FROM provider WHERE id = 900",
]


def assert_every_write_counts(db):
    """Each write of WRITES, each with a client run of its own, moves the
    counter by one (one row each: per row and per statement agree)."""
    before = counter(db)
    for n, stmt in enumerate(WRITES, 1):
        after = int(db.sql(f"{stmt}; {COUNTER};").split()[-1])
        assert after == before + n, (stmt, before + n, after)
    return before + len(WRITES)


@pytest.mark.parametrize("driver", DRIVERS)
def test_every_write_to_each_table_moves_the_counter(workdir, driver):
    db = database(driver, workdir, "counter-writes")
    db.sql((SQL / ENGINE[driver] / "schema.sql").read_text())
    assert counter(db) == 0
    assert triggers(db) == wanted_triggers(driver)
    last = assert_every_write_counts(db)
    # Reads do not move it; loading the schema again changes nothing.
    db.sql("SELECT COUNT(*) FROM domain; SELECT * FROM server;")
    db.sql((SQL / ENGINE[driver] / "schema.sql").read_text())
    assert counter(db) == last
    if driver == "pgsql":
        # Statement-level: a DELETE of several rows moves it once, and
        # TRUNCATE (which fires no DELETE trigger) moves it too.
        db.sql((SQL / "sample-data.sql").read_text())
        last = counter(db)
        assert int(db.sql(f"DELETE FROM server_domain; {COUNTER};").split()[-1]) == last + 1
        assert int(db.sql(f"TRUNCATE davserver_domain; {COUNTER};").split()[-1]) == last + 2


@pytest.mark.parametrize("driver", DRIVERS)
def test_initdb_adds_the_counter_to_a_database_automx2_made(private_httpd, workdir, driver):
    db = database(driver, workdir, "counter-automx2")
    automx2_db(db, "head")
    assert "automx_change" not in db.sql("SELECT * FROM alembic_version;") + str(schema_of(db))
    rows_before = old_rows(db) | {"davserver_domain": rows(db, "SELECT * FROM davserver_domain;")}
    start(private_httpd, db)
    status, text = initdb(private_httpd)
    assert status == 200, text
    assert "Database already contains provider data." in text
    n = len(wanted_triggers(driver))
    assert f"Schema upgraded: added the change counter (table automx_change with its row, " \
           f"{n} triggers)." in text
    assert "prio" not in text and "davserver" not in text and "alembic" not in text
    assert triggers(db) == wanted_triggers(driver)
    assert counter(db) == 0
    assert rows(db, "SELECT version_num FROM alembic_version;") == [(HEAD,)]
    assert old_rows(db) | {"davserver_domain": rows(db, "SELECT * FROM davserver_domain;")} \
        == rows_before
    # A second GET changes nothing, the counter included.
    schema = schema_of(db)
    status, text = initdb(private_httpd)
    assert status == 200 and "Database already contains provider data." in text
    assert "Schema upgraded" not in text
    assert schema_of(db) == schema
    assert counter(db) == 0
    # The triggers work for every other writer.
    assert_every_write_counts(db)
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=jo@old.example")
    assert r.status == 200 and b"<hostname>imap.old.example</hostname>" in r.body


def assert_replies(h, imap_first):
    """Autoconfig, Autodiscover and Mobileconfig of the fixture's domains.
    Autodiscover lists servers by prio, then id: IMAP (id 21) comes first
    only where its prio is lower than SMTP's (id 20)."""
    from test_autodiscover import post, protocols, request_body
    r = h.get("/mail/config-v1.1.xml?emailaddress=jo@old.example")
    assert r.status == 200, r.text
    doc = ET.fromstring(r.body)
    assert [e.text for e in doc.iter("hostname")] == ["imap.old.example", "smtp.old.example"]
    assert [e.text for e in doc.iter("username")] == ["%EMAILLOCALPART%", "%EMAILADDRESS%"]
    r = post(h, request_body("jo@old.example"))
    assert r.status == 200, r.text
    servers = [dict(p)["Server"] for p in protocols(r.body)]
    assert servers == (["imap.old.example", "smtp.old.example"] if imap_first
                       else ["smtp.old.example", "imap.old.example"])
    r = h.get("/mobileconfig/?emailaddress=jo@old.example")
    assert r.status == 200, r.text
    mail = plistlib.loads(r.body)["PayloadContent"][0]
    assert mail["IncomingMailServerHostName"] == "imap.old.example"
    assert mail["OutgoingMailServerHostName"] == "smtp.old.example"
    r = h.get("/mail/config-v1.1.xml?emailaddress=jo@second.example")
    assert r.status == 200, r.text
    doc = ET.fromstring(r.body)
    assert [e.text for e in doc.iter("hostname")] == ["pop.second.example", "smtp.second.example"]


@pytest.mark.parametrize("version", ["2020.0", "2021"])
@pytest.mark.parametrize("driver", DRIVERS)
def test_initdb_upgrades_an_old_automx2_schema_keeping_every_row(private_httpd, workdir,
                                                                 driver, version):
    db = database(driver, workdir, f"upgrade-{version}")
    automx2_db(db, version)
    before = old_rows(db)
    assert sum(len(v) for v in before.values()) == 16
    prio_before = rows(db, "SELECT id, prio FROM server ORDER BY id;") if version == "2021" else None
    start(private_httpd, db)
    status, text = initdb(private_httpd)
    assert status == 200, text
    assert "Database already contains provider data." in text
    n = len(wanted_triggers(driver))
    assert ("added the column server.prio (10 for every server)" in text) == (version == "2020.0")
    assert "added the DAV server tables davserver and davserver_domain" in text
    assert f"added the change counter (table automx_change with its row, {n} triggers)" in text
    assert f"set alembic_version to automx2's head revision {HEAD}" in text
    # Every row as it was; prio as automx2's migration gives it (10), or as
    # the 2021 database had it.
    assert old_rows(db) == before
    prio = rows(db, "SELECT id, prio FROM server ORDER BY id;")
    if version == "2020.0":
        assert prio == [(str(i), "10") for i in (20, 21, 22, 23)]
    else:
        assert prio == prio_before == [("20", "10"), ("21", "5"), ("22", "10"), ("23", "30")]
    assert rows(db, "SELECT COUNT(*) FROM davserver; SELECT COUNT(*) FROM davserver_domain;") \
        == [("0",), ("0",)]
    assert rows(db, "SELECT version_num FROM alembic_version;") == [(HEAD,)]
    assert triggers(db) == wanted_triggers(driver)
    assert_replies(private_httpd, imap_first=version == "2021")
    # automx2's defaults hold for a new server, and the counter counts.
    db.sql("INSERT INTO server (id, name, port, type, socket_type, user_name, authentication)"
           " VALUES (24, 'imap2.old.example', 143, 'imap', 'STARTTLS', '%EMAILADDRESS%', 'plain');")
    assert rows(db, "SELECT prio FROM server WHERE id = 24;") == [("10",)]
    assert counter(db) == 1
    # Once current, GET leaves it alone.
    schema = schema_of(db)
    status, text = initdb(private_httpd)
    assert status == 200 and "Schema upgraded" not in text
    assert schema_of(db) == schema and counter(db) == 1


@pytest.mark.parametrize("driver", ["sqlite3", "pgsql"])
def test_a_failed_upgrade_writes_nothing(private_httpd, workdir, driver):
    # One transaction: a 2020.0 database whose counter cannot be made
    # (here a table of that name that is not one) keeps its old schema,
    # and the reply says why.
    db = database(driver, workdir, "upgrade-fails")
    automx2_db(db, "2020.0")
    db.sql("CREATE TABLE automx_change (id INTEGER, note VARCHAR(10));")
    schema, before = schema_of(db), old_rows(db)
    start(private_httpd, db)
    private_httpd.expect_log(r"AMX01900: the change counter .* nothing written")
    status, text = initdb(private_httpd)
    assert status == 500, text
    assert "The change counter (table automx_change and its triggers) could not be added." in text
    assert "Nothing was written." in text
    assert schema_of(db) == schema and old_rows(db) == before
    assert sum("AMX01900" in line for line in private_httpd.log_since_mark()) == 1


def test_mariadb_without_the_trigger_privilege(private_httpd, workdir):
    srv = db_server("mysql", workdir)
    srv.reset()
    automx2_db(srv, "head")
    srv.admin("DROP USER IF EXISTS 'notrigger'@'%'; DROP USER IF EXISTS 'notrigger'@'localhost';"
              "CREATE USER 'notrigger'@'%' IDENTIFIED BY 'pw';"
              "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX"
              f" ON {srv.dbname}.* TO 'notrigger'@'%';")
    schema, before = schema_of(srv), old_rows(srv)
    params = srv.dbd_params.replace(f"user={srv.user},pass={srv.password}",
                                    "user=notrigger,pass=pw")
    private_httpd.start(dbdriver="mysql", dbdparams=params)
    private_httpd.expect_log(r"AMX01900: the change counter .* removed again: .*TRIGGER")
    status, text = initdb(private_httpd)
    assert status == 500, text
    assert "needs the TRIGGER privilege" in text and "SUPER" in text
    assert "log_bin_trust_function_creators" in text
    # Nothing of the counter is left: no table that would read as one.
    assert schema_of(srv) == schema and old_rows(srv) == before
    assert sum("AMX01900" in line for line in private_httpd.log_since_mark()) == 1
    # Replies go on; with the privilege, the next GET adds the counter.
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=jo@old.example").status == 200
    # A privilege on a database reaches only connections opened after it.
    srv.admin(f"GRANT TRIGGER ON {srv.dbname}.* TO 'notrigger'@'%';")
    private_httpd.stop()
    private_httpd.start(dbdriver="mysql", dbdparams=params)
    status, text = initdb(private_httpd)
    assert status == 200 and "added the change counter" in text, text
    assert triggers(srv) == wanted_triggers("mysql") and counter(srv) == 0
    # Triggers made by that user count the writes of any other.
    last = assert_every_write_counts(srv)
    # Without the privilege again, the user sees no trigger: a counter
    # whose row is there is taken as complete and left alone.
    srv.admin(f"REVOKE TRIGGER ON {srv.dbname}.* FROM 'notrigger'@'%';")
    private_httpd.stop()
    private_httpd.start(dbdriver="mysql", dbdparams=params)
    status, text = initdb(private_httpd)
    assert status == 200 and "Schema upgraded" not in text, text
    assert triggers(srv) == wanted_triggers("mysql") and counter(srv) == last
    srv.admin("DROP USER 'notrigger'@'%';")


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_seed_alone_makes_the_counter_and_moves_it(private_httpd, workdir, driver):
    # The manuals provision a new installation with POST alone: the counter
    # comes with the tables, and the seed's own rows move it.
    import json
    db = database(driver, workdir, "seed-alone")
    if driver == "sqlite3":
        allow_httpd(db.path.parent)
    start(private_httpd, db)
    doc = {"provider": "Seeded", "domains": ["seeded.example"],
           "servers": [{"type": "imap", "name": "imap.seeded.example"}]}
    r = private_httpd.request("POST", "/initdb/", body=json.dumps(doc).encode(),
                              headers={"Content-Type": "application/json"})
    assert r.status == 200 and "Schema upgraded" not in r.text, r.text
    assert triggers(db) == wanted_triggers(driver)
    # provider, domain, server, server_domain: one row each.
    assert counter(db) == 4
