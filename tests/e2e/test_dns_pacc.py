"""DNS records (SPEC §13) and PACC (SPEC §14) on the sample data and the
client-conformance dataset: every snippet through named-checkzone, the
records against the database, the served PACC body against its TXT digest
and against the structure of draft-ietf-mailmaint-pacc-02."""
import base64
import hashlib
import json
import re
import sqlite3
import subprocess
from urllib.parse import quote, urlsplit

import jsonschema
import pytest

from harness import SQL, Httpd, make_sqlite_db
from test_conformance import DATA

DNS = {"Accept": "text/dns"}
PACC_PATH = "/.well-known/user-agent-configuration.json"
RR = re.compile(r"^(\S+) (\d+) IN (\S+) (.*)$")

# draft-ietf-mailmaint-pacc-02, section "Configuration file": the protocols
# (JMAP, CalDAV, CardDAV, WebDAV by URL; IMAP, POP3, SMTP, ManageSieve by
# host, implicit TLS on the default port), the authentication (password,
# oauth-public with its issuer) and info (provider name, short name, logo;
# help). Nothing else may appear.
HTTP_PROTOCOL = {"type": "object", "required": ["url"], "additionalProperties": False,
                 "properties": {"url": {"type": "string", "pattern": "^https://[^/?#\\s]+"}}}
TEXT_PROTOCOL = {"type": "object", "required": ["host"], "additionalProperties": False,
                 "properties": {"host": {"type": "string",
                                         "pattern": "^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"}}}
PACC_SCHEMA = {
    "type": "object",
    "required": ["protocols", "authentication", "info"],
    "additionalProperties": False,
    "properties": {
        "protocols": {
            "type": "object", "minProperties": 1, "additionalProperties": False,
            "properties": {**{k: HTTP_PROTOCOL for k in ("jmap", "caldav", "carddav", "webdav")},
                           **{k: TEXT_PROTOCOL for k in ("imap", "pop3", "smtp", "managesieve")}},
        },
        "authentication": {
            "type": "object", "minProperties": 1, "additionalProperties": False,
            "properties": {
                "password": {"type": "boolean"},
                "oauth-public": {"type": "object", "required": ["issuer"],
                                 "additionalProperties": False,
                                 "properties": {"issuer": {"type": "string"}}},
            },
        },
        "info": {
            "type": "object", "required": ["provider"], "additionalProperties": False,
            "properties": {
                "provider": {
                    "type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "shortName": {"type": "string", "minLength": 1},
                        "logo": {"type": "array", "items": {
                            "type": "object", "required": ["url"],
                            "properties": {"url": {"type": "string"},
                                           "content-type": {"type": "string"}}}},
                    },
                },
                "help": {"type": "object", "additionalProperties": False, "properties": {
                    "documentation": {"type": "string"}, "developer": {"type": "string"},
                    "contact": {"type": "array", "items": {"type": "string"}}}},
            },
        },
    },
}


@pytest.fixture(scope="module")
def world(workdir):
    db = make_sqlite_db(workdir / "dns" / "automx.db", SQL / "sample-data.sql", DATA)
    h = Httpd(workdir / "httpd-dns")
    h.start(dbdparams=str(db), extra="AutomxPublicHost automx.example.net.")
    h.mark()
    h.expected = []
    con = sqlite3.connect(db)
    yield {"httpd": h, "con": con, "db": db}
    bad = h.unexpected_log_lines()
    alive = h.alive()
    h.stop()
    assert alive, "httpd died"
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)


def records(snippet):
    out = []
    for line in snippet.splitlines():
        if not line or line.startswith(";"):
            continue
        m = RR.match(line)
        assert m, f"not a record line: {line!r}"
        out.append((m.group(1).lower(), m.group(3), m.group(4)))
    return out


