"""The client checkers of tests/clients refuse what the clients refuse.

Each case is a reply the module made before SPEC §4 changed, or a
one-element change of a good reply; the Android app's own messages are
those of RealAutoconfigParser.kt.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clients"))
import android_autoconfig  # noqa: E402
from android_autoconfig import Rejected, check  # noqa: E402
import thunderbird  # noqa: E402
from conftest import unavailable  # noqa: E402

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <identity/>
    <domain>example.com</domain>
    <displayName>Big Corporation, Inc.</displayName>
    <displayShortName>BigCorp</displayShortName>
    <incomingServer type="imap">
      <hostname>imap1.example.com</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>primary-smtp.example.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
  <calendar type="caldav">
    <url>https://caldav.example.com</url>
    <authentication system="http">Basic</authentication>
  </calendar>
</clientConfig>
"""

# The reply for user@example.com before SPEC §4 changed: automx2's "plain"
# as authentication, SMTP first.
OLD_SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <identity/>
    <domain>example.com</domain>
    <domain>example.net</domain>
    <domain>example.org</domain>
    <displayName>Big Corporation, Inc.</displayName>
    <displayShortName>BigCorp</displayShortName>
    <outgoingServer type="smtp">
      <hostname>primary-smtp.example.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>plain</authentication>
    </outgoingServer>
    <incomingServer type="imap">
      <hostname>imap1.example.com</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>plain</authentication>
    </incomingServer>
  </emailProvider>
