"""LDAP login and display names through mod_ldap, against a real slapd (SPEC §10)."""
import plistlib
import re
import xml.etree.ElementTree as ET

import pytest

import mkconf
import slapd as slapd_mod
from conftest import unavailable
from dbservers import Unavailable
from harness import SQL, make_sqlite_db

OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"


@pytest.fixture(scope="module")
def pki(workdir):
    # libldap reads the CA file in httpd's children, as www-data: it must be
    # readable there (pytest's own temporary directories are not).
    return slapd_mod.make_pki(workdir / "ldap-pki")


@pytest.fixture(scope="module")
def directory(workdir, pki):
    try:
        s = slapd_mod.Slapd(workdir / "slapd", pki).start()
    except Unavailable as e:
        unavailable(f"slapd: {e}")
    yield s
    s.destroy()


@pytest.fixture(scope="module")
def rogue_directory(workdir, pki):
    try:
        s = slapd_mod.Slapd(workdir / "slapd-rogue", pki, cert="rogue").start()
    except Unavailable as e:
        unavailable(f"slapd: {e}")
    yield s
    s.destroy()


def ldap_db(workdir, name, port, use_ssl=0, password=slapd_mod.BIND_PW,
            search_filter="(mail={0})", host="127.0.0.1",
            search_base="ou=mailusers," + slapd_mod.SUFFIX):
    return make_sqlite_db(workdir / name / "automx.db", SQL / "sample-data.sql", f"""
        INSERT INTO ldapserver (id, name, port, use_ssl, search_base, search_filter, attr_uid,
            attr_cn, bind_password, bind_user)
        VALUES (2000, '{host}', {port}, {use_ssl}, '{search_base}',
            '{search_filter}', 'uid', 'cn', '{password}', '{slapd_mod.BIND_DN}');
        UPDATE domain SET ldapserver_id = 2000 WHERE name = 'example.com';
    """)


def start(h, db, pki, extra=""):
    moddir = mkconf.apxs_query("LIBEXECDIR")
    h.start(dbdparams=str(db), load_extra=f"LoadModule ldap_module {moddir}/mod_ldap.so",
            extra=f"LDAPTrustedGlobalCert CA_BASE64 {pki}/ca.pem\nLDAPVerifyServerCert On\n"
                  f"LDAPConnectionTimeout 2\nLDAPTimeout 3\n" + extra)
    return h


def username(h, address):
    r = h.get("/mail/config-v1.1.xml?emailaddress=" + address)
    assert r.status == 200, r
    return ET.fromstring(r.body).find("emailProvider/incomingServer/username").text


def autodiscover(h, address):
    body = (f'<Autodiscover xmlns="{REQ_NS}"><Request><EMailAddress>{address}</EMailAddress>'
            "</Request></Autodiscover>").encode()
    r = h.request("POST", "/autodiscover/autodiscover.xml", body=body,
                  headers={"Content-Type": "text/xml"})
    assert r.status == 200, r
    return ET.fromstring(r.body).find(f"{{{OUTLOOK_NS}}}Response")


@pytest.fixture
def ldap_httpd(private_httpd, workdir, directory, pki):
    return start(private_httpd, ldap_db(workdir, "ldap-plain", directory.port), pki)


def test_uid_and_cn_in_every_protocol(ldap_httpd):
    assert username(ldap_httpd, "johndoe@example.com") == "jdoe"
    resp = autodiscover(ldap_httpd, "johndoe@example.com")
    assert resp.findtext(f"{{{OUTLOOK_NS}}}User/{{{OUTLOOK_NS}}}DisplayName") == "John Doe"
    logins = [p.findtext(f"{{{OUTLOOK_NS}}}LoginName")
              for p in resp.findall(f"{{{OUTLOOK_NS}}}Account/{{{OUTLOOK_NS}}}Protocol")]
    assert logins == ["jdoe", "jdoe", "jdoe", None]   # SMTP, IMAP, CalDAV; CardDAV has none
    r = ldap_httpd.get("/mobileconfig/?emailaddress=johndoe@example.com&name=Ignored")
    mail = plistlib.loads(r.body)["PayloadContent"][0]
    assert mail["EmailAccountName"] == "John Doe"
    assert mail["IncomingMailServerUsername"] == "jdoe"
    assert mail["OutgoingMailServerUsername"] == "jdoe"


def test_the_self_service_page_shows_the_uid(ldap_httpd):
    r = ldap_httpd.get("/?emailaddress=johndoe%40example.com")
    assert r.status == 200
    names = re.findall(r'<td data-label="User name"><code>([^<]*)</code>', r.text)
    assert names == ["jdoe", "jdoe", "jdoe", "(as for mail)"]   # IMAP, SMTP, CalDAV, CardDAV