def checkzone(tmp_path, domain, snippet):
    """SNIPPET inside a zone of DOMAIN with SOA and NS, and an address for
    every in-zone host a record points to (what the operator's zone has)."""
    origin = domain.lower().rstrip(".") + "."
    owners = {r[0] for r in records(snippet)}
    lines = [f"$ORIGIN {origin}", "$TTL 3600",
             f"@ IN SOA ns1.{origin} hostmaster.{origin} 1 3600 600 86400 3600",
             f"@ IN NS ns1.{origin}", f"ns1.{origin} IN A 192.0.2.1"]
    for owner, typ, rdata in records(snippet):
        target = rdata.split()[-1].lower()
        if typ in ("SRV", "CNAME") and target.endswith("." + origin) and target not in owners \
                and target != f"ns1.{origin}":
            lines.append(f"{target} IN A 192.0.2.2")
            owners.add(target)
    path = tmp_path / f"{origin}zone"
    path.write_text("\n".join(lines) + "\n" + snippet)
    p = subprocess.run(["named-checkzone", "-k", "fail", "-n", "fail", "-M", "fail",
                        "-S", "fail", origin, str(path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr + "\n" + path.read_text()


# The domains whose rows hold a data error (SPEC §7): 400 alone, a comment
# in the list of all.
BROKEN = {"ham-n-eggs.tld": 4005, "badauth.conf.example": 11200}


def ascii_domains(con):
    return [n for (n,) in con.execute("SELECT name FROM domain ORDER BY name")
            if n.isascii() and n not in BROKEN]


def snippet(h, name):
    r = h.get("/initdb/?domain=" + quote(name), headers=DNS)
    assert r.status == 200, (name, r.status, r.text)
    assert r.header("Content-Type") == "text/dns"
    return r.text


def test_every_domain_passes_named_checkzone(world, tmp_path):
    h, con = world["httpd"], world["con"]
    # The provider with 100 alike domains is checked with its first only:
    # named-checkzone takes a quarter of a second per zone.
    hundred = {n for (n,) in con.execute(
        "SELECT d.name FROM domain d JOIN provider p ON p.id = d.provider_id "
        "WHERE p.short_name = 'Hundred' ORDER BY d.id LIMIT -1 OFFSET 1")}
    names = [n for n in ascii_domains(con) if n not in hundred]
    assert len(names) > 15
    for name in names:
        checkzone(tmp_path, name, snippet(h, name))


def test_all_domains_at_once(world, tmp_path):
    h, con = world["httpd"], world["con"]
    for name, row in BROKEN.items():
        h.expect_log(rf"AMX01521: no DNS records for \"{re.escape(name)}\": table server, row id {row}")
    r = h.get("/initdb/", headers=DNS)
    assert r.status == 200 and r.header("Content-Type") == "text/dns"
    chunks = r.text.split("\n\n")
    by_domain = {}
    for chunk in chunks:
        first = chunk.strip().splitlines()[0] if chunk.strip() else ""
        if first.startswith("; ") and first.endswith("."):
            by_domain[first[2:-1]] = chunk.strip() + "\n"
    # Every usable ASCII domain is there, exactly as it is alone.
    for name in ascii_domains(con):
        if name in by_domain:
            assert by_domain[name] == snippet(h, name).strip() + "\n"
    assert "example.com" in by_domain and "mixed.conf.example" in by_domain
    for name, row in BROKEN.items():
        assert f"; {name} left out: a data error in table server, row id {row}" in r.text
    # A domain stored in U-labels is published in A-labels, as it is alone.
    assert "xn--kln-sna.example" in by_domain and "xn--zrich-kva.example" in by_domain
    assert by_domain["xn--kln-sna.example"] == snippet(h, "köln.example").strip() + "\n"
    checkzone(tmp_path, "xn--kln-sna.example", by_domain["xn--kln-sna.example"])
    checkzone(tmp_path, "example.com", by_domain["example.com"])


def expected_mail(con, name):
    """The RFC 6186/8314 records the rules of SPEC §13 give for NAME,
    computed from the rows."""
    rows = con.execute(
        "SELECT s.prio, s.name, s.port, lower(s.type), upper(s.socket_type) FROM server s "
        "JOIN server_domain sd ON sd.server_id = s.id JOIN domain d ON d.id = sd.domain_id "
        "WHERE d.name = ?", (name,)).fetchall()
    fams = {"imap": ("_imaps", "_imap"), "pop": ("_pop3s", "_pop3"),
            "smtp": ("_submissions", "_submission")}
    want = set()
    for fam, (tls, starttls) in fams.items():
        mine = [r for r in rows if r[3] == fam]
        if not mine:
            if rows:
                want |= {(f"{tls}._tcp.{name}.", "SRV", "0 0 0 ."),
                         (f"{starttls}._tcp.{name}.", "SRV", "0 0 0 .")}
            continue
        encrypted = any(r[4] != "PLAIN" for r in mine)
        used = set()
        for prio, host, port, _, sock in mine:
            if sock == "PLAIN" and encrypted:
                continue
            svc = tls if sock in ("SSL", "TLS") else starttls
            used.add(svc)
            want.add((f"{svc}._tcp.{name}.", "SRV", f"{prio} 0 {port} {host.strip().rstrip('.')}."))
        for svc in (tls, starttls):
            if svc not in used and used:
                want.add((f"{svc}._tcp.{name}.", "SRV", "0 0 0 ."))
    return want


@pytest.mark.parametrize("name", ["example.com", "example.net", "example.org",
                                  "mixed.conf.example", "plainonly.conf.example"])
def test_records_match_the_database(world, name):
    h, con = world["httpd"], world["con"]
    got = set(records(snippet(h, name)))
    assert (f"autoconfig.{name}.", "CNAME", "automx.example.net.") in got
    assert (f"autodiscover.{name}.", "CNAME", "automx.example.net.") in got
    assert (f"_autodiscover._tcp.{name}.", "SRV", "0 0 443 automx.example.net.") in got
    mail = {r for r in got if re.match(r"_(imaps?|pop3s?|submissions?)\._tcp\.", r[0])}
    assert mail == expected_mail(con, name)
    # DAV: one SRV per DAV server of the domain, port from the row or the URL.
    for url, port, typ in con.execute(
            "SELECT v.url, v.port, lower(v.type) FROM davserver v JOIN davserver_domain vd "
            "ON vd.davserver_id = v.id JOIN domain d ON d.id = vd.domain_id WHERE d.name = ?",
            (name,)):
        u = urlsplit(url.strip())
        svc = f"_{typ}{'s' if u.scheme == 'https' else ''}._tcp.{name}."
        p = port or u.port or (443 if u.scheme == "https" else 80)
        assert (svc, "SRV", f"10 0 {p} {u.hostname}.") in got


def test_sample_values(world):
    got = set(records(snippet(world["httpd"], "example.com")))
    assert ("_imap._tcp.example.com.", "SRV", "10 0 143 imap1.example.com.") in got
    assert ("_imaps._tcp.example.com.", "SRV", "0 0 0 .") in got
    assert ("_submission._tcp.example.com.", "SRV", "10 0 587 primary-smtp.example.com.") in got
    assert ("_caldavs._tcp.example.com.", "SRV", "10 0 443 caldav.example.com.") in got
    assert ("_carddav._tcp.example.com.", "SRV", "10 0 80 carddav.example.com.") in got
    assert ("_carddavs._tcp.example.com.", "SRV", "0 0 0 .") in got
    assert ("ua-auto-config.example.com.", "CNAME", "automx.example.net.") in got
    # example.net has nothing PACC can describe: no TXT, no ua-auto-config name.
    net = snippet(world["httpd"], "example.net")
    assert "ua-auto-config" not in net


def pacc(h, name):
    return h.get(PACC_PATH, host="ua-auto-config." + name)


def test_pacc_body_matches_the_txt_digest_and_the_draft(world):
    h, con = world["httpd"], world["con"]
    seen = 0
    for name in ascii_domains(con):
        txt = [r for r in records(snippet(h, name)) if r[1] == "TXT" and r[0].startswith("_ua")]
        r = pacc(h, name)
        if not txt:
            assert r.status == 404, name
            continue
        seen += 1
        assert r.status == 200, name
        assert r.header("Content-Type") == "application/json"
        m = re.fullmatch(r'"v=UAAC1; a=sha256; d=([A-Za-z0-9+/=]+)"', txt[0][2])
        assert m, txt
        assert base64.b64decode(m.group(1)) == hashlib.sha256(r.body).digest(), name
        doc = json.loads(r.body)
        jsonschema.validate(doc, PACC_SCHEMA)
        # Compact, keys sorted: the bytes a second time are the same.
        assert r.body == json.dumps(doc, separators=(",", ":"), sort_keys=True,
                                    ensure_ascii=False).encode()
        assert pacc(h, name).body == r.body
    assert seen >= 3


def test_pacc_of_a_full_domain(world):
    r = pacc(world["httpd"], "mixed.conf.example")
    assert r.status == 200
    doc = json.loads(r.body)
    assert doc["protocols"]["imap"] == {"host": "imap.conf.example"}
    assert doc["protocols"]["smtp"] == {"host": "smtp.conf.example"}
    assert "pop3" not in doc["protocols"]          # its POP server is plaintext on 110
    assert doc["authentication"] == {"password": True}
    assert doc["info"]["provider"] == {"name": "Conformance Mail", "shortName": "Conf"}
    r = pacc(world["httpd"], "example.com")
    assert json.loads(r.body)["protocols"] == {"caldav": {"url": "https://caldav.example.com"}}


def test_pacc_changes_with_the_data_and_so_does_the_digest(private_httpd, workdir):
    db = make_sqlite_db(workdir / "pacc-change" / "automx.db", SQL / "sample-data.sql")
    # The cache would show the change only at its next check (test_cache.py).
    private_httpd.start(dbdparams=str(db), extra="AutomxCache Off")
    before = pacc(private_httpd, "example.com").body
    con = sqlite3.connect(db)
    con.execute("UPDATE provider SET name = 'Big Corporation, Ltd.' WHERE id = 1000")
    con.commit()
    con.close()
    after = pacc(private_httpd, "example.com").body
    assert after != before and b"Big Corporation, Ltd." in after
    txt = [r for r in records(snippet(private_httpd, "example.com")) if r[0].startswith("_ua")]
    assert base64.b64encode(hashlib.sha256(after).digest()).decode() in txt[0][2]


@pytest.mark.parametrize("host,path,status", [
    ("ua-auto-config.example.net", PACC_PATH, 404),      # nothing to describe
    ("ua-auto-config.unknown.example", PACC_PATH, 404),  # not in the database
    ("autoconfig.example.com", PACC_PATH, 404),          # not the PACC host
    ("ua-auto-config.", PACC_PATH, 404),
])
def test_pacc_statuses(world, host, path, status):
    h = world["httpd"]
    h.expect_log(r"AMX0151[012]")
    r = h.get(path, host=host)
    assert r.status == status
    assert h.get(PACC_PATH, host="ua-auto-config.example.com").status == 200


def test_pacc_data_error_is_400(world):
    h = world["httpd"]
    h.expect_log(r"AMX00013: data error in table server, row id 4005")
    assert pacc(h, "ham-n-eggs.tld").status == 400
    assert pacc(h, "example.com").status == 200


@pytest.mark.parametrize("query,status", [
    ("?domain=unknown.example", 404),
    ("?domain=ham-n-eggs.tld", 400),
    ("?domain=", 400),
    ("?domain=a%20b.example", 400),
    ("?domain=example.com&domain=example.net", 400),
    ("?domain=%zz", 400),
])
def test_dns_statuses(world, query, status):
    h = world["httpd"]
    h.expect_log(r"AMX00013|AMX0152[03]")
    r = h.get("/initdb/" + query, headers=DNS)
    assert r.status == status, r.text
    assert h.get("/initdb/?domain=EXAMPLE.com.", headers=DNS).status == 200


def test_public_host_defaults_to_the_server_name(private_httpd, sample_db):
    private_httpd.start(dbdparams=str(sample_db), servername="autoconfig.example.org")
    got = set(records(snippet(private_httpd, "example.com")))
    assert ("autoconfig.example.com.", "CNAME", "autoconfig.example.org.") in got


def test_bad_public_host_fails_configtest(private_httpd, sample_db):
    code, out = private_httpd.configtest(dbdparams=str(sample_db),
                                         extra="AutomxPublicHost bad_host!")
    assert code != 0 and "AutomxPublicHost" in out


def test_every_driver_lists_the_domains(httpd, tmp_path):
    """The list of all domains is the one query of its own: on SQLite,
    PostgreSQL and MariaDB alike."""
    httpd.expect_log(r"AMX01521: no DNS records for \"ham-n-eggs.tld\": table server, row id 4005")
    r = httpd.get("/initdb/", headers=DNS)
    assert r.status == 200 and r.header("Content-Type") == "text/dns"
    heads = [l[2:-1] for l in r.text.splitlines() if l.startswith("; ") and l.endswith(".")]
    assert heads == ["example.com", "example.net", "example.org", "serverless.tld"]
    chunk = r.text.split("\n\n")[0] + "\n"
    checkzone(tmp_path, "example.com", chunk)
    assert pacc(httpd, "example.com").status == 200
