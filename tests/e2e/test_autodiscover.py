"""Microsoft Autodiscover end to end (SPEC §5, §7)."""
import json
import time
import xml.etree.ElementTree as ET

import pytest

from harness import SQL, make_sqlite_db

REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESP_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MOBILESYNC_NS = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
AD = "/autodiscover/autodiscover.xml"
XML = {"Content-Type": "text/xml; charset=utf-8"}


def request_body(address, schema=OUTLOOK_NS):
    schema_el = f"<AcceptableResponseSchema>{schema}</AcceptableResponseSchema>" if schema else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="{REQ_NS}">'
            f"<Request><EMailAddress>{address}</EMailAddress>{schema_el}</Request>"
            "</Autodiscover>").encode()


def post(httpd, body, path=AD, headers=XML, **kw):
    return httpd.request("POST", path, body=body, headers=headers, **kw)


def protocols(body):
    doc = ET.fromstring(body)
    assert doc.tag == f"{{{RESP_NS}}}Autodiscover"
    resp = doc.find(f"{{{OUTLOOK_NS}}}Response")
    account = resp.find(f"{{{OUTLOOK_NS}}}Account")
    assert account.findtext(f"{{{OUTLOOK_NS}}}AccountType") == "email"
    assert account.findtext(f"{{{OUTLOOK_NS}}}Action") == "settings"
    out = []
    for p in account.findall(f"{{{OUTLOOK_NS}}}Protocol"):
        out.append([(c.tag.split("}")[1], c.text) for c in p])
    return out


def assert_still_answers(httpd):
    r = post(httpd, request_body("user@example.com"))
    assert r.status == 200 and b"imap1.example.com" in r.body


def assert_one_line(httpd, tag):
    lines = httpd.tagged_since_mark()
    assert len(lines) == 1, lines
    assert tag in lines[0]
    return lines[0]


@pytest.mark.parametrize("path", [AD, "/AutoDiscover/AutoDiscover.xml",
                                  "/Autodiscover/Autodiscover.xml"])
def test_example_com(httpd, path):
    r = post(httpd, request_body("Jane.Doe@Example.COM"), path=path)
    assert r.status == 200
    assert r.header("Content-Type").startswith("application/xml")
    assert protocols(r.body) == [
        [("Type", "SMTP"), ("Server", "primary-smtp.example.com"), ("Port", "587"),
         ("LoginName", "Jane.Doe@example.com"), ("SSL", "on"), ("Encryption", "TLS")],
        [("Type", "IMAP"), ("Server", "imap1.example.com"), ("Port", "143"),
         ("LoginName", "Jane.Doe@example.com"), ("SSL", "on"), ("Encryption", "TLS")],
        [("Type", "CalDAV"), ("Server", "https://caldav.example.com"), ("Port", "443"),
         ("SSL", "on"), ("DomainRequired", "off"), ("LoginName", "Jane.Doe@example.com")],
        [("Type", "CardDAV"), ("Server", "http://carddav.example.com"),
         ("SSL", "off"), ("DomainRequired", "on")],
    ]
    # No directory: no User/DisplayName.
    assert b"DisplayName" not in r.body


def test_pop_domain_without_schema(httpd):
    r = post(httpd, request_body("x@example.org", schema=None))
    assert r.status == 200
    assert [p[0][1] for p in protocols(r.body)] == ["SMTP", "POP3"]


@pytest.mark.parametrize("ct", ["text/xml", "application/xml", "Text/XML; charset=UTF-8",
                                "application/xml;charset=utf-8"])
def test_content_types(httpd, ct):
    r = post(httpd, request_body("user@example.com"), headers={"Content-Type": ct})
    assert r.status == 200


def test_serverless_domain_has_no_protocol(httpd):
    r = post(httpd, request_body("x@serverless.tld"))
    assert r.status == 200
    assert protocols(r.body) == []


def test_invalid_server_type_is_400(httpd):
    httpd.expect_log(r"AMX00013: data error in table server, row id 4005")
    r = post(httpd, request_body("x@ham-n-eggs.tld"))
    assert r.status == 400
    assert "[automx:error]" in assert_one_line(httpd, "AMX00013")
    assert_still_answers(httpd)