def test_values_from_the_directory_are_escaped(ldap_httpd):
    resp = autodiscover(ldap_httpd, "odd@example.com")
    assert resp.findtext(f"{{{OUTLOOK_NS}}}User/{{{OUTLOOK_NS}}}DisplayName") == "Tom & <Jerry>"


def test_control_characters_from_the_directory_keep_replies_well_formed(ldap_httpd):
    # cn is "Ctl\x01Name" (tests/e2e/slapd.py): U+FFFD in the reply, and
    # the log names the ldapserver row and the attribute.
    ldap_httpd.expect_log(r"AMX01303")
    resp = autodiscover(ldap_httpd, "ctl@example.com")
    assert resp.findtext(f"{{{OUTLOOK_NS}}}User/{{{OUTLOOK_NS}}}DisplayName") == "Ctl\ufffdName"
    lines = [l for l in ldap_httpd.tagged_since_mark() if "AMX01303" in l]
    assert len(lines) == 1 and "ldapserver id 2000" in lines[0] and "attribute cn" in lines[0]
    assert username(ldap_httpd, "ctl@example.com") == "ctl"


def test_domains_without_ldap_are_not_looked_up(ldap_httpd, directory):
    before = directory.searches("(mail=johndoe@example.net)")
    assert username(ldap_httpd, "johndoe@example.net") == "%EMAILADDRESS%"
    assert directory.searches("(mail=johndoe@example.net)") == before


def test_no_match_gives_the_database_values(ldap_httpd):
    assert username(ldap_httpd, "nobody@example.com") == "%EMAILADDRESS%"
    resp = autodiscover(ldap_httpd, "nobody@example.com")
    assert resp.find(f"{{{OUTLOOK_NS}}}User") is None
    assert resp.findtext(f"{{{OUTLOOK_NS}}}Account/{{{OUTLOOK_NS}}}Protocol/"
                         f"{{{OUTLOOK_NS}}}LoginName") == "nobody@example.com"


def test_no_match_with_204(private_httpd, workdir, directory, pki):
    h = start(private_httpd, ldap_db(workdir, "ldap-204", directory.port), pki,
              "AutomxLDAPNoMatch 204")
    r = h.get("/mail/config-v1.1.xml?emailaddress=nobody@example.com")
    assert r.status == 204 and r.body == b""
    assert username(h, "johndoe@example.com") == "jdoe"


@pytest.mark.parametrize("local", ["*", "a*", "x)(uid=*)", "a%5C", "*)(%7C(mail=*"])
def test_filter_injection_finds_nobody(ldap_httpd, directory, local):
    assert username(ldap_httpd, local + "@example.com") == "%EMAILADDRESS%"
    resp = autodiscover(ldap_httpd, local.replace("%5C", "\\").replace("%7C", "|") + "@example.com")
    assert resp.find(f"{{{OUTLOOK_NS}}}User") is None
    # What reached slapd was escaped.
    log = directory.log.read_text().lower()
    assert "\\2a" in log or "\\5c" in log


def test_repeated_lookups_come_from_mod_ldaps_cache(ldap_httpd, directory):
    for _ in range(5):
        assert username(ldap_httpd, "alice@example.com") == "asmith"
    assert directory.searches("(mail=alice@example.com)") == 1


def test_wrong_bind_password_is_503(private_httpd, workdir, directory, pki):
    h = start(private_httpd, ldap_db(workdir, "ldap-badpw", directory.port, password="wrong"), pki)
    h.expect_log(r"\[ldap:|AMX00406|AMX00402")
    r = h.get("/mail/config-v1.1.xml?emailaddress=johndoe@example.com")
    assert r.status == 503 and r.header("Retry-After") == "30"
    assert "wrong" not in h.error_log.read_text()  # never a password in the log
    assert any("AMX00406" in l or "AMX00402" in l for l in h.tagged_since_mark())


def test_directory_down_is_503_then_back_without_restart(private_httpd, workdir, pki):
    try:
        own = slapd_mod.Slapd(workdir / "slapd-outage", pki).start()
    except Unavailable as e:
        unavailable(f"slapd: {e}")
    try:
        h = start(private_httpd, ldap_db(workdir, "ldap-outage", own.port), pki,
                  "LDAPCacheTTL 0\nLDAPOpCacheTTL 0")
        assert username(h, "johndoe@example.com") == "jdoe"
        own.stop()
        h.expect_log(r"\[ldap:|AMX00406|AMX00402")
        for _ in range(3):
            r = h.get("/mail/config-v1.1.xml?emailaddress=alice@example.com", timeout=20)
            assert r.status == 503 and r.header("Retry-After")
        own.start()
        statuses = [h.get("/mail/config-v1.1.xml?emailaddress=alice@example.com").status
                    for _ in range(6)]
        assert statuses[-3:] == [200, 200, 200], statuses
        assert username(h, "alice@example.com") == "asmith"
    finally:
        own.destroy()


