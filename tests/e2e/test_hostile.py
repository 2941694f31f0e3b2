"""Requests no client sends: exact status, and the server keeps answering."""
import socket
import time

import pytest

GOOD = "/mail/config-v1.1.xml?emailaddress=user@example.com"
PATHS = {
    "/": {"GET", "HEAD", "OPTIONS"},
    "/mail/config-v1.1.xml": {"GET", "HEAD", "OPTIONS"},
    "/.well-known/autoconfig/mail/config-v1.1.xml": {"GET", "HEAD", "OPTIONS"},
    "/autodiscover/autodiscover.xml": {"POST", "OPTIONS"},
    "/autodiscover/autodiscover.json": {"GET", "HEAD", "OPTIONS"},
    "/mobileconfig/": {"GET", "HEAD", "OPTIONS"},
}


def alive(httpd):
    r = httpd.get(GOOD)
    assert r.status == 200 and b"imap1.example.com" in r.body


@pytest.mark.parametrize("path", list(PATHS))
def test_options_on_every_path(httpd, path):
    r = httpd.request("OPTIONS", path)
    assert r.status == 200
    allow = {m.strip() for m in r.header("Allow").split(",")}
    assert allow == PATHS[path]
    assert r.body == b""


@pytest.mark.parametrize("path", [p for p in PATHS if "GET" in PATHS[p]])
def test_head_on_every_get_path(httpd, path):
    q = "?emailaddress=user@example.com&Protocol=AutodiscoverV1&Email=user@example.com"
    get = httpd.get(path + q)
    head = httpd.request("HEAD", path + q)
    assert head.status == get.status
    assert head.body == b""
    assert head.header("Content-Type") == get.header("Content-Type")


def test_head_on_a_post_path_is_405(httpd):
    r = httpd.request("HEAD", "/autodiscover/autodiscover.xml")
    assert r.status == 405
    alive(httpd)


def test_oversized_header_is_refused_by_httpd(httpd):
    r = httpd.get(GOOD, headers={"X-Big": "a" * 10000})
    assert r.status == 400
    alive(httpd)


def test_many_parameters(httpd):
    q = "&".join(f"p{i}=1" for i in range(900))  # within httpd's 8190-byte request line
    r = httpd.get("/mail/config-v1.1.xml?" + q + "&emailaddress=user@example.com")
    assert r.status == 200
    r = httpd.get("/mail/config-v1.1.xml?" + "&".join(["emailaddress=user@example.com"] * 250))
    assert r.status == 400
    alive(httpd)


@pytest.mark.parametrize("path,status", [
    ("//mail/config-v1.1.xml?emailaddress=user@example.com", 200),   # httpd merges slashes
    ("/mail/../mail/config-v1.1.xml?emailaddress=user@example.com", 200),
    ("/mail/config-v1.1.xml%00?emailaddress=user@example.com", 404),
    ("/mail/config-v1.1.xml%0d%0a?emailaddress=user@example.com", 404),
])
def test_strange_paths(httpd, path, status):
    assert httpd.get(path).status == status
    alive(httpd)


def test_invalid_method(httpd):
    reply = httpd.raw(b"BREW /mail/config-v1.1.xml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert reply.split(b"\r\n", 1)[0] in (b"HTTP/1.1 405 Method Not Allowed", b"HTTP/1.1 501 Not Implemented")
    alive(httpd)


def test_chunked_body_on_a_get_endpoint(httpd):
    reply = httpd.raw(b"GET " + GOOD.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
                      b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200")
    alive(httpd)


def test_slow_client_does_not_block_others(httpd):
    s = socket.create_connection(("127.0.0.1", httpd.port))
    s.sendall(b"GET /mail/config-v1.1.xml?emailaddress=user@exa")
    try:
        start = time.monotonic()
        alive(httpd)
        assert time.monotonic() - start < 2
    finally:
        s.close()


def test_many_connections_opened_and_dropped(httpd):
    socks = []
    for _ in range(300):
        socks.append(socket.create_connection(("127.0.0.1", httpd.port)))
    for s in socks:
        s.close()
    alive(httpd)


def test_control_characters_in_the_database_keep_every_reply_well_formed(private_httpd, workdir):
    """C0 controls and bytes that are not UTF-8 in database values: every
    reply is still XML (U+FFFD in their place), and the log names the row."""
    import plistlib
    import xml.etree.ElementTree as ET
    from harness import SQL, make_sqlite_db
    db = make_sqlite_db(workdir / "controls" / "automx.db", SQL / "sample-data.sql", """
        UPDATE server SET name = 'imap' || char(1) || '.example.com' WHERE id = 4002;
        UPDATE provider SET name = CAST(X'426967ff' || 'Corp' || char(27) AS TEXT) WHERE id = 1000;
        UPDATE davserver SET user_name = 'u' || char(8) WHERE id = 6000;
    """)
    private_httpd.start(dbdparams=str(db))
    private_httpd.expect_log(r"AMX01302")
    ac = private_httpd.get(GOOD)
    assert ac.status == 200
    doc = ET.fromstring(ac.body)
    assert "imap\ufffd.example.com" in [e.text for e in doc.iter("hostname")]
    assert doc.findtext("emailProvider/displayName") == "Big\ufffdCorp\ufffd"
    body = ('<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
            'requestschema/2006"><Request><EMailAddress>user@example.com</EMailAddress>'
            '</Request></Autodiscover>').encode()
    ad = private_httpd.request("POST", "/autodiscover/autodiscover.xml", body=body,
                               headers={"Content-Type": "text/xml"})
    assert ad.status == 200
    ET.fromstring(ad.body)
    assert "imap\ufffd.example.com".encode() in ad.body
    mc = private_httpd.get("/mobileconfig/?emailaddress=user@example.com")
    assert mc.status == 200
    profile = plistlib.loads(mc.body)
    assert profile["PayloadContent"][0]["IncomingMailServerHostName"] == "imap\ufffd.example.com"
    lines = [l for l in private_httpd.tagged_since_mark() if "AMX01302" in l]
    assert len(lines) == 3 and all("[automx:warn]" in l for l in lines), lines
    # The first value each reply would alter, with its row.
    assert all("table provider, row id 1000: column name" in l for l in lines), lines
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=u@example.org").status == 200
