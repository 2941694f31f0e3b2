"""sql/: the schema, the sample data and the generators, through the module."""
import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import db_server
from harness import LOOKUP_INDEXES, REPO, SQL, make_sqlite_db

# What earlier versions of the schema created instead of the three covering
# indexes of LOOKUP_INDEXES.
SINGLE_COLUMN_INDEXES = """
    DROP INDEX domain_provider_name;
    DROP INDEX server_domain_by_domain;
    DROP INDEX davserver_domain_by_domain;
    CREATE INDEX domain_provider ON domain (provider_id);
    CREATE INDEX server_domain_domain ON server_domain (domain_id);
    CREATE INDEX davserver_domain_domain ON davserver_domain (domain_id);
"""


def test_schema_loads_twice(tmp_path):
    con = sqlite3.connect(tmp_path / "x.db")
    schema = (SQL / "sqlite" / "schema.sql").read_text()
    con.executescript(schema)
    con.executescript(schema)  # IF NOT EXISTS everywhere
    con.executescript((SQL / "sample-data.sql").read_text())
    counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("provider", "domain", "server", "server_domain", "davserver",
                        "davserver_domain", "ldapserver")}
    assert counts == {"provider": 3, "domain": 5, "server": 6, "server_domain": 7,
                      "davserver": 2, "davserver_domain": 3, "ldapserver": 0}


@pytest.mark.parametrize("driver", ["sqlite3", "pgsql"])
def test_loading_the_schema_again_replaces_single_column_indexes(driver, tmp_path, workdir):
    if driver == "sqlite3":
        con = sqlite3.connect(tmp_path / "x.db")
        load = con.executescript
        schema = (SQL / "sqlite" / "schema.sql").read_text()
        indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        names = lambda: {row[0] for row in con.execute(indexes)}  # noqa: E731
    else:
        srv = db_server(driver, workdir)
        srv.reset()
        load = srv.sql
        schema = (SQL / "postgresql" / "schema.sql").read_text()
        names = lambda: {n for n in srv.sql(  # noqa: E731
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").split()
            if not n.endswith(("_pkey", "_key"))}
    load(schema)
    assert names() == LOOKUP_INDEXES
    load(SINGLE_COLUMN_INDEXES)
    assert names() == LOOKUP_INDEXES - {"domain_provider_name", "server_domain_by_domain",
                                        "davserver_domain_by_domain"} | {
        "domain_provider", "server_domain_domain", "davserver_domain_domain"}
    load(schema)
    assert names() == LOOKUP_INDEXES


def test_domain_query_is_index_searches_only(private_httpd, workdir):
    """SQLite's plan for the module's domain query, taken from its trace log,
    on 5,000 domains of 50 providers: every table is searched through an
    index, and the link tables and the provider's other domains are read
    from the index alone."""
    synthetic = subprocess.run([str(SQL / "generate-synthetic.py"), "--providers", "50",
                                "--domains", "5000"],
                               check=True, capture_output=True, text=True).stdout
    db = make_sqlite_db(workdir / "plan" / "automx.db", SQL / "sample-data.sql", synthetic)
    private_httpd.start(dbdparams=str(db), loglevel="warn automx:trace1")
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=u@D7.example")
    assert r.status == 200
    prov = ET.fromstring(r.body).find("emailProvider")
    assert [d.text for d in prov.findall("domain")] == [f"d{7 + 50 * i}.example"
                                                        for i in range(100)]
    assert len([s for s in prov if s.tag.endswith("Server")]) == 4
    prepared = [m.group(1) for m in (re.search(r"AMX00031: prepare automx_domain_\d+: (.*)$", l)
                                     for l in private_httpd.log_since_mark()) if m]
    assert prepared, "no AMX00031 line for the domain query"
    sql = prepared[0].replace("%s", "?")
    con = sqlite3.connect(db)
    plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql,
                                          ["d7.example"] * sql.count("?"))]
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert sum("USING INDEX domain_name_lower" in step for step in plan) == sql.count("?"), plan
    for step in ("SEARCH x USING COVERING INDEX domain_provider_name (provider_id=?)",
                 "SEARCH sd USING COVERING INDEX server_domain_by_domain (domain_id=?)",
                 "SEARCH vd USING COVERING INDEX davserver_domain_by_domain (domain_id=?)"):
        assert step in plan, plan


def test_generated_provider_is_served_escaped(private_httpd, workdir):
    sql = subprocess.run(
        [str(REPO / "sql" / "generate-provider.sh"), "--name", "O'Brien & <Sons>",
         "--id", "500", "--domain", "obrien.example", "--user-name", "%EMAILLOCALPART%"],
        check=True, capture_output=True, text=True).stdout
    db = make_sqlite_db(workdir / "generated" / "automx.db", SQL / "sample-data.sql", sql)
    private_httpd.start(dbdparams=str(db))
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=x@obrien.example")
    assert r.status == 200
    assert b"O'Brien &amp; &lt;Sons&gt;" in r.body
    doc = ET.fromstring(r.body)
    prov = doc.find("emailProvider")
    assert prov.findtext("displayName") == "O'Brien & <Sons>"
    assert prov.findtext("displayShortName") == "O'Brien"
    incoming = prov.find("incomingServer")
    assert (incoming.get("type"), incoming.findtext("hostname"), incoming.findtext("port"),
            incoming.findtext("socketType"), incoming.findtext("username")) == \
        ("imap", "imap.obrien.example", "993", "SSL", "%EMAILLOCALPART%")
    outgoing = prov.find("outgoingServer")
    assert (outgoing.findtext("hostname"), outgoing.findtext("port"),
            outgoing.findtext("socketType")) == ("smtp.obrien.example", "587", "STARTTLS")