</clientConfig>
"""

EMAIL = "jane@example.com"


def b(s):
    return s.encode("utf-8")


def test_good_reply_is_taken():
    got = check(b(GOOD), EMAIL)
    assert got["incoming"] == {"type": "imap", "hostname": "imap1.example.com", "port": 143,
                               "connectionSecurity": "StartTLS",
                               "authenticationTypes": ["password-cleartext"],
                               "username": EMAIL}
    assert got["outgoing"]["hostname"] == "primary-smtp.example.com"


def test_old_sample_reply_with_plain_authentication_is_refused():
    with pytest.raises(Rejected, match="No usable 'authentication' element found"):
        check(b(OLD_SAMPLE), EMAIL)


REFUSED = [
    ("plain socket type", ("<socketType>STARTTLS</socketType>", "<socketType>plain</socketType>"),
     "Unknown 'socketType' value: 'plain'"),
    ("lower-case ssl", ("<socketType>STARTTLS</socketType>", "<socketType>ssl</socketType>"),
     "Unknown 'socketType'"),
    ("unknown authentication only", ("<authentication>password-cleartext</authentication>",
                                     "<authentication>NTLM</authentication>"),
     "No usable 'authentication'"),
    ("no hostname", ("<hostname>imap1.example.com</hostname>", ""), "Missing 'hostname'"),
    ("empty hostname", ("<hostname>imap1.example.com</hostname>", "<hostname></hostname>"),
     "Invalid 'hostname'"),
    ("host name with white space", ("<hostname>imap1.example.com</hostname>",
                                    "<hostname> imap1.example.com</hostname>"),
     "Not a valid domain or IP"),
    ("port with white space", ("<port>143</port>", "<port>143 </port>"), "Invalid 'port'"),
    ("port 0", ("<port>143</port>", "<port>0</port>"), "Not a valid port number"),
    ("port 65536", ("<port>143</port>", "<port>65536</port>"), "Invalid 'port'"),
    ("no port", ("<port>143</port>", ""), "Missing 'port'"),
    ("no username", ("<username>%EMAILADDRESS%</username>", ""), "Missing 'username'"),
    ("socket type with white space", ("<socketType>STARTTLS</socketType>",
                                      "<socketType>STARTTLS\n</socketType>"), "Unknown 'socketType'"),
    ("provider id no host name", ('id="example.com"', 'id="ham_n_eggs"'),
     "Invalid 'emailProvider.id'"),
    ("no provider id", (' id="example.com"', ''), "Missing 'emailProvider.id'"),
    ("no valid domain", ("<domain>example.com</domain>", "<domain>m\u00fcnchen.de</domain>"),
     "Valid 'domain' element required"),
    ("element in a value", ("<username>%EMAILADDRESS%</username>",
                            "<username><b/>x</username>"), "Expected text"),
    ("no incoming IMAP server", ('<incomingServer type="imap">', '<incomingServer type="pop3">'),
     "Missing 'incomingServer'"),
    ("not well-formed", ("</clientConfig>", "</clientconfig>"), "Error parsing"),
]


def mutate(old_new, count=1):
    old, new = old_new
    assert old in GOOD
    return GOOD.replace(old, new, count)


@pytest.mark.parametrize("what,change,message", REFUSED, ids=[r[0] for r in REFUSED])
def test_android_refuses(what, change, message):
    with pytest.raises(Rejected, match=message):
        check(b(mutate(change)), EMAIL)


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\n", b" "])
def test_android_refuses_anything_before_the_declaration(prefix):
    with pytest.raises(Rejected, match="before <\\?xml"):
        check(prefix + b(GOOD), EMAIL)


def test_android_takes_what_the_app_takes():
    # A plain POP server and an unknown authentication next to a known one
    # are not fatal: the app skips other types and unknown values.
    doc = GOOD.replace("<authentication>password-cleartext</authentication>",
                       "<authentication>NTLM</authentication>\n"
                       "      <authentication>password-encrypted</authentication>", 1)
    doc = doc.replace("  </emailProvider>", """    <incomingServer type="pop3">
      <hostname>pop.example.com</hostname>
      <socketType>plain</socketType>
    </incomingServer>
  </emailProvider>""")
    got = check(b(doc), EMAIL)
    assert got["incoming"]["authenticationTypes"] == ["password-encrypted"]
    assert android_autoconfig.is_valid_hostname("xn--mnchen-3ya.de")
    assert android_autoconfig.is_valid_hostname("192.0.2.1")
    assert android_autoconfig.is_valid_hostname("2001:db8::1")
    assert not android_autoconfig.is_valid_hostname("2001:db8::1::2")


@pytest.fixture(scope="module")
def tb_results(workdir):
    docs = {"good": GOOD, "old sample": OLD_SAMPLE}
    docs["unknown authentication"] = GOOD.replace(
        "<authentication>password-cleartext</authentication>",
        "<authentication>kerberos</authentication>")
    docs["no valid domain"] = mutate(("<domain>example.com</domain>", "<domain>ex_ample.com</domain>"))
    docs["port 0"] = GOOD.replace("<port>143</port>", "<port>0</port>")
    docs["no outgoing"] = GOOD[:GOOD.index("    <outgoingServer")] + GOOD[GOOD.index("  </emailProvider>"):]
    try:
        reader = thunderbird.Reader(workdir / "tb-checkers")
    except thunderbird.Unavailable as e:
        unavailable(str(e))
    return reader.read_all(docs)


def test_thunderbird_takes_the_good_reply(tb_results):
    r = tb_results["good"]
    assert r["ok"], r
    assert r["incoming"] == [{"type": "imap", "hostname": "imap1.example.com", "port": 143,
                              "socketType": "alwaysSTARTTLS", "auth": "passwordCleartext",
                              "username": "%EMAILADDRESS%"}]
    assert r["outgoing"][0]["hostname"] == "primary-smtp.example.com"


def test_thunderbird_still_takes_automx2s_plain(tb_results):
    # Deprecated in readFromXML, but still mapped: the old replies worked.
    assert tb_results["old sample"]["ok"]
    assert tb_results["old sample"]["incoming"][0]["auth"] == "passwordCleartext"


@pytest.mark.parametrize("name,error", [
    ("unknown authentication", "allowed-value-error"),
    ("no valid domain", "hostname-syntax-error"),
    ("port 0", "number-too-small-error"),
    ("no outgoing", "Need proper <outgoingServer>"),
])
def test_thunderbird_refuses(tb_results, name, error):
    r = tb_results[name]
    assert not r["ok"]
    assert error in r["error"]
