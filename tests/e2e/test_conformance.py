"""Client conformance: every Autoconfig reply, for every domain of the
sample data and of tests/e2e/data/conformance.sql, read by the clients'
own rules (SPEC §4):

- Thunderbird for Android: tests/clients/android_autoconfig.py, the rules
  of its RealAutoconfigParser.kt;
- Thunderbird desktop: its own readFromXML.sys.mjs from the installed
  thunderbird package, run under node (tests/clients/thunderbird.py).

Each reply is asked for twice, with an emailaddress and by host name only
(`Host: autoconfig.DOMAIN`, what the Android app sends). What each client
must take is worked out here from the database rows, not from the reply.
One httpd and one node run serve the whole module.
"""
import sqlite3
import sys
from urllib.parse import quote, urlsplit, urlunsplit
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import unavailable
from harness import Httpd, SQL, make_sqlite_db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clients"))
import android_autoconfig  # noqa: E402
import thunderbird  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "conformance.sql"
AC = "/mail/config-v1.1.xml"

AUTH = {"plain": "password-cleartext", "secure": "password-encrypted",
        "encrypted": "password-encrypted"}
for _v in ("password-cleartext", "password-encrypted", "NTLM", "GSSAPI",
           "client-IP-address", "TLS-client-cert", "OAuth2", "none"):
    AUTH[_v.lower()] = _v
SOCKET = {"ssl": "SSL", "tls": "SSL", "starttls": "STARTTLS", "plain": "plain"}
TYPE = {"imap": "imap", "pop": "pop3", "pop3": "pop3", "smtp": "smtp"}


def expected(con, domain_id):
    """What SPEC §4 says the reply for the domain holds, from its rows:
    None for a data error (400), else the servers in order."""
    rows = con.execute(
        "SELECT s.id, s.prio, s.name, s.port, s.type, s.socket_type, s.user_name, "
        "s.authentication FROM server s JOIN server_domain sd ON sd.server_id = s.id "
        "WHERE sd.domain_id = ? ORDER BY s.prio, s.id", (domain_id,)).fetchall()
    servers = []
    for sid, prio, name, port, typ, sock, user, auth in rows:
        if (typ.lower() not in TYPE or sock.lower() not in SOCKET
                or auth.strip().lower() not in AUTH):
            return None
        servers.append({"id": sid, "type": TYPE[typ.lower()], "hostname": name,
                        "port": port, "socketType": SOCKET[sock.lower()],
                        "username": user, "authentication": AUTH[auth.strip().lower()]})
    encrypted = {s["type"] for s in servers if s["socketType"] != "plain"}
    servers = [s for s in servers if s["socketType"] != "plain" or s["type"] not in encrypted]
    return ([s for s in servers if s["type"] != "smtp"]
            + [s for s in servers if s["type"] == "smtp"])


def dav_url(url, port):
    """The row's port, when above 0, goes into the URL (SPEC §2: 0 means
    the URL's), unless the URL already says it or it is the default."""
    u = urlsplit(url)
    if port <= 0 or not u.scheme or not u.hostname:
        return url
    if (u.port == port) if u.port is not None else port == {"http": 80, "https": 443}[u.scheme]:
        return url
    return urlunsplit(u._replace(netloc=f"{u.hostname}:{port}"))


def expected_dav(con, domain_id):
    rows = con.execute(
        "SELECT d.url, d.port, d.type, d.user_name FROM davserver d JOIN davserver_domain dd "
        "ON dd.davserver_id = d.id WHERE dd.domain_id = ? ORDER BY d.id",
        (domain_id,)).fetchall()
    return [("calendar" if t == "caldav" else "addressbook", t, dav_url(url, port), user or None)
            for url, port, t, user in rows]


def reply_servers(doc):
    out = []
    for el in doc.find("emailProvider"):
        if el.tag in ("incomingServer", "outgoingServer"):
            out.append({"type": el.get("type"), "hostname": el.findtext("hostname"),
                        "port": int(el.findtext("port")),
                        "socketType": el.findtext("socketType"),
                        "username": el.findtext("username"),
                        "authentication": el.findtext("authentication"),
                        "element": el.tag})
    return out