def test_generator_refuses_bad_input():
    gen = str(REPO / "sql" / "generate-provider.sh")
    for args in (["--id", "x"], ["--id", "-5"], ["--domain", ""], ["--bogus"]):
        p = subprocess.run([gen, *args], capture_output=True, text=True)
        assert p.returncode == 2, args
        assert p.stdout == ""


def test_ham_and_eggs_is_well_formed_once_its_server_is_valid(private_httpd, workdir):
    db = make_sqlite_db(workdir / "hameggs" / "automx.db", SQL / "sample-data.sql",
                        "UPDATE server SET type = 'imap', socket_type = 'TLS' WHERE id = 4005;")
    private_httpd.start(dbdparams=str(db))
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=x@ham-n-eggs.tld")
    assert r.status == 200
    prov = ET.fromstring(r.body).find("emailProvider")
    assert prov.findtext("displayName") == "Ham & Eggs"
    assert prov.findtext("displayShortName") == "H+E"
    # TLS is the automua fork's word for SSL; Thunderbird only knows SSL.
    assert prov.find("incomingServer").findtext("socketType") == "SSL"


def test_prio_orders_servers(private_httpd, workdir):
    db = make_sqlite_db(workdir / "prio" / "automx.db", SQL / "sample-data.sql", """
        INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)
            VALUES (4900, 1, 'first-imap.example.com', 993, 'imap', 'SSL', '%EMAILADDRESS%', 'plain');
        INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)
            VALUES (4901, 99, 'last-smtp.example.com', 465, 'smtp', 'ssl', '%EMAILADDRESS%', 'plain');
        INSERT INTO server_domain (server_id, domain_id) VALUES (4900, 3000);
        INSERT INTO server_domain (server_id, domain_id) VALUES (4901, 3000);
        UPDATE domain SET name = 'Example.COM' WHERE id = 3000;
    """)
    private_httpd.start(dbdparams=str(db))
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=user@example.com")
    assert r.status == 200
    prov = ET.fromstring(r.body).find("emailProvider")
    hosts = [(s.findtext("hostname"), s.findtext("socketType"))
             for s in prov if s.tag.endswith("Server")]
    # Prio order (ties by id) within the incoming and within the outgoing
    # servers, every incoming one first (SPEC §4).
    assert hosts == [("first-imap.example.com", "SSL"), ("imap1.example.com", "STARTTLS"),
                     ("primary-smtp.example.com", "STARTTLS"), ("last-smtp.example.com", "SSL")]


def test_unknown_socket_type_is_a_data_error(private_httpd, workdir):
    db = make_sqlite_db(workdir / "badsock" / "automx.db", SQL / "sample-data.sql",
                        "UPDATE server SET socket_type = 'SSL/TLS' WHERE id = 4002;")
    private_httpd.start(dbdparams=str(db))
    private_httpd.expect_log(r"AMX00013: data error in table server, row id 4002: column socket_type")
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=user@example.com")
    assert r.status == 400
    lines = private_httpd.tagged_since_mark()
    assert len(lines) == 1 and "SSL/TLS" in lines[0]
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=user@example.org").status == 200


def test_mariadb_domain_query_is_index_lookups_only(private_httpd, workdir):
    """MariaDB's EXPLAIN of the module's domain query on 5,000 domains: no
    table is read in full (type ALL) nor through a whole index (type
    index), which LOWER(name) = ? forced three times per lookup although
    the UNIQUE index on name already compares case-insensitively."""
    from conftest import load_sample
    srv = db_server("mysql", workdir)
    load_sample(srv)
    srv.sql(subprocess.run([str(SQL / "generate-synthetic.py"), "--providers", "50",
                            "--domains", "5000"], check=True, capture_output=True,
                           text=True).stdout)
    srv.sql("ANALYZE TABLE domain, server_domain, davserver_domain, server, davserver, provider;")
    try:
        private_httpd.start(dbdriver="mysql", dbdparams=srv.dbd_params,
                            loglevel="warn automx:trace1")
        r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=u@D7.example")
        assert r.status == 200
        prov = ET.fromstring(r.body).find("emailProvider")
        assert len(prov.findall("domain")) == 100
        prepared = [m.group(1) for m in (re.search(r"AMX00031: prepare automx_domain_\d+: (.*)$", l)
                                         for l in private_httpd.log_since_mark()) if m]
        assert prepared, "no AMX00031 line for the domain query"
        sql = prepared[0].replace("%s", "'d7.example'")
        plan = [line.split("\t") for line in srv.sql("EXPLAIN " + sql).splitlines()]
        # id, select_type, table, type, possible_keys, key, key_len, ref, rows, Extra
        scans = [row for row in plan if row[2] != "NULL" and row[3] in ("ALL", "index")]
        assert not scans, plan
        assert [row[5] for row in plan if row[2] == "domain"] == ["name"] * 3, plan
    finally:
        load_sample(srv)


def test_mysql_schema_has_no_create_index_if_not_exists():
    # MySQL 8 has no CREATE INDEX IF NOT EXISTS (MariaDB has): the schema
    # must load on both.
    text = "\n".join(line for line in (SQL / "mysql" / "schema.sql").read_text().splitlines()
                     if not line.lstrip().startswith("--"))
    assert "CREATE INDEX domain_provider" in text
    assert not re.search(r"CREATE\s+INDEX\s+IF\s+NOT\s+EXISTS", text, re.I)
