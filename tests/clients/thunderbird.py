"""Thunderbird desktop's own account-setup readers, run under node.

The Debian thunderbird package ships them inside omni.ja (a zip); they are
extracted at test time into a scratch directory, never copied into this
tree. Their `resource://` imports are pointed at that directory; the few
platform services they touch are stubbed in thunderbird_autoconfig.mjs.
The XML is parsed by @xmldom/xmldom (Thunderbird uses the platform's
DOMParser): Debian's node-xmldom, else from npm into build/node.
"""
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

OMNI_JA = Path(os.environ.get("AUTOMX_THUNDERBIRD_OMNI", "/usr/lib/thunderbird/omni.ja"))
HERE = Path(__file__).resolve().parent
NODE_DIR = HERE.parent.parent / "build" / "node"
XMLDOM = "@xmldom/xmldom@0.8"

# What readFromXML.sys.mjs and JXON.sys.mjs import, directly or lazily.
MODULES = [
    "modules/accountcreation/readFromXML.sys.mjs",
    "modules/accountcreation/AccountConfig.sys.mjs",
    "modules/accountcreation/AccountCreationUtils.sys.mjs",
    "modules/accountcreation/InputSanitizer.sys.mjs",
    "modules/JXON.sys.mjs",
    "modules/OAuth2Providers.sys.mjs",
    "modules/hostnameUtils.sys.mjs",
]

# ExchangeAutoDiscover.sys.mjs imports these at the top but uses them only
# to fetch and to log in, which the reader of a reply never does.
EXCHANGE = "modules/accountcreation/ExchangeAutoDiscover.sys.mjs"
EXCHANGE_STUBS = {
    "OAuth2Module.sys.mjs": "export class OAuth2Module {}\n",
    "DNS.sys.mjs": "export const DNS = {};\n",
}
# Its reader of a reply, readAutoDiscoverResponse(), is module-private; the
# extracted copy exports it, unchanged, at its end.
EXCHANGE_EXPORT = "\nexport { readAutoDiscoverResponse };\n"

# resource://gre/modules/Timer.sys.mjs, imported by AccountCreationUtils.
TIMER = "export const setTimeout = globalThis.setTimeout;\n" \
        "export const clearTimeout = globalThis.clearTimeout;\n"


class Unavailable(Exception):
    pass


def extract(dest):
    """Thunderbird's modules from omni.ja into DEST; returns DEST."""
    if not OMNI_JA.exists():
        raise Unavailable(f"{OMNI_JA} is missing: apt-get install thunderbird")
    dest = Path(dest)
    base = dest.as_uri()
    with zipfile.ZipFile(OMNI_JA) as z:
        for name in MODULES + [EXCHANGE]:
            text = z.read(name).decode("utf-8")
            if name == EXCHANGE:
                for stub in EXCHANGE_STUBS:
                    text = text.replace(f'"resource:///modules/{stub}"',
                                        f'"{base}/stubs/{stub}"')
                text += EXCHANGE_EXPORT
            text = text.replace('"resource:///modules/', f'"{base}/modules/')
            text = text.replace('"resource://gre/modules/Timer.sys.mjs"',
                                f'"{base}/gre/Timer.sys.mjs"')
            out = dest / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)
    (dest / "gre").mkdir(exist_ok=True)
    (dest / "gre" / "Timer.sys.mjs").write_text(TIMER)
    (dest / "stubs").mkdir(exist_ok=True)
    for stub, text in EXCHANGE_STUBS.items():
        (dest / "stubs" / stub).write_text(text)
    return dest


DEBIAN_NODE = Path("/usr/share/nodejs")


def node_modules():
    """The node_modules directory holding @xmldom/xmldom: Debian's
    node-xmldom, else build/node/node_modules, installed by npm."""
    if (DEBIAN_NODE / "@xmldom" / "xmldom" / "package.json").exists():
        return DEBIAN_NODE
    if not (NODE_DIR / "node_modules" / "@xmldom" / "xmldom").exists():
        if shutil.which("npm") is None:
            raise Unavailable("npm is missing: apt-get install nodejs")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(NODE_DIR), "--no-audit",
                        "--no-fund", "--no-save", "--loglevel=error", XMLDOM],
                       check=True, timeout=300)
    return NODE_DIR / "node_modules"


class Reader:
    """Thunderbird's readFromXML on many documents, one node run each call."""

    def __init__(self, scratch):
        if shutil.which("node") is None:
            raise Unavailable("node is missing: apt-get install nodejs")
        self.modules = extract(Path(scratch) / "thunderbird")
        self.node = node_modules()

    def read_all(self, docs, reader="autoconfig"):
        """DOCS: {name: xml text}. Returns {name: result} (see the .mjs).
        READER: autoconfig (readFromXML) or autodiscover (Exchange's
        readAutoDiscoverResponse)."""
        payload = json.dumps([{"name": k, "xml": v} for k, v in docs.items()])
        p = subprocess.run(["node", str(HERE / "thunderbird_autoconfig.mjs"),
                            str(self.modules), str(self.node), reader],
                           input=payload, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("node failed:\n" + p.stderr)
        return {r["name"]: r for r in json.loads(p.stdout)}
