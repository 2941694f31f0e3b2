"""Apple's published payload schemas as a checker of configuration profiles.

The schemas are Apple's own YAML files (apple/device-management,
mdm/profiles/), kept in ../shared/apple/ beside the checkout. A profile
conforms when it has no key the schemas do not define, every value is of
the schema's type and inside its `rangelist` (and matches its `format`),
every `presence: required` key is there, and nothing in it needs a
supervised device (Apple's `supportedOS: {OS: {supervised: true}}`), since
a profile a user installs by hand lands on an unsupervised device.
"""
import datetime
import os
import plistlib
import re
import subprocess
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# CI lays shared/ beside the checkout; AUTOMX_APPLE_SCHEMAS points elsewhere
# (a checkout kept somewhere else).
SCHEMA_DIR = Path(os.environ.get("AUTOMX_APPLE_SCHEMAS") or REPO.parent / "shared" / "apple")

TYPES = {
    "<string>": (str,),
    "<integer>": (int,),
    "<boolean>": (bool,),
    "<real>": (float, int),
    "<array>": (list,),
    "<dictionary>": (dict,),
    "<data>": (bytes,),
    "<date>": (datetime.datetime,),
}


class Schemas:
    """The top level, the common payload keys and every payload type of DIRECTORY."""

    def __init__(self, directory=SCHEMA_DIR):
        directory = Path(directory)
        if not (directory / "TopLevel.yaml").exists():
            raise FileNotFoundError(f"Apple's schemas are not in {directory}")
        self.payloads = {}
        for f in sorted(directory.glob("*.yaml")):
            doc = yaml.safe_load(f.read_text())
            self.payloads[doc["payload"]["payloadtype"]] = doc
        self.top = self.payloads.pop("TopLevel")
        self.common = self.payloads.pop("CommonPayloadKeys")

    def check(self, profile):
        """Every way PROFILE (a parsed plist) breaks the schemas, as a list of
        strings naming the key path; empty when it conforms."""
        problems = []
        if not isinstance(profile, dict):
            return ["the profile is not a dictionary"]
        check_dict(profile, self.top["payloadkeys"], "", problems,
                   content=lambda item, path: self.check_payload(item, path, problems))
        return problems

    def check_payload(self, item, path, problems):
        if not isinstance(item, dict):
            problems.append(f"{path}: a payload must be a dictionary")
            return
        ptype = item.get("PayloadType")
        schema = self.payloads.get(ptype)
        if schema is None:
            problems.append(f"{path}: PayloadType {ptype!r} has no schema")
            return
        if needs_supervision(schema["payload"]):
            problems.append(f"{path}: payload {ptype} needs a supervised device")
        keys = self.common["payloadkeys"] + schema["payloadkeys"]
        check_dict(item, keys, path, problems)


def needs_supervision(node):
    """True when NODE's supportedOS says some OS takes it only when supervised."""
    for os_info in (node.get("supportedOS") or {}).values():
        if isinstance(os_info, dict) and os_info.get("supervised") is True:
            return True
    return False


def type_ok(value, type_name):
    if type_name == "<any>":
        return True
    types = TYPES.get(type_name)
    if types is None:
        raise ValueError(f"schema type {type_name} unknown to the checker")
    if isinstance(value, bool) and bool not in types:
        return False   # plistlib's True is an int to Python, not to Apple
    return isinstance(value, types)


def check_value(value, spec, path, problems, content=None):
    if not type_ok(value, spec["type"]):
        problems.append(f"{path}: {type(value).__name__} {value!r:.60} is not {spec['type']}")
        return
    if "rangelist" in spec and value not in spec["rangelist"]:
        problems.append(f"{path}: {value!r} is not one of {spec['rangelist']}")
    if "format" in spec and isinstance(value, str) and not re.search(spec["format"], value):
        problems.append(f"{path}: {value!r} does not match {spec['format']}")
    subkeys = spec.get("subkeys")
    if not subkeys:
        return
    if spec["type"] == "<array>":
        for i, element in enumerate(value):
            if content is not None:
                content(element, f"{path}[{i}]")
            else:
                check_value(element, subkeys[0], f"{path}[{i}]", problems)
    elif spec["type"] == "<dictionary>":
        if len(subkeys) == 1 and subkeys[0]["key"] == "ANY":
            for k, v in value.items():
                check_value(v, subkeys[0], f"{path}.{k}", problems)
        else:
            check_dict(value, subkeys, path, problems)


def check_dict(d, specs, path, problems, content=None):
    """D against the key SPECS of one dictionary level."""
    by_key = {s["key"]: s for s in specs}
    prefix = f"{path}." if path else ""
    for k, v in d.items():
        spec = by_key.get(k)
        if spec is None:
            problems.append(f"{prefix}{k}: key not in the schema")
            continue
        if needs_supervision(spec):
            problems.append(f"{prefix}{k}: key needs a supervised device")
        check_value(v, spec, prefix + k, problems,
                    content=content if k == "PayloadContent" else None)
    for s in specs:
        if s.get("presence") == "required" and s["key"] != "ANY" and s["key"] not in d:
            problems.append(f"{prefix}{s['key']}: required key missing")


def unsigned(body, ca_file=None):
    """The plist of a Mobileconfig reply BODY: as it is, or, when it is a
    DER CMS SignedData, its content after `openssl cms -verify` accepted it
    (against CA_FILE; without one only the signature is checked)."""
    if body.lstrip().startswith(b"<?xml"):
        return plistlib.loads(body)
    with tempfile.TemporaryDirectory() as d:
        signed, out = Path(d) / "p.der", Path(d) / "p.plist"
        signed.write_bytes(body)
        trust = ["-CAfile", str(ca_file), "-purpose", "any"] if ca_file else ["-noverify"]
        v = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(signed),
                            *trust, "-out", str(out)], capture_output=True, text=True)
        if v.returncode != 0:
            raise ValueError("the signed profile does not verify: " + v.stderr)
        return plistlib.loads(out.read_bytes())
