"""AutomxCacheTTL: domain data served from memory, bounded by the TTL."""
import sqlite3
import time

from harness import SQL, make_sqlite_db

AC = "/mail/config-v1.1.xml?emailaddress=user@example.com"
# One process, so that every request sees the same per-process cache.
ONE_PROCESS = """
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
MinSpareThreads 1
MaxSpareThreads 8
"""


def rename_imap(db, name):
    con = sqlite3.connect(db)
    con.execute("UPDATE server SET name = ? WHERE id = 4002", (name,))
    con.commit()
    con.close()


def test_without_cache_every_change_shows_at_once(private_httpd, workdir):
    db = make_sqlite_db(workdir / "nocache" / "automx.db", SQL / "sample-data.sql")
    private_httpd.start(dbdparams=str(db), extra=ONE_PROCESS)
    assert b"imap1.example.com" in private_httpd.get(AC).body
    rename_imap(db, "imap-new.example.com")
    assert b"imap-new.example.com" in private_httpd.get(AC).body


def test_cache_serves_from_memory_until_the_ttl(private_httpd, workdir):
    db = make_sqlite_db(workdir / "cache" / "automx.db", SQL / "sample-data.sql")
    private_httpd.start(dbdparams=str(db), extra=ONE_PROCESS + "AutomxCacheTTL 2")
    first = private_httpd.get(AC)
    assert b"imap1.example.com" in first.body
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=x@unknown.example").status == 204
    rename_imap(db, "imap-new.example.com")
    con = sqlite3.connect(db)
    con.execute("INSERT INTO domain (id, name, provider_id) VALUES (3999, 'unknown.example', 1000)")
    con.commit()
    con.close()
    private_httpd.mark()
    # Within the TTL: the cached rows (and the cached "not in the database").
    assert private_httpd.get(AC).body == first.body
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=x@unknown.example").status == 204
    debug = [l for l in private_httpd.tagged_since_mark(with_debug=True) if "AMX00037" in l]
    assert len(debug) == 2
    time.sleep(2.2)
    assert b"imap-new.example.com" in private_httpd.get(AC).body
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=x@unknown.example").status == 200


def test_cache_is_per_virtual_host_database(private_httpd, workdir):
    a = make_sqlite_db(workdir / "vh-a" / "automx.db", SQL / "sample-data.sql")
    b = make_sqlite_db(workdir / "vh-b" / "automx.db", SQL / "sample-data.sql",
                       "UPDATE server SET name = 'imap-b.example.com' WHERE id = 4002;")
    vhost = f"""
<VirtualHost 127.0.0.1:{private_httpd.port}>
    ServerName b.test
    DBDriver sqlite3
    DBDParams {b}
    AutomxCacheTTL 60
</VirtualHost>
<VirtualHost 127.0.0.1:{private_httpd.port}>
    ServerName localhost
    DBDriver sqlite3
    DBDParams {a}
    AutomxCacheTTL 60
</VirtualHost>
"""
    private_httpd.start(dbdparams=str(a), extra=ONE_PROCESS + vhost)
    assert b"imap1.example.com" in private_httpd.get(AC, host="localhost").body
    assert b"imap-b.example.com" in private_httpd.get(AC, host="b.test").body
    assert b"imap1.example.com" in private_httpd.get(AC, host="localhost").body


def test_cache_directives_are_checked(private_httpd, sample_db):
    for line in ("AutomxCacheTTL soon", "AutomxCacheTTL 0", "AutomxCacheEntries -1",
                 "<Location /x>\nAutomxCacheEntries 10\n</Location>"):
        code, out = private_httpd.configtest(dbdparams=str(sample_db), extra=line)
        assert code != 0, line
        assert "AutomxCache" in out, out
    code, out = private_httpd.configtest(dbdparams=str(sample_db),
                                         extra="AutomxCacheTTL Off\nAutomxCacheEntries 50000")
    assert code == 0, out