def android_expectation(servers, email, domains):
    """Accepted by the app, and what it takes, or None when it refuses."""
    used = [s for s in servers if s["type"] in ("imap", "smtp")]
    usable = {"password-cleartext", "password-encrypted", "OAuth2"}
    if any(s["socketType"] == "plain" or s["authentication"] not in usable
           or android_autoconfig.is_legal_host_name_or_ip(s["hostname"]) is None for s in used):
        return None
    if not any(android_autoconfig.is_valid_hostname(d) for d in domains):
        return None
    imap = [s for s in used if s["type"] == "imap"]
    smtp = [s for s in used if s["type"] == "smtp"]
    if not imap or not smtp:
        return None
    local, _, dom = email.rpartition("@")

    def take(s):
        user = (s["username"].replace("%EMAILDOMAIN%", dom)
                .replace("%EMAILLOCALPART%", local).replace("%EMAILADDRESS%", email))
        return (s["hostname"], s["port"], s["socketType"], s["authentication"], user)
    return take(imap[0]), take(smtp[0])


# readFromXML's authentication tables (incoming, outgoing) and socket types.
TB_IN = {"password-cleartext": "passwordCleartext", "password-encrypted": "passwordEncrypted",
         "GSSAPI": "GSSAPI", "NTLM": "NTLM"}
TB_OUT = dict(TB_IN, none="none", **{"client-IP-address": "none"})
TB_SOCKET = {"plain": "plain", "SSL": "SSL", "STARTTLS": "alwaysSTARTTLS"}


def thunderbird_expectation(servers):
    """The servers Thunderbird takes (OAuth2 needs a provider it knows,
    none of ours), or None when it refuses the document."""
    def take(s, table):
        return (s["type"], s["hostname"], s["port"], TB_SOCKET[s["socketType"]],
                table[s["authentication"]], s["username"])
    inc = [take(s, TB_IN) for s in servers
           if s["type"] != "smtp" and s["authentication"] in TB_IN]
    out = [take(s, TB_OUT) for s in servers
           if s["type"] == "smtp" and s["authentication"] in TB_OUT]
    return (inc, out) if inc and out else None


AD_REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
AD_RESP_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


def autodiscover_request(address):
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="{AD_REQ_NS}">'
            f"<Request><EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>"
            f"{AD_RESP_NS}</AcceptableResponseSchema></Request></Autodiscover>").encode()


def autodiscover_expectation(con, domain_id, email):
    """What Thunderbird's Exchange reader must take from the Autodiscover
    reply (SPEC §5: every mail server in prio order): None for a data
    error (400), else (incoming, outgoing)."""
    rows = con.execute(
        "SELECT s.name, s.port, s.type, s.socket_type, s.user_name FROM server s "
        "JOIN server_domain sd ON sd.server_id = s.id WHERE sd.domain_id = ? "
        "ORDER BY s.prio, s.id", (domain_id,)).fetchall()
    if any(t.lower() not in TYPE or k.lower() not in SOCKET for _, _, t, k, _ in rows):
        return None
    local, _, dom = email.rpartition("@")
    inc, out = [], []
    for name, port, typ, sock, user in rows:
        # The reader: SSL=off or Encryption=None is plain; otherwise it
        # guesses STARTTLS from the standard plaintext ports, else SSL.
        if SOCKET[sock.lower()] == "plain":
            socket = "plain"
        else:
            socket = "alwaysSTARTTLS" if port in (143, 110, 25, 587) else "SSL"
        user = (user.replace("%EMAILADDRESS%", email).replace("%EMAILLOCALPART%", local)
                .replace("%EMAILDOMAIN%", dom))
        server = (TYPE[typ.lower()], name.lower(), port, socket, "passwordCleartext", user)
        (out if typ.lower() == "smtp" else inc).append(server)
    return inc, out


