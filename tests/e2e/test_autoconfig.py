"""Mozilla Autoconfig end to end (SPEC §4, §7)."""
import xml.etree.ElementTree as ET

import pytest

AC = "/mail/config-v1.1.xml"
WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"


def autoconfig(httpd, address=None, path=AC, **kw):
    q = "" if address is None else "?emailaddress=" + address
    return httpd.get(path + q, **kw)


def servers(doc):
    out = []
    for el in doc.find("emailProvider"):
        if el.tag in ("incomingServer", "outgoingServer"):
            out.append({"element": el.tag, "type": el.get("type"),
                        **{c.tag: c.text for c in el}})
    return out


@pytest.mark.parametrize("path", [AC, WELL_KNOWN])
def test_example_com(httpd, path):
    r = autoconfig(httpd, "user@example.com", path=path)
    assert r.status == 200
    assert r.header("Content-Type").startswith("application/xml")
    doc = ET.fromstring(r.body)
    assert doc.tag == "clientConfig" and doc.get("version") == "1.1"
    prov = doc.find("emailProvider")
    assert prov.get("id") == "example.com"
    children = [c.tag for c in prov]
    assert children[:6] == ["identity", "domain", "domain", "domain",
                            "displayName", "displayShortName"]
    assert prov.find("identity") is not None and len(prov.find("identity")) == 0
    assert [d.text for d in prov.findall("domain")] == ["example.com", "example.net", "example.org"]
    assert prov.findtext("displayName") == "Big Corporation, Inc."
    assert prov.findtext("displayShortName") == "BigCorp"
    # Every incoming server before every outgoing one (SPEC §4), in the
    # draft's authentication vocabulary: automx2's "plain" is
    # password-cleartext.
    assert servers(doc) == [
        {"element": "incomingServer", "type": "imap", "hostname": "imap1.example.com",
         "port": "143", "socketType": "STARTTLS", "username": "%EMAILADDRESS%",
         "authentication": "password-cleartext"},
        {"element": "outgoingServer", "type": "smtp", "hostname": "primary-smtp.example.com",
         "port": "587", "socketType": "STARTTLS", "username": "%EMAILADDRESS%",
         "authentication": "password-cleartext"},
    ]
    # The DAV servers follow emailProvider (draft-ietf-mailmaint-autoconfig).
    assert [c.tag for c in doc] == ["emailProvider", "calendar", "addressbook"]
    cal, card = doc.find("calendar"), doc.find("addressbook")
    assert cal.get("type") == "caldav" and card.get("type") == "carddav"
    assert [(c.tag, c.text, dict(c.attrib)) for c in cal] == [
        ("url", "https://caldav.example.com", {}),
        ("username", "%EMAILADDRESS%", {}),
        ("authentication", "Basic", {"system": "http"})]
    # 4101 has no user name: no username element.
    assert [(c.tag, c.text) for c in card] == [
        ("url", "http://carddav.example.com"), ("authentication", "Basic")]
    assert r.body.startswith(b"<?xml")


def test_pop_domain(httpd):
    doc = ET.fromstring(autoconfig(httpd, "someone@example.org").body)
    assert [(s["type"], s["hostname"]) for s in servers(doc)] == [
        ("pop3", "pop1.example.org"), ("smtp", "secondary-smtp.example.org")]


def test_domain_is_case_insensitive_and_trailing_dot_ignored(httpd):
    a = autoconfig(httpd, "user@example.com")
    for addr in ("user@EXAMPLE.com", "user@Example.Com.", "user%40example.COM"):
        r = autoconfig(httpd, addr)
        assert r.status == 200, addr
        assert r.body == a.body, addr


def test_placeholders_are_left_for_the_client(httpd):
    r = autoconfig(httpd, "Jane.Doe@example.net")
    assert b"%EMAILADDRESS%" in r.body
    assert b"Jane.Doe" not in r.body


def test_serverless_domain_gets_provider_block_only(httpd):
    r = autoconfig(httpd, "x@serverless.tld")
    assert r.status == 200
    doc = ET.fromstring(r.body)
    prov = doc.find("emailProvider")
    assert prov.findtext("displayName") == "Some Other Provider"
    assert servers(doc) == []


def test_invalid_server_type_is_a_data_error(httpd):
    # Ham & Eggs has only a server of type INVALID: 400, logged with the row.
    httpd.expect_log(r"AMX00013: data error in table server, row id 4005: column type")
    r = autoconfig(httpd, "x@ham-n-eggs.tld")
    assert r.status == 400
    lines = httpd.tagged_since_mark()
    assert len(lines) == 1 and "AMX00013" in lines[0] and "[automx:error]" in lines[0]


def test_unknown_domain_is_204(httpd):
    r = autoconfig(httpd, "user@unknown.example")
    assert r.status == 204
    assert r.body == b""


class TestWithoutAddress:
    """K-9 and KMail send no address: the host name decides (SPEC §4)."""

    def test_host_name(self, httpd):
        r = autoconfig(httpd, None, host="autoconfig.example.com")
        assert r.status == 200
        doc = ET.fromstring(r.body)
        assert [s["hostname"] for s in servers(doc)] == [
            "imap1.example.com", "primary-smtp.example.com"]
        assert b"%EMAILADDRESS%" in r.body

    def test_empty_value_is_like_none(self, httpd):
        a = autoconfig(httpd, None, host="autoconfig.example.com")
        b = autoconfig(httpd, "", host="autoconfig.example.com")
        assert b.status == 200 and a.body == b.body

    def test_host_without_label_and_with_port(self, httpd):
        r = autoconfig(httpd, None, host="Example.NET:8080")
        assert r.status == 200
        assert b"imap2.example.net" in r.body

    def test_unknown_host_is_204(self, httpd):
        assert autoconfig(httpd, None, host="autoconfig.nowhere.example").status == 204

    def test_address_wins_over_host(self, httpd):
        r = autoconfig(httpd, "u@example.org", host="autoconfig.example.com")
        assert b"pop1.example.org" in r.body

    def test_host_header_even_with_canonical_names(self, private_httpd, sample_db):
        # UseCanonicalName On makes httpd's own URLs use ServerName; the
        # domain the client asks about is still the one it sent.
        private_httpd.start(dbdparams=str(sample_db), servername="autoconfig.example.org",
                            extra="UseCanonicalName On")
        r = autoconfig(private_httpd, None, host="autoconfig.example.com")
        assert r.status == 200
        assert b"imap1.example.com" in r.body and b"pop1.example.org" not in r.body
        # No Host header at all (HTTP/1.0): the server's name.
        raw = private_httpd.raw(b"GET " + AC.encode() + b" HTTP/1.0\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 200") and b"pop1.example.org" in raw


def test_head(httpd):
    r = httpd.request("HEAD", AC + "?emailaddress=user@example.com")
    assert r.status == 200
    assert r.body == b""
    assert r.header("Content-Type").startswith("application/xml")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405_with_allow(httpd, method):
    r = httpd.request(method, AC + "?emailaddress=user@example.com", body=b"")
    assert r.status == 405
    allow = {m.strip() for m in r.header("Allow").split(",")}
    assert {"GET", "HEAD", "OPTIONS"} <= allow
    assert "POST" not in allow
    lines = httpd.tagged_since_mark()
    assert len(lines) == 1 and "AMX00002" in lines[0]
    assert autoconfig(httpd, "user@example.com").status == 200


def test_options(httpd):
    r = httpd.request("OPTIONS", AC)
    assert r.status == 200
    assert {m.strip() for m in r.header("Allow").split(",")} >= {"GET", "HEAD", "OPTIONS"}
