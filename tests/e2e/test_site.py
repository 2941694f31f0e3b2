"""Site root (SPEC §9), start-up checks and database outages (SPEC §1, §7)."""
import re

from harness import SQL, allow_httpd, make_sqlite_db


def test_root_asks_for_the_address(httpd):
    r = httpd.get("/")
    assert r.status == 200
    assert r.header("Content-Type").startswith("text/html")
    assert re.search(r'<form method="get" action="/">', r.text)
    assert 'name="emailaddress"' in r.text


def test_root_without_tables_points_to_initdb(private_httpd, workdir):
    db = workdir / "notables" / "automx.db"
    db.parent.mkdir(exist_ok=True)
    allow_httpd(db.parent)  # sqlite3 creates the empty file
    private_httpd.start(dbdparams=str(db), extra="AutomxInitdbURL /setup/initdb/",
                        loglevel="info")
    r = private_httpd.get("/")
    assert r.status == 200
    assert "no automx tables" in r.text
    assert 'href="/setup/initdb/"' in r.text
    # The database's own words go to the error log, not to any visitor.
    assert "no such table" not in r.text and "domain" not in r.text, r.text
    lines = private_httpd.tagged_since_mark()
    assert len(lines) == 1 and "AMX00060" in lines[0] and "no such table" in lines[0], lines


def test_root_with_empty_tables(private_httpd, workdir):
    db = make_sqlite_db(workdir / "empty" / "automx.db")
    private_httpd.start(dbdparams=str(db))
    r = private_httpd.get("/")
    assert r.status == 200
    assert "no domains yet" in r.text
    assert 'href="/initdb/"' in r.text


def test_database_down_is_503_and_recovers_without_restart(private_httpd, workdir):
    missing = workdir / "later" / "automx.db"
    private_httpd.start(dbdparams=str(missing))
    private_httpd.expect_log(r"\[dbd:")                 # mod_dbd's own complaint
    private_httpd.expect_log(r"AMX00030: no database connection")
    private_httpd.expect_log(r"AMX01803: cannot read the database's change counter")
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=user@example.com")
    assert r.status == 503
    assert r.header("Retry-After") == "30"
    assert any("AMX00030" in l for l in private_httpd.tagged_since_mark())
    # The database appears: the next request succeeds, no restart.
    make_sqlite_db(missing, SQL / "sample-data.sql")
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=user@example.com")
    assert r.status == 200
    assert b"imap1.example.com" in r.body


def test_retry_after_is_configurable(private_httpd, workdir):
    private_httpd.start(dbdparams=str(workdir / "never" / "x.db"), extra="AutomxRetryAfter 120")
    private_httpd.expect_log(r"\[dbd:|AMX00030|AMX01803")
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=user@example.com")
    assert r.status == 503 and r.header("Retry-After") == "120"


def test_configtest_fails_without_mod_dbd(private_httpd):
    code, out = private_httpd.configtest(load_dbd=False)
    assert code != 0
    assert "AMX00001" in out and "mod_dbd" in out
    # It names the file that holds "LoadModule automx_module".
    assert str(private_httpd.root / "conf" / "httpd.conf") in out


def test_configtest_passes_on_good_config(private_httpd, sample_db):
    code, out = private_httpd.configtest(dbdparams=str(sample_db))
    assert code == 0, out
    assert "Syntax OK" in out


def test_configtest_names_bad_directive_arguments(private_httpd, sample_db):
    for line, name in [("AutomxLDAPNoMatch 500", "AutomxLDAPNoMatch"),
                       ("AutomxRequestBodyLimit lots", "AutomxRequestBodyLimit"),
                       ("AutomxRequestBodyLimit 65537", "AutomxRequestBodyLimit"),
                       ("AutomxRequestBodyLimit 0", "AutomxRequestBodyLimit"),
                       ("AutomxRequestBodyLimit 16x", "AutomxRequestBodyLimit"),
                       ("AutomxRequestBodyLimit 1.5k", "AutomxRequestBodyLimit"),
                       ("AutomxRequestBodyLimit 65k", "AutomxRequestBodyLimit"),
                       ("AutomxRetryAfter 0", "AutomxRetryAfter"),
                       ("AutomxRetryAfter 30s", "AutomxRetryAfter"),
                       ("AutomxRetryAfter 99999999999999999999", "AutomxRetryAfter"),
                       ("AutomxCacheTTL 60s", "AutomxCacheTTL"),
                       ("AutomxCacheTTL 4294967297", "AutomxCacheTTL"),
                       ("AutomxCacheEntries 10x", "AutomxCacheEntries"),
                       ("AutomxCacheEntries 4294967297", "AutomxCacheEntries"),
                       ("AutomxInitdbURL initdb", "AutomxInitdbURL"),
                       ("AutomxMobileconfigPasswords maybe", "AutomxMobileconfigPasswords")]:
        code, out = private_httpd.configtest(dbdparams=str(sample_db), extra=line)
        assert code != 0, line
        assert name in out, out


def test_the_defaults_in_conf_automx_conf_are_valid(private_httpd, sample_db):
    """Every commented directive of conf/automx.conf, uncommented, passes
    the configuration test: the file documents values httpd takes."""
    conf = (SQL.parent / "conf" / "automx.conf").read_text()
    lines = [l.strip()[1:] for l in conf.splitlines() if l.strip().startswith("#Automx")]
    assert len(lines) >= 4, lines
    code, out = private_httpd.configtest(dbdparams=str(sample_db), extra="\n".join(lines))
    assert code == 0, out