@pytest.fixture(scope="module")
def world(workdir):
    """One httpd on the sample data plus the conformance dataset, and
    every reply fetched once."""
    db = make_sqlite_db(workdir / "conformance" / "automx.db",
                        SQL / "sample-data.sql", DATA)
    h = Httpd(workdir / "httpd-conformance")
    h.start(dbdparams=str(db))
    h.mark()
    h.expected = []
    con = sqlite3.connect(db)
    domains = con.execute("SELECT id, name, provider_id FROM domain ORDER BY id").fetchall()
    cases, autodiscover = {}, {}
    for did, name, prov in domains:
        prov_domains = [r[0] for r in con.execute(
            "SELECT name FROM domain WHERE provider_id = ? ORDER BY id", (prov,))]
        email = f"user@{name}"
        base = {"domain": name, "domain_id": did, "servers": expected(con, did),
                "dav": expected_dav(con, did), "provider_domains": prov_domains,
                "email": email}
        cases[f"{name} address"] = dict(base, reply=h.get(AC + "?emailaddress=user@" + quote(name)))
        if name.isascii():
            # The host name the Android app asks; a U-label host needs the
            # IDNA mapping of SPEC §2 first, which is not checked here.
            cases[f"{name} host"] = dict(base, reply=h.get(AC, host="autoconfig." + name))
        autodiscover[name] = {
            "want": autodiscover_expectation(con, did, email),
            "reply": h.request("POST", "/autodiscover/autodiscover.xml",
                               body=autodiscover_request(email),
                               headers={"Content-Type": "text/xml; charset=utf-8"})}
    # The data errors of the two datasets: each named in the log.
    h.expect_log(r"AMX00013: data error in table server, row id (4005: column type|"
                 r"11200: column authentication)")
    yield {"httpd": h, "cases": cases, "autodiscover": autodiscover}
    bad = h.unexpected_log_lines()
    alive = h.alive()
    h.stop()
    assert alive, "httpd died"
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)


@pytest.fixture(scope="module")
def tb(world, workdir):
    """Thunderbird's two readers, each run once over all replies."""
    try:
        reader = thunderbird.Reader(workdir / "tb")
    except thunderbird.Unavailable as e:
        unavailable(str(e))
    autoconfig = {k: c["reply"].body.decode("utf-8") for k, c in world["cases"].items()
                  if c["reply"].status == 200}
    autodiscover = {k: c["reply"].body.decode("utf-8") for k, c in world["autodiscover"].items()
                    if c["reply"].status == 200}
    return {"autoconfig": reader.read_all(autoconfig),
            "autodiscover": reader.read_all(autodiscover, "autodiscover")}


def case_names():
    # The names depend on the data only; the module fixture fills them in.
    con = sqlite3.connect(":memory:")
    con.executescript((SQL / "sqlite" / "schema.sql").read_text())
    con.executescript((SQL / "sample-data.sql").read_text())
    con.executescript(DATA.read_text())
    names = []
    for (name,) in con.execute("SELECT name FROM domain ORDER BY id"):
        names.append(f"{name} address")
        if name.isascii():
            names.append(f"{name} host")
    return names


CASES = case_names()


def test_dataset_covers_what_it_must():
    assert dav_url("https://dav.conf.example/card2/", 8443) == "https://dav.conf.example:8443/card2/"
    assert len(CASES) >= 248
    assert any(n.startswith("xn--") for n in CASES)
    assert any(not n.isascii() for n in CASES)
    assert sum(".hundred.example " in n for n in CASES) == 200


@pytest.mark.parametrize("name", CASES)
def test_reply_matches_the_database(world, name):
    c = world["cases"][name]
    r = c["reply"]
    if c["servers"] is None:
        assert r.status == 400
        return
    assert r.status == 200
    assert r.header("Content-Type").startswith("application/xml")
    assert r.body.startswith(b"<?xml")
    doc = ET.fromstring(r.body)
    got = reply_servers(doc)
    assert [{k: v for k, v in s.items() if k != "element"} for s in got] == [
        {k: v for k, v in s.items() if k != "id"} for s in c["servers"]]
    assert [s["element"] for s in got] == [
        "outgoingServer" if s["type"] == "smtp" else "incomingServer" for s in c["servers"]]
    prov = doc.find("emailProvider")
    assert [d.text for d in prov.findall("domain")] == c["provider_domains"]
    valid = [d for d in c["provider_domains"] if android_autoconfig.is_valid_hostname(d)]
    assert prov.get("id") == (valid[0] if valid else c["provider_domains"][0])
    dav = [(el.tag, el.get("type"), el.findtext("url"), el.findtext("username"))
           for el in doc if el.tag in ("calendar", "addressbook")]
    assert dav == c["dav"]
    for el in doc:
        if el.tag in ("calendar", "addressbook"):
            auth = el.find("authentication")
            assert (auth.get("system"), auth.text) == ("http", "Basic")