def test_unknown_domain_is_204(httpd):
    r = post(httpd, request_body("x@unknown.example"))
    assert r.status == 204 and r.body == b""


def test_placeholders_expanded_everywhere(private_httpd, workdir):
    db = make_sqlite_db(workdir / "ad-ph" / "automx.db", SQL / "sample-data.sql", """
        UPDATE server SET name = 'imap.%EMAILDOMAIN%', user_name = '%EMAILLOCALPART%',
            socket_type = 'plain' WHERE id = 4002;
        UPDATE davserver SET url = 'https://dav.%EMAILDOMAIN%/%EMAILLOCALPART%/' WHERE id = 4100;
        UPDATE server SET socket_type = 'TLS' WHERE id = 4000;
    """)
    private_httpd.start(dbdparams=str(db))
    r = post(private_httpd, request_body("o'brien&amp;co@example.com"))
    assert r.status == 200
    ps = protocols(r.body)
    assert ps[0][3:] == [("LoginName", "o'brien&co@example.com"), ("SSL", "on"),
                         ("Encryption", "SSL")]
    assert ps[1][:4] == [("Type", "IMAP"), ("Server", "imap.example.com"), ("Port", "143"),
                         ("LoginName", "o'brien&co")]
    assert ps[1][4:] == [("SSL", "off"), ("Encryption", "None")]
    assert ps[2][1] == ("Server", "https://dav.example.com/o'brien&co/")


def test_activesync_schema_gets_an_error_in_its_schema(httpd):
    r = post(httpd, request_body("user@example.com", schema=MOBILESYNC_NS))
    assert r.status == 200
    doc = ET.fromstring(r.body)
    resp = doc.find(f"{{{MOBILESYNC_NS}}}Response")
    assert resp is not None
    assert resp.findtext(f"{{{MOBILESYNC_NS}}}User/{{{MOBILESYNC_NS}}}EMailAddress") == "user@example.com"
    err = resp.find(f"{{{MOBILESYNC_NS}}}Action/{{{MOBILESYNC_NS}}}Error")
    assert err.findtext(f"{{{MOBILESYNC_NS}}}Status") == "2"
    assert "IMAP" in err.findtext(f"{{{MOBILESYNC_NS}}}Message")


def test_unknown_schema_is_400(httpd):
    r = post(httpd, request_body("user@example.com", schema="urn:something-else"))
    assert r.status == 400
    assert_one_line(httpd, "AMX00106")
    assert_still_answers(httpd)


BAD_BODIES = {
    "empty": b"",
    "malformed": b"<Autodiscover xmlns='" + REQ_NS.encode() + b"'><Request>",
    "not xml": b"emailaddress=user@example.com",
    "wrong namespace": request_body("user@example.com").replace(b"requestschema/2006", b"requestschema/2007"),
    "no namespace": b"<Autodiscover><Request><EMailAddress>user@example.com</EMailAddress></Request></Autodiscover>",
    "no EMailAddress": request_body("user@example.com").replace(b"EMailAddress", b"EMail"),
    "no Request": f'<Autodiscover xmlns="{REQ_NS}"><EMailAddress>u@example.com</EMailAddress></Autodiscover>'.encode(),
    "two EMailAddress": request_body("user@example.com").replace(
        b"</EMailAddress>", b"</EMailAddress><EMailAddress>other@example.net</EMailAddress>"),
    "two AcceptableResponseSchema": request_body("user@example.com").replace(
        b"</Request>", b"<AcceptableResponseSchema>x</AcceptableResponseSchema>"
        b"<AcceptableResponseSchema>y</AcceptableResponseSchema></Request>"),
    "broken UTF-8": request_body("us\xff\xfeer@example.com".encode("latin-1").decode("latin-1")).replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe"),
    "undefined entity": request_body("&nope;@example.com"),
    "XXE": (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + request_body("&x;@example.com").split(b"?>", 1)[1]),
    "billion laughs": (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                       + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                                  for i in range(1, 10))
                       + b"]>" + request_body("&lol9;@example.com").split(b"?>", 1)[1]),
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE Autodiscover SYSTEM "http://127.0.0.1:1/x.dtd">'
                    + request_body("user@example.com").split(b"?>", 1)[1],
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_bodies_are_400(httpd, name):
    start = time.monotonic()
    r = post(httpd, BAD_BODIES[name])
    assert r.status == 400
    assert b"root:" not in r.body  # nothing of /etc/passwd
    line = assert_one_line(httpd, "AMX00101")
    assert "root:" not in line
    assert time.monotonic() - start < 5
    assert_still_answers(httpd)


