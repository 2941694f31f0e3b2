"""The Apple schema checker (tests/clients/apple_schema.py) on its own: it
passes a conforming profile and catches each of the five ways to break
Apple's schemas."""
import copy
import plistlib
import sys

import pytest
from pathlib import Path

from harness import REPO

sys.path.insert(0, str(REPO / "tests" / "clients"))
import apple_schema  # noqa: E402


@pytest.fixture(scope="module")
def schemas():
    return apple_schema.Schemas()


GOOD = {
    "PayloadType": "Configuration", "PayloadVersion": 1,
    "PayloadIdentifier": "automx.profile.X", "PayloadUUID": "6F1C3A52-9E0B-4D7A-B531-2C8461D90E47",
    "PayloadDisplayName": "Example", "PayloadOrganization": "Example Inc.",
    "PayloadContent": [
        {"PayloadType": "com.apple.mail.managed", "PayloadVersion": 1,
         "PayloadIdentifier": "automx.mail.X", "PayloadUUID": "6F1C3A52-9E0B-4D7A-B531-2C8461D90E48",
         "EmailAccountType": "EmailTypeIMAP", "EmailAddress": "jo@example.com",
         "IncomingMailServerAuthentication": "EmailAuthPassword",
         "IncomingMailServerHostName": "imap.example.com", "IncomingMailServerPortNumber": 993,
         "IncomingMailServerUseSSL": True,
         "OutgoingMailServerAuthentication": "EmailAuthPassword",
         "OutgoingMailServerHostName": "smtp.example.com"},
        {"PayloadType": "com.apple.caldav.account", "PayloadVersion": 1,
         "PayloadIdentifier": "automx.caldav.X", "PayloadUUID": "6F1C3A52-9E0B-4D7A-B531-2C8461D90E49",
         "CalDAVHostName": "cal.example.com", "CalDAVPort": 443, "CalDAVUseSSL": True},
    ],
}


def broken(change):
    p = copy.deepcopy(GOOD)
    change(p)
    return p


def test_schemas_are_found_beside_the_checkout(schemas):
    import os
    assert apple_schema.SCHEMA_DIR == Path(os.environ.get("AUTOMX_APPLE_SCHEMAS")
                                           or REPO.parent / "shared" / "apple")
    assert {"com.apple.mail.managed", "com.apple.caldav.account",
            "com.apple.carddav.account"} <= set(schemas.payloads)


def test_a_conforming_profile_passes(schemas):
    assert schemas.check(GOOD) == []
    # Through a plist and back, as a reply arrives.
    assert schemas.check(apple_schema.unsigned(plistlib.dumps(GOOD))) == []


@pytest.mark.parametrize("change, problem", [
    # 1. a key the schema does not define, at the top and in a payload
    (lambda p: p.update(PayloadRemovalAllowed=True), r"^PayloadRemovalAllowed: key not in the schema"),
    (lambda p: p["PayloadContent"][0].update(IncomingMailServerSSL=True),
     r"^PayloadContent\[0\]\.IncomingMailServerSSL: key not in the schema"),
    (lambda p: p["PayloadContent"][1].update(CardDAVHostName="x"),
     r"^PayloadContent\[1\]\.CardDAVHostName: key not in the schema"),
    # 2. a value of another type (a boolean is no integer, an integer no boolean)
    (lambda p: p["PayloadContent"][0].update(IncomingMailServerPortNumber="993"),
     r"IncomingMailServerPortNumber: str '993' is not <integer>"),
    (lambda p: p["PayloadContent"][1].update(CalDAVPort=True), r"CalDAVPort: bool True is not <integer>"),
    (lambda p: p["PayloadContent"][0].update(IncomingMailServerUseSSL=1),
     r"IncomingMailServerUseSSL: int 1 is not <boolean>"),
    (lambda p: p.update(PayloadContent={}), r"^PayloadContent: dict .* is not <array>"),
    # 3. a value outside the rangelist
    (lambda p: p["PayloadContent"][0].update(EmailAccountType="EmailTypeExchange"),
     r"EmailAccountType: 'EmailTypeExchange' is not one of"),
    (lambda p: p["PayloadContent"][0].update(OutgoingMailServerAuthentication="EmailAuthPlain"),
     r"OutgoingMailServerAuthentication: 'EmailAuthPlain' is not one of"),
    (lambda p: p.update(PayloadVersion=2), r"^PayloadVersion: 2 is not one of \[1\]"),
    (lambda p: p["PayloadContent"][1].update(PayloadVersion=0), r"PayloadVersion: 0 is not one of"),
    # 4. a required key missing
    (lambda p: p["PayloadContent"][0].pop("IncomingMailServerHostName"),
     r"IncomingMailServerHostName: required key missing"),
    (lambda p: p["PayloadContent"][1].pop("PayloadUUID"), r"\[1\]\.PayloadUUID: required key missing"),
    (lambda p: p.pop("PayloadIdentifier"), r"^PayloadIdentifier: required key missing"),
    # 5. a key that needs a supervised device (what the module used to send)
    (lambda p: p.update(PayloadRemovalDisallowed=False),
     r"^PayloadRemovalDisallowed: key needs a supervised device"),
    # and what is not a payload Apple describes
    (lambda p: p["PayloadContent"].append({"PayloadType": "com.example.x"}), r"has no schema"),
    (lambda p: p["PayloadContent"][0].update(SMIMESigningCertificateUUID="nope"),
     r"SMIMESigningCertificateUUID: 'nope' does not match"),
])
def test_each_kind_of_break_is_caught(schemas, change, problem):
    import re
    problems = schemas.check(broken(change))
    assert problems, "not caught"
    assert any(re.search(problem, p) for p in problems), problems


def test_the_supervision_rule_reads_the_schema(schemas):
    spec = {s["key"]: s for s in schemas.top["payloadkeys"]}
    assert apple_schema.needs_supervision(spec["PayloadRemovalDisallowed"])
    assert not apple_schema.needs_supervision(spec["PayloadOrganization"])
    assert not any(apple_schema.needs_supervision(s["payload"]) for s in schemas.payloads.values())


def test_a_signed_profile_that_does_not_verify_is_refused():
    with pytest.raises(ValueError):
        apple_schema.unsigned(b"\x30\x82\x01\x00garbage")
