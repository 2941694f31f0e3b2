"""Hostile and broken requests: exact status, one log line, server alive (SPEC §7)."""
import xml.etree.ElementTree as ET

import pytest

AC = "/mail/config-v1.1.xml?emailaddress="
GOOD = AC + "user@example.com"


def assert_still_answers(httpd):
    r = httpd.get(GOOD)
    assert r.status == 200 and b"imap1.example.com" in r.body


def assert_one_line(httpd, tag):
    lines = httpd.tagged_since_mark()
    assert len(lines) == 1, lines
    assert tag in lines[0]
    # The client's address is in every line httpd logs for a request.
    assert "[client 127.0.0.1:" in lines[0]
    return lines[0]


@pytest.mark.parametrize("address,why", [
    ("userexample.com", "no '@'"),
    ("a@b@example.com", "more than one '@'"),
    ("@example.com", "empty local part"),
    ("user@", "empty domain part"),
    ("user@.", "empty domain part"),
    ("us%20er@example.com", "white space"),
    ("user+@example.com", None),            # '+' is a space in a query: white space
    ("user%09@example.com", "white space"),
    ("user%0d%0aX-Injected:%201@example.com", "control character"),
    ("user%00@example.com", "control character"),
    ("user@example.com%00.evil", "control character"),
    ("user%7f@example.com", "control character"),
    ("user%01@example.com", "control character"),
    ("%ff%fe@example.com", "invalid UTF-8"),
    ("%c0%af@example.com", "invalid UTF-8"),
    ("a" * 309 + "@example.com", "longer than 320 octets"),
    ("a" * 1000 + "@example.com", "longer than 320 octets"),
])
def test_invalid_address_is_400(httpd, address, why):
    r = httpd.get(AC + address)
    assert r.status == 400
    line = assert_one_line(httpd, "AMX00012")
    if why:
        assert why in line
    # What the client sent is logged escaped: CR LF cannot start a new line.
    if "%0d%0a" in address:
        assert "user\\r\\nX-Injected" in line
    assert_still_answers(httpd)


def test_longest_valid_address(httpd):
    r = httpd.get(AC + "a" * 308 + "@example.com")  # 320 octets
    assert r.status == 200


def test_malformed_escape_is_400(httpd):
    r = httpd.get(AC + "user%zz@example.com")
    assert r.status == 400
    assert_one_line(httpd, "AMX00010")
    assert_still_answers(httpd)


def test_repeated_address_is_400(httpd):
    r = httpd.get(GOOD + "&emailaddress=other@example.org")
    assert r.status == 400
    assert_one_line(httpd, "AMX00011")
    assert_still_answers(httpd)


@pytest.mark.parametrize("local", [
    "o'brien", "x';DROP/**/TABLE/**/domain;--", "%22%3E%3Cscript%3E", "a*", "x)(uid=*)",
    "a%5C", "%25EMAILADDRESS%25", "j%C3%BCrgen",
])
def test_injection_characters_in_local_part_are_just_data(httpd, local):
    r = httpd.get(AC + local + "@example.com")
    assert r.status == 200
    ET.fromstring(r.body)  # well-formed
    assert_still_answers(httpd)


@pytest.mark.parametrize("domain", [
    "example.com'--", "example.com%22OR%221%22=%221", "%25", "*", "example.com;",
    "xn--mnchen-3ya.de", "m%C3%BCnchen.de",
])
def test_strange_domains_are_unknown(httpd, domain):
    r = httpd.get(AC + "user@" + domain)
    assert r.status == 204
    assert_still_answers(httpd)


@pytest.mark.parametrize("path", [
    "/nothing", "/mail/config-v1.1.xml/extra", "/mail/", "/MAIL/CONFIG-V1.1.XML",
    "/autoconfig", "/mobileconfig/x",
])
def test_unknown_path_is_404(httpd, path):
    r = httpd.get(path)
    assert r.status == 404
    assert_one_line(httpd, "AMX00003")
    assert_still_answers(httpd)


def test_overlong_url_is_refused_by_httpd(httpd):
    r = httpd.get(AC + "a" * 9000 + "@example.com")
    assert r.status == 414
    assert_still_answers(httpd)


def test_many_bad_requests_in_a_row(httpd):
    for i in range(200):
        assert httpd.get(AC + "bad%d" % i).status == 400
    assert len(httpd.tagged_since_mark()) == 200
    assert_still_answers(httpd)