@pytest.mark.parametrize("address", ["userexample.com", "a@b@example.com", "@example.com",
                                     "us er@example.com", "", "a" * 400 + "@example.com"])
def test_invalid_address_is_400(httpd, address):
    r = post(httpd, request_body(address))
    assert r.status == 400
    assert_one_line(httpd, "AMX00105")
    assert_still_answers(httpd)


@pytest.mark.parametrize("ct", [None, "text/plain", "application/json", "application/x-www-form-urlencoded",
                                "text/xmlx", "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_400(httpd, ct):
    headers = {"Content-Type": ct} if ct else {}
    r = post(httpd, request_body("user@example.com"), headers=headers)
    assert r.status == 400
    assert_one_line(httpd, "AMX00100")
    assert_still_answers(httpd)


def nested_request(depth):
    return (f'<Autodiscover xmlns="{REQ_NS}"><Request>'.encode() + b"<a>" * depth
            + b"</a>" * depth + b"</Request></Autodiscover>")


def test_deep_nesting_is_400_fast(httpd):
    body = nested_request(2200)   # well-formed, within the default 16 KiB
    assert len(body) < 16384
    start = time.monotonic()
    r = post(httpd, body)
    assert r.status == 400
    assert_one_line(httpd, "AMX00101")
    assert time.monotonic() - start < 2
    assert_still_answers(httpd)


def many_attributes_request(n):
    attrs = b" ".join(b'a%d="1"' % i for i in range(n))
    return f'<Autodiscover xmlns="{REQ_NS}"><Request '.encode() + attrs + b"/></Autodiscover>"


@pytest.mark.parametrize("body", [nested_request(9300), many_attributes_request(6500)],
                         ids=["deep-nesting", "many-attributes"])
def test_hostile_xml_the_largest_limit_allows_is_400_fast(private_httpd, sample_db, body):
    private_httpd.start(dbdparams=str(sample_db), extra="AutomxRequestBodyLimit 65536")
    assert 60000 < len(body) <= 65536
    start = time.monotonic()
    r = post(private_httpd, body)
    assert r.status == 400
    assert_one_line(private_httpd, "AMX00101")
    assert time.monotonic() - start < 2
    assert_still_answers(private_httpd)


def test_body_over_16k_is_413(httpd):
    body = request_body("user@example.com").replace(b"<Request>", b"<Request>" + b" " * 17000)
    r = post(httpd, body)
    assert r.status == 413
    assert_one_line(httpd, "AMX00022")
    assert_still_answers(httpd)


def test_hundred_thousand_attributes_are_413_fast(httpd):
    start = time.monotonic()
    r = post(httpd, many_attributes_request(100000))
    assert r.status == 413
    assert_one_line(httpd, "AMX00022")
    assert time.monotonic() - start < 2
    assert_still_answers(httpd)


def test_declared_huge_body_is_refused_before_it_is_sent(httpd):
    raw = (b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: localhost\r\n"
           b"Content-Type: text/xml\r\nContent-Length: 10000000\r\n\r\n<Autodiscover")
    start = time.monotonic()
    reply = httpd.raw(raw, timeout=5)
    assert reply.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - start < 3
    assert_one_line(httpd, "AMX00022")
    assert_still_answers(httpd)


def chunked(body, size=100):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    return out + b"0\r\n\r\n"


def test_chunked_body_works(httpd):
    body = request_body("user@example.com")
    raw = (b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: localhost\r\n"
           b"Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           + chunked(body))
    reply = httpd.raw(raw)
    assert reply.startswith(b"HTTP/1.1 200")
    assert b"imap1.example.com" in reply


def test_chunked_body_over_the_limit_is_413(httpd):
    body = request_body("user@example.com").replace(b"<Request>", b"<Request>" + b" " * 20000)
    raw = (b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: localhost\r\n"
           b"Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           + chunked(body, 4000))
    reply = httpd.raw(raw)
    assert reply.startswith(b"HTTP/1.1 413")
    assert_one_line(httpd, "AMX00022")
    assert_still_answers(httpd)


def test_truncated_chunked_body_is_refused(httpd):
    raw = (b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: localhost\r\n"
           b"Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"zz\r\n<Autodiscover")
    reply = httpd.raw(raw, timeout=5)
    assert reply.startswith(b"HTTP/1.1 400")
    assert_one_line(httpd, "AMX00023")
    assert_still_answers(httpd)


def test_body_limit_directive_and_limit_xml_request_body(private_httpd, sample_db):
    private_httpd.start(dbdparams=str(sample_db), extra="""
<Location /small/>
    SetHandler automx-autodiscover
    AutomxRequestBodyLimit 300
</Location>
<Location /kilo/>
    SetHandler automx-autodiscover
    AutomxRequestBodyLimit 1k
</Location>
<Location /xmllimit/>
    SetHandler automx-autodiscover
    LimitXMLRequestBody 200
</Location>
""")
    body = request_body("user@example.com")
    assert 300 < len(body) < 16384
    assert post(private_httpd, body).status == 200
    assert post(private_httpd, body, path="/small/").status == 413
    assert post(private_httpd, body, path="/xmllimit/").status == 413
    # 1k is 1024 bytes, not 1.
    assert len(body) < 1024
    assert post(private_httpd, body, path="/kilo/").status == 200
    assert post(private_httpd, body + b" " * (1025 - len(body)), path="/kilo/").status == 413
    private_httpd.mark()
    assert post(private_httpd, body[:250], path="/small/").status == 400  # cut: malformed
    assert "AMX00101" in private_httpd.tagged_since_mark()[0]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_405(httpd, method):
    r = httpd.request(method, AD)
    assert r.status == 405
    allow = {m.strip() for m in r.header("Allow").split(",")}
    assert "POST" in allow and "GET" not in allow
    assert_still_answers(httpd)


class TestJson:
    def test_query_form(self, httpd):
        r = httpd.get("/autodiscover/autodiscover.json?Email=user%40example.com&Protocol=AutodiscoverV1",
                      host="autodiscover.example.com")
        assert r.status == 200
        assert r.header("Content-Type").startswith("application/json")
        assert json.loads(r.body) == {
            "Protocol": "AutodiscoverV1",
            "Url": "https://autodiscover.example.com/autodiscover/autodiscover.xml"}

    def test_path_form(self, httpd):
        r = httpd.get("/autodiscover/autodiscover.json/v1.0/user@example.com?Protocol=autodiscoverv1",
                      host="autodiscover.example.com")
        assert r.status == 200
        assert json.loads(r.body)["Url"] == "https://autodiscover.example.com/autodiscover/autodiscover.xml"

    def test_case_of_path(self, httpd):
        r = httpd.get("/AutoDiscover/AutoDiscover.json/v1.0/user@example.com?Protocol=AutodiscoverV1")
        assert r.status == 200

    @pytest.mark.parametrize("query", ["Protocol=Ews", "Protocol=ActiveSync", "Protocol=", "",
                                       "Protocol=AutodiscoverV1%00"])
    def test_other_protocols_are_400_json(self, httpd, query):
        r = httpd.get("/autodiscover/autodiscover.json/v1.0/user@example.com?" + query)
        assert r.status == 400
        err = json.loads(r.body)
        assert err["ErrorCode"] == "InvalidProtocol" and err["ErrorMessage"]
        assert_one_line(httpd, "AMX00108")

    @pytest.mark.parametrize("path", ["/autodiscover/autodiscover.json?Protocol=AutodiscoverV1",
                                      "/autodiscover/autodiscover.json/v1.0/nobody?Protocol=AutodiscoverV1",
                                      "/autodiscover/autodiscover.json?Email=a%0d%0a@x&Protocol=AutodiscoverV1"])
    def test_invalid_address_is_400_json(self, httpd, path):
        r = httpd.get(path)
        assert r.status == 400
        assert json.loads(r.body)["ErrorCode"] == "InvalidUser"
        assert_one_line(httpd, "AMX00108")

    def test_post_is_405(self, httpd):
        r = httpd.request("POST", "/autodiscover/autodiscover.json", body=b"{}")
        assert r.status == 405
