"""Every Mobileconfig reply conforms to Apple's published payload schemas
(SPEC §6; the checker is tests/clients/apple_schema.py): for every domain of
the sample data and of data/conformance_apple.sql that gets a profile,
unsigned and signed."""
import sqlite3
import sys
import urllib.parse

import pytest

from harness import REPO, SQL, Httpd, make_sqlite_db
from test_mobileconfig import pki  # noqa: F401  (fixture)

sys.path.insert(0, str(REPO / "tests" / "clients"))
import apple_schema  # noqa: E402

DATA = REPO / "tests" / "e2e" / "data" / "conformance_apple.sql"
MC = "/mobileconfig/?emailaddress="
# The sample domains that get no profile, and why (SPEC §8).
NO_PROFILE = {"ham-n-eggs.tld": "AMX00013", "serverless.tld": "AMX00203"}


@pytest.fixture(scope="module")
def schemas():
    return apple_schema.Schemas()


@pytest.fixture(scope="module")
def db(workdir):
    return make_sqlite_db(workdir / "apple" / "automx.db",
                          SQL / "sample-data.sql", DATA)


@pytest.fixture(scope="module")
def domains(db):
    con = sqlite3.connect(db)
    names = [row[0] for row in con.execute("SELECT name FROM domain ORDER BY id")]
    con.close()
    return names


def serve(root, db, extra=""):
    h = Httpd(root)
    h.start(dbdparams=str(db), extra=extra)
    return h


@pytest.fixture(scope="module")
def unsigned_httpd(workdir, db):
    h = serve(workdir / "apple-unsigned", db)
    yield h
    h.stop()


@pytest.fixture(scope="module")
def signed_httpd(workdir, db, pki):  # noqa: F811
    h = serve(workdir / "apple-signed", db,
              f"AutomxMobileconfigSign {pki}/signer.pem {pki}/signer.key {pki}/int.pem")
    yield h
    h.stop()


def addresses(domain):
    """The addresses each domain is asked for: plain, with a display name,
    with characters that need escaping, and an internationalised domain in
    both of its forms."""
    out = [("user@" + domain, ""), ("Jane.Doe@" + domain, "&name=Jane%20D%C3%B6e%20%26%20%3CCo%3E")]
    ascii_form = domain.encode("idna").decode() if not domain.isascii() else None
    if ascii_form:
        out.append(("jürgen@" + ascii_form, ""))
    if domain.startswith("xn--"):
        out.append(("jürgen@" + domain.encode().decode("idna"), ""))
    return out


def replies(h, domains):
    """(address, reply) for every domain and address; checks the domains
    without a profile are refused as SPEC §7 says, with their log line."""
    got = []
    for domain in domains:
        for address, extra in addresses(domain):
            h.mark()
            address = urllib.parse.quote(address, safe="@")
            r = h.get(MC + address + extra)
            if domain in NO_PROFILE:
                assert r.status == 400, (address, r)
                lines = h.tagged_since_mark()
                assert len(lines) == 1 and NO_PROFILE[domain] in lines[0], lines
                continue
            assert r.status == 200, (address, r)
            assert not h.unexpected_log_lines(), h.unexpected_log_lines()
            got.append((address + extra, r))
    return got


def test_every_unsigned_profile_conforms(unsigned_httpd, domains, schemas):
    got = replies(unsigned_httpd, domains)
    # Every domain but the two of NO_PROFILE, each more than once.
    def a_labels(name):
        return name.encode("idna").decode("ascii")
    assert {a_labels(urllib.parse.unquote(a.split("@")[1].split("&")[0])) for a, _ in got} == \
        {a_labels(d) for d in domains} - set(NO_PROFILE)
    assert len(got) >= 2 * (len(domains) - len(NO_PROFILE))
    for address, r in got:
        assert r.header("Content-Type") == "application/x-apple-aspen-config"
        profile = apple_schema.unsigned(r.body)
        assert schemas.check(profile) == [], address
        # The fields the schemas leave optional but SPEC §6 asks for.
        for payload in (profile, *profile["PayloadContent"]):
            assert payload["PayloadOrganization"] and "%" not in payload["PayloadOrganization"]
            assert payload["PayloadDisplayName"] and "%" not in payload["PayloadDisplayName"]


def test_every_signed_profile_verifies_and_conforms(signed_httpd, unsigned_httpd, domains,
                                                    schemas, pki):  # noqa: F811
    got = replies(signed_httpd, domains)
    assert len(got) >= 2 * (len(domains) - len(NO_PROFILE))
    for address, r in got:
        assert not r.body.startswith(b"<?xml")
        profile = apple_schema.unsigned(r.body, ca_file=pki / "ca.pem")
        assert schemas.check(profile) == [], address
        # What is signed is the unsigned reply.
        plain = unsigned_httpd.get(MC + address)
        assert plain.status == 200
        assert profile == apple_schema.unsigned(plain.body), address


def test_the_dataset_covers_what_it_is_for(unsigned_httpd):
    """DAV servers with and without a user name, ports from the URL and the
    row, every Apple authentication, several servers: in the replies."""
    def profile(address):
        r = unsigned_httpd.get(MC + urllib.parse.quote(address, safe="@"))
        assert r.status == 200
        return apple_schema.unsigned(r.body)

    p = profile("jo@several.example")
    mail, cal, card, card2 = p["PayloadContent"]
    assert mail["IncomingMailServerHostName"] == "tls-imap.several.example"
    assert mail["IncomingMailServerAuthentication"] == "EmailAuthNTLM"
    assert mail["IncomingMailServerUsername"] == "jo"
    assert mail["OutgoingMailServerHostName"] == "submission.several.example"
    assert cal["CalDAVPort"] == 8443 and "CalDAVUsername" not in cal
    assert card["CardDAVPort"] == 8080 and card["CardDAVUsername"] == "jo"
    assert card["CardDAVUseSSL"] is False
    assert card2["CardDAVUsername"] == "jo@several.example"
    p = profile("jo@pop.several.example")
    assert p["PayloadContent"][0]["EmailAccountType"] == "EmailTypePOP"
    assert p["PayloadContent"][0]["OutgoingMailServerAuthentication"] == "EmailAuthNone"
    p = profile("jo@köln.de")
    assert [x["PayloadType"] for x in p["PayloadContent"]] == \
        ["com.apple.mail.managed", "com.apple.caldav.account"]
    assert p["PayloadContent"][1]["CalDAVUsername"] == "jo@köln.de"
    assert p["PayloadOrganization"] == "Stadtnetz köln.de für jo"
