"""Internationalised domains (SPEC §2): a name in either form finds the domain
stored in the other, in every protocol, on every database; replies carry the
stored form; an invalid name is 400."""
import json
import plistlib
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from conftest import db_server, load_sample
from harness import SQL, make_sqlite_db
from test_autodiscover import post, protocols, request_body

DATA = __import__("pathlib").Path(__file__).parent / "data" / "conformance_apple.sql"
AC = "/mail/config-v1.1.xml"
MUENCHEN_U, MUENCHEN_A = "münchen.de", "xn--mnchen-3ya.de"     # stored: A-labels
KOELN_U, KOELN_A = "köln.de", "xn--kln-sna.de"                  # stored: U-labels


def q(address):
    return urllib.parse.quote(address, safe="@")


def provider_id(body):
    return ET.fromstring(body).find("emailProvider").get("id")


def host_request(h, host):
    """GET of the Autoconfig document with HOST as raw bytes (UTF-8 or ASCII)."""
    raw = h.raw(b"GET " + AC.encode() + b" HTTP/1.1\r\nHost: " + host.encode("utf-8")
                + b"\r\nConnection: close\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture(params=["sqlite3", "pgsql", "mysql"])
def idn_httpd(request, private_httpd, workdir):
    driver = request.param
    srv = None
    if driver == "sqlite3":
        params = str(make_sqlite_db(workdir / "idn" / "automx.db", SQL / "sample-data.sql", DATA))
    else:
        srv = db_server(driver, workdir)
        load_sample(srv)
        srv.sql(("SET NAMES utf8mb4;\n" if driver == "mysql" else "") + DATA.read_text())
        params = srv.dbd_params
    private_httpd.start(dbdriver=driver, dbdparams=params)
    yield private_httpd
    if srv:
        load_sample(srv)


def test_either_form_finds_the_stored_one_in_every_protocol(idn_httpd):
    h = idn_httpd
    for stored, forms in ((MUENCHEN_A, (MUENCHEN_U, MUENCHEN_A, "MÜNCHEN.DE.", "XN--MNCHEN-3YA.de")),
                          (KOELN_U, (KOELN_U, KOELN_A, "KÖLN.de"))):
        for form in forms:
            addr = "jürgen@" + form
            r = h.get(f"{AC}?emailaddress={q(addr)}")
            assert r.status == 200, (form, r)
            # The provider's first domain, and the list of its domains, as stored.
            assert provider_id(r.body) == MUENCHEN_A
            assert [d.text for d in ET.fromstring(r.body).iter("domain")] == [MUENCHEN_A, KOELN_U]

            r = post(h, request_body(addr))
            assert r.status == 200, (form, r)
            login = dict(protocols(r.body)[0])["LoginName"]
            # Placeholders expand to the address with the domain as stored.
            assert login in ("jürgen@" + stored, "jürgen"), login
            if stored == MUENCHEN_A:
                assert login == "jürgen@" + MUENCHEN_A

            r = h.get(f"/mobileconfig/?emailaddress={q(addr)}")
            assert r.status == 200, (form, r)
            p = plistlib.loads(r.body)
            assert p["PayloadContent"][0]["EmailAddress"] == "jürgen@" + stored
            assert r.header("Content-Disposition") == \
                f'attachment; filename="{MUENCHEN_A if stored == MUENCHEN_A else KOELN_A}.mobileconfig"'

            r = h.get(f"/autodiscover/autodiscover.json?Email={q(addr)}&Protocol=AutodiscoverV1")
            assert r.status == 200 and json.loads(r.body)["Protocol"] == "AutodiscoverV1"
    # The same letters without the umlaut are another domain, on every database.
    r = h.get(f"{AC}?emailaddress=jo@munchen.de")
    assert r.status == 200 and provider_id(r.body) == "munchen.de"
    # One profile per account, whichever form the user typed.
    a = h.get(f"/mobileconfig/?emailaddress={q('jo@' + MUENCHEN_U)}").body
    b = h.get(f"/mobileconfig/?emailaddress={q('jo@' + MUENCHEN_A)}").body
    assert a == b


def test_host_name_path_in_either_form(idn_httpd):
    # What a client puts in Host is the DNS name: A-labels.
    h = idn_httpd
    for host in ("autoconfig." + MUENCHEN_A, "autoconfig." + KOELN_A, "AUTOCONFIG.XN--KLN-SNA.DE"):
        status, body = host_request(h, host)
        assert status == 200, host
        assert provider_id(body) == MUENCHEN_A


def test_host_name_path_in_utf8(private_httpd, workdir):
    db = make_sqlite_db(workdir / "idn-host" / "automx.db", SQL / "sample-data.sql", DATA)
    # httpd itself refuses a Host header that is not ASCII ...
    private_httpd.start(dbdparams=str(db))
    assert host_request(private_httpd, "autoconfig." + KOELN_U)[0] == 400
    # ... unless told to take it; then U-labels find A-labels and U-labels.
    private_httpd.start(dbdparams=str(db), extra="HttpProtocolOptions Unsafe")
    for host in ("autoconfig." + KOELN_U, "autoconfig." + MUENCHEN_U):
        status, body = host_request(private_httpd, host)
        assert status == 200, host
        assert provider_id(body) == MUENCHEN_A
    assert host_request(private_httpd, "autoconfig.☃.com")[0] == 400
    lines = private_httpd.tagged_since_mark()
    assert len(lines) == 1 and "AMX01100" in lines[0], lines
    assert host_request(private_httpd, "autoconfig.example.com")[0] == 200


def test_an_unknown_idn_domain_is_204(idn_httpd):
    h = idn_httpd
    for addr in ("jo@düsseldorf.de", "jo@xn--dsseldorf-q9a.de"):
        assert h.get(f"{AC}?emailaddress={q(addr)}").status == 204
        assert h.get(f"/mobileconfig/?emailaddress={q(addr)}").status == 204
    assert h.get(f"{AC}?emailaddress={q('jo@' + MUENCHEN_U)}").status == 200


BAD = ["jo@xn--zz.de", "jo@xn--.de", "jo@☃.com", "jo@📧.de", "jo@oooooof.xn--kln--kln-sna.de"]


@pytest.mark.parametrize("addr", BAD)
def test_an_invalid_idn_is_400_everywhere(httpd, addr):
    for path in (f"{AC}?emailaddress={q(addr)}", f"/mobileconfig/?emailaddress={q(addr)}",
                 f"/autodiscover/autodiscover.json?Email={q(addr)}&Protocol=AutodiscoverV1"):
        httpd.mark()
        r = httpd.get(path)
        assert r.status == 400, (path, r)
        lines = httpd.tagged_since_mark()
        assert len(lines) == 1 and "internationalised" in lines[0], lines
    r = post(httpd, request_body(addr))
    assert r.status == 400
    assert httpd.get(f"{AC}?emailaddress=user@example.com").status == 200


def test_an_invalid_idn_host_is_400(httpd):
    status, _ = host_request(httpd, "autoconfig.xn--zz.de")
    assert status == 400
    lines = httpd.tagged_since_mark()
    assert len(lines) == 1 and "AMX01100" in lines[0], lines
    status, _ = host_request(httpd, "autoconfig.example.com")
    assert status == 200


def test_a_name_finds_only_itself_whatever_the_collation(idn_httpd):
    # MariaDB's case-insensitive collations also ignore accents: koln.de
    # (no umlaut) equals the stored köln.de there, munchen.de the stored
    # xn--mnchen-3ya.de's U-label form. They are other domains, and must
    # not get köln.de's configuration; munchen.de, stored beside
    # xn--mnchen-3ya.de, gets its own.
    h = idn_httpd
    for stranger in ("koln.de", "KOLN.DE", "kóln.de", "xn--kln-gna.de"):
        r = h.get(f"{AC}?emailaddress={q('j@' + stranger)}")
        assert r.status == 204, (stranger, r)
        assert post(h, request_body("j@" + stranger)).status == 204, stranger
    # The real names still answer, so the server is fine afterwards.
    assert h.get(f"{AC}?emailaddress={q('j@' + KOELN_U)}").status == 200
    assert h.get(f"{AC}?emailaddress={q('j@' + MUENCHEN_U)}").status == 200
    r = h.get(f"{AC}?emailaddress={q('j@munchen.de')}")
    assert r.status == 200 and provider_id(r.body) == "munchen.de", r