def test_ldaps_with_the_trusted_ca(private_httpd, workdir, directory, pki):
    h = start(private_httpd, ldap_db(workdir, "ldaps", directory.ldaps_port, use_ssl=1), pki)
    assert username(h, "johndoe@example.com") == "jdoe"


def test_ldaps_refuses_a_certificate_the_ca_did_not_sign(private_httpd, workdir,
                                                         rogue_directory, pki):
    h = start(private_httpd, ldap_db(workdir, "ldaps-rogue", rogue_directory.ldaps_port,
                                     use_ssl=1), pki)
    h.expect_log(r"\[ldap:|AMX00406|AMX00402")
    r = h.get("/mail/config-v1.1.xml?emailaddress=johndoe@example.com")
    assert r.status == 503


def test_every_placeholder_of_the_filter_is_replaced(private_httpd, workdir, directory, pki):
    # Found only when both {0} became the address.
    flt = "(&(objectClass=inetOrgPerson)(mail={0})(|(mail={0})(uid={0})))"
    h = start(private_httpd, ldap_db(workdir, "ldap-twice", directory.port, search_filter=flt),
              pki)
    assert username(h, "johndoe@example.com") == "jdoe"
    # Each is escaped: wildcards find nobody, and the database values stay.
    assert username(h, "*@example.com") == "%EMAILADDRESS%"


@pytest.mark.parametrize("search_filter", ["(mail=*)"])
def test_filter_without_a_placeholder_is_a_data_error(private_httpd, workdir,
                                                      directory, pki, search_filter):
    h = start(private_httpd, ldap_db(workdir, "ldap-badfilter-%d" % len(search_filter),
                                     directory.port, search_filter=search_filter), pki)
    h.expect_log(r"AMX00400|AMX00013: data error in table ldapserver, row id 2000")
    r = h.get("/mail/config-v1.1.xml?emailaddress=johndoe@example.com")
    assert r.status == 400, h.read_log_tail(5)
    assert any("ldapserver, row id 2000" in l for l in h.tagged_since_mark())


def test_wrong_search_base_is_503_naming_the_row(private_httpd, workdir, directory, pki):
    db = ldap_db(workdir, "ldap-nobase", directory.port,
                 search_base="ou=nowhere," + slapd_mod.SUFFIX)
    h = start(private_httpd, db, pki, extra="AutomxRetryAfter 7")
    h.expect_log(r"AMX01301")
    r = h.get("/mail/config-v1.1.xml?emailaddress=johndoe@example.com")
    assert r.status == 503 and r.header("Retry-After") == "7"
    lines = [l for l in h.tagged_since_mark() if "AMX01301" in l]
    assert len(lines) == 1 and "ldapserver id 2000" in lines[0] and "ou=nowhere" in lines[0], lines
    assert "[automx:error]" in lines[0]
    # Not taken for "nobody there": no reply built from the database values.
    r = h.get("/mail/config-v1.1.xml?emailaddress=nobody@example.com")
    assert r.status == 503
    # Domains without a directory are not affected.
    assert h.get("/mail/config-v1.1.xml?emailaddress=x@example.net").status == 200


def test_ipv6_literal_host(private_httpd, workdir, directory, pki):
    if directory.port6 is None:
        unavailable("no IPv6 loopback on this machine")
    h = start(private_httpd, ldap_db(workdir, "ldap-v6", directory.port6, host="::1"), pki)
    assert username(h, "johndoe@example.com") == "jdoe"


def test_without_mod_ldap_it_is_503_with_advice(private_httpd, workdir, directory):
    db = ldap_db(workdir, "ldap-nomod", directory.port)
    private_httpd.start(dbdparams=str(db))
    private_httpd.expect_log(r"AMX00040")
    r = private_httpd.get("/mail/config-v1.1.xml?emailaddress=johndoe@example.com")
    assert r.status == 503
    line = [l for l in private_httpd.tagged_since_mark() if "AMX00040" in l][0]
    assert "a2enmod ldap" in line
    # Domains without a directory are unaffected.
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=x@example.org").status == 200
