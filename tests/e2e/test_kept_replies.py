"""Autodiscover and Mobileconfig replies made from a template kept beside a
cached domain: the first reply of a process (made while the domain is not
cached yet) and every later one from the cache, in every process, are the
same bytes, and the same as with the cache off; each holds its own address,
escaped, never another's (the domains of a provider share a template)."""
import plistlib
import sqlite3
import urllib.parse
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import SQL, Httpd, make_sqlite_db

PROCESSES = """
StartServers 3
ServerLimit 3
ThreadsPerChild 4
MaxRequestWorkers 12
MinSpareThreads 4
MaxSpareThreads 12
MaxConnectionsPerChild 0
"""
AD_NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"

# A domain whose every string needs escaping and has placeholders.
TRICKY = """
INSERT INTO provider (id, name, short_name) VALUES (1900, 'Ham & <Eggs> %EMAILDOMAIN%', 'H&E');
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3900, 'tricky.test', 1900, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3901, 'twin.test', 1900, NULL);
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)
    VALUES (4900, 10, 'imap.%EMAILDOMAIN%', 993, 'imap', 'SSL', 'x&%EMAILLOCALPART%<', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication)
    VALUES (4901, 10, 'smtp.tricky.test', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES (4900, 3900), (4901, 3900),
    (4900, 3901), (4901, 3901);
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name)
    VALUES (4900, 'https://dav.tricky.test/a?b=1&c=2', 0, 'caldav', TRUE, FALSE, '%EMAILADDRESS%');
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (4900, 3900), (4900, 3901);
"""

ADDRESSES = ["a@example.com", "o'neil&co@example.com", "\"<x>\"@example.com",
             "%EMAILDOMAIN%@example.com", "j\u00f6rg@example.com", "u@tricky.test",
             "o'neil&co@tricky.test", "v@twin.test"]


def xml_text(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def autodiscover(h, address):
    body = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.'
            'microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request>'
            f"<EMailAddress>{xml_text(address)}</EMailAddress></Request></Autodiscover>")
    return h.request("POST", "/autodiscover/autodiscover.xml", body=body.encode(),
                     headers={"Content-Type": "text/xml; charset=utf-8"})


def mobileconfig(h, address):
    return h.get("/mobileconfig/?emailaddress=" + urllib.parse.quote(address, safe="@"))


KINDS = {"autodiscover": autodiscover, "mobileconfig": mobileconfig}


@pytest.fixture
def db(workdir):
    d = make_sqlite_db(workdir / "kept" / "automx.db", SQL / "sample-data.sql")
    con = sqlite3.connect(d)
    con.executescript(TRICKY)
    con.commit()
    con.close()
    return d


def start(h, db, extra=PROCESSES):
    h.start(dbdparams=str(db), extra=extra)


def first_and_later(h, fn):
    """For each address: the first reply (cold cache), then 60 more from 8
    threads, so that several processes answer from their caches."""
    first = {a: fn(h, a) for a in ADDRESSES}
    jobs = [ADDRESSES[i % len(ADDRESSES)] for i in range(60 * len(ADDRESSES) // 4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        later = list(pool.map(lambda a: (a, fn(h, a)), jobs))
    return first, later


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_first_and_cached_replies_are_the_same_bytes(private_httpd, workdir, db, kind):
    fn = KINDS[kind]
    off = Httpd(workdir / f"kept-off-{kind}")
    start(off, db, "AutomxCache Off")
    try:
        uncached = {a: fn(off, a) for a in ADDRESSES}
    finally:
        off.stop()
    start(private_httpd, db)
    first, later = first_and_later(private_httpd, fn)
    for a in ADDRESSES:
        assert first[a].status == 200, (a, first[a])
        assert first[a].body == uncached[a].body, a
        for name in ("Content-Type", "Content-Length", "Content-Disposition"):
            assert first[a].header(name) == uncached[a].header(name), (a, name)
    for a, r in later:
        assert r.status == 200 and r.body == first[a].body, a
    served = private_httpd.served_by([r for _, r in later])
    assert None not in served and len(set(served)) >= 2, f"served by {set(served)}"
    # The replies differ by address only where it is written.
    assert len({first[a].body for a in ADDRESSES}) == len(ADDRESSES)


def test_autodiscover_replies_carry_their_own_address(private_httpd, db):
    start(private_httpd, db)
    for a in ADDRESSES * 2:
        r = autodiscover(private_httpd, a)
        assert r.status == 200, (a, r)
        local, domain = a.rsplit("@", 1)
        protocols = ET.fromstring(r.body).iter(AD_NS + "Protocol")
        got = {p.findtext(AD_NS + "Type"): (p.findtext(AD_NS + "Server"),
                                            p.findtext(AD_NS + "LoginName"))
               for p in protocols}
        if domain in ("tricky.test", "twin.test"):
            assert got["IMAP"] == (f"imap.{domain}", f"x&{local}<")
            assert got["SMTP"] == ("smtp.tricky.test", a)
            assert got["CalDAV"] == ("https://dav.tricky.test/a?b=1&c=2", a)
        else:
            assert got["SMTP"] == ("primary-smtp.example.com", a)
        assert xml_text(a).encode() in r.body


def test_mobileconfig_replies_carry_their_own_address_and_uuids(private_httpd, db):
    start(private_httpd, db)
    uuids = {}
    for a in ADDRESSES * 2:
        r = mobileconfig(private_httpd, a)
        assert r.status == 200, (a, r)
        p = plistlib.loads(r.body)
        mail = p["PayloadContent"][0]
        assert mail["EmailAddress"] == a and mail["OutgoingMailServerUsername"] == a
        local, domain = a.rsplit("@", 1)
        if domain != "example.com":
            assert p["PayloadOrganization"] == f"Ham & <Eggs> {domain}"
            assert mail["IncomingMailServerHostName"] == f"imap.{domain}"
            assert mail["IncomingMailServerUsername"] == f"x&{local}<"
        ids = [p["PayloadUUID"]] + [c["PayloadUUID"] for c in p["PayloadContent"]]
        assert p["PayloadIdentifier"] == "automx.profile." + p["PayloadUUID"]
        assert mail["PayloadIdentifier"] == "automx.mail." + mail["PayloadUUID"]
        assert uuids.setdefault(a, ids) == ids, a
    every = [i for ids in uuids.values() for i in ids]
    assert len(set(every)) == len(every), "two addresses share a UUID"


# The Host header and the name httpd makes of it (lower case, no port;
# an IPv6 literal without its brackets).
@pytest.mark.parametrize("host,name", [("autodiscover.example.com", "autodiscover.example.com"),
                                       ("Mail.Example.COM:8443", "mail.example.com"),
                                       ("[::1]:80", "::1")])
def test_the_json_answer_is_what_jansson_wrote(private_httpd, db, host, name):
    start(private_httpd, db)
    r = private_httpd.get("/autodiscover/autodiscover.json?Email=a%40example.com"
                          "&Protocol=AutodiscoverV1", host=host)
    assert r.status == 200
    assert r.body == ('{"Protocol":"AutodiscoverV1","Url":"https://%s/autodiscover/'
                      'autodiscover.xml"}' % name).encode()
    assert r.header("Content-Length") == str(len(r.body))
    assert r.header("Content-Type") == "application/json; charset=utf-8"