@pytest.mark.parametrize("name", CASES)
def test_thunderbird_for_android(world, name):
    c = world["cases"][name]
    if c["servers"] is None:
        pytest.skip("a data error: no document")
    want = android_expectation(c["servers"], c["email"], c["provider_domains"])
    try:
        got = android_autoconfig.check(c["reply"].body, c["email"])
    except android_autoconfig.Rejected as e:
        assert want is None, f"refused: {e}"
        return
    assert want is not None, "accepted, but the app must refuse this one"
    take = [(s["hostname"], s["port"], {"TLS": "SSL", "StartTLS": "STARTTLS"}[s["connectionSecurity"]],
             s["authenticationTypes"][0], s["username"]) for s in (got["incoming"], got["outgoing"])]
    assert tuple(take) == want


@pytest.mark.parametrize("name", CASES)
def test_thunderbird(world, tb, name):
    c = world["cases"][name]
    if c["servers"] is None:
        pytest.skip("a data error: no document")
    want = thunderbird_expectation(c["servers"])
    got = tb["autoconfig"][name]
    if want is None:
        assert not got["ok"], got
        return
    assert got["ok"], got["error"]
    take = lambda s: (s["type"], s["hostname"].lower(), s["port"], s["socketType"],
                      s["auth"], s["username"])
    lower = lambda lst: [(t[0], t[1].lower()) + t[2:] for t in lst]
    assert ([take(s) for s in got["incoming"]], [take(s) for s in got["outgoing"]]) \
        == (lower(want[0]), lower(want[1]))


def test_the_android_apps_request_for_the_sample_is_accepted(world, tb):
    """The issue's own case: autoconfig.example.com, no emailaddress."""
    c = world["cases"]["example.com host"]
    got = android_autoconfig.check(c["reply"].body, "user@example.com")
    assert got["incoming"]["hostname"] == "imap1.example.com"
    assert got["outgoing"]["hostname"] == "primary-smtp.example.com"
    got = tb["autoconfig"]["example.com host"]
    assert got["ok"], got
    assert got["incoming"][0]["hostname"] == "imap1.example.com"
    assert got["outgoing"][0]["hostname"] == "primary-smtp.example.com"


AD_DOMAINS = sorted({n.rsplit(" ", 1)[0] for n in CASES})


@pytest.mark.parametrize("domain", AD_DOMAINS)
def test_thunderbird_exchange_reader_on_autodiscover(world, tb, domain):
    c = world["autodiscover"][domain]
    if c["want"] is None:
        assert c["reply"].status == 400
        return
    assert c["reply"].status == 200
    got = tb["autodiscover"][domain]
    inc, out = c["want"]
    if not inc:
        # No IMAP or POP server: the reader finds no complete config.
        assert not got["ok"] and "No valid configs" in got["error"], got
        return
    assert got["ok"], got["error"]
    take = lambda s: (s["type"], s["hostname"], s["port"], s["socketType"], s["auth"], s["username"])
    assert [take(s) for s in got["incoming"]] == inc
    if out:
        assert [take(s) for s in got["outgoing"]] == out


def test_data_errors_name_the_row_and_the_server_goes_on(world):
    h = world["httpd"]
    h.mark()
    h.expect_log(r"AMX00013: data error in table server, row id 11200: column authentication")
    r = h.get(AC + "?emailaddress=user@badauth.conf.example")
    assert r.status == 400
    lines = h.tagged_since_mark()
    assert len(lines) == 1 and "row id 11200" in lines[0] and "kerberos" in lines[0]
    assert h.get(AC + "?emailaddress=user@mixed.conf.example").status == 200
