"""The provisioning API (SPEC §16): automx-api behind httpd's Basic
authentication, on SQLite, PostgreSQL and MariaDB.

Every reply of the API is checked against api/openapi.json: its status must
be one the document lists for the operation, and its body must validate
against the schema the document gives for it (python3-jsonschema)."""
import base64
import json
import os
import plistlib
import re
import shutil
import subprocess
import threading
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from jsonschema import Draft202012Validator, RefResolver

from conftest import db_server, unavailable
from harness import REPO, SQL, Httpd, make_sqlite_db
from test_autodiscover import post as ad_post, protocols, request_body

OPENAPI = json.loads((REPO / "api" / "openapi.json").read_text())
# References ("#/components/...") are resolved in the whole document.
RESOLVER = RefResolver("", OPENAPI)
REDOCLY = REPO / "tests" / "node" / "node_modules" / ".bin" / "redocly"
USER, PASSWORD = "panel", "s3cret pass"
JSON = "application/json"
MERGE = "application/merge-patch+json"


def operation(method, path):
    """The OpenAPI operation for PATH (below /api) and its path template."""
    path = urllib.parse.urlsplit(path).path
    for template, item in OPENAPI["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return item.get("head" if method == "HEAD" else method.lower()) or item.get("get"), template
    return None, None


def check_reply(method, path, r):
    """R must be a reply the document describes, its body valid against it."""
    op, template = operation(method, path)
    if op is None:
        # Unknown paths answer 404, a problem document like every error.
        assert r.status == 404, (method, path, r.status)
        schema = {"$ref": "#/components/schemas/Problem"}
    else:
        if method not in ("GET", "HEAD") and op is OPENAPI["paths"][template].get("get") \
                and method.lower() not in OPENAPI["paths"][template]:
            assert r.status == 405, (method, path, r.status)
            desc = OPENAPI["components"]["responses"]["MethodNotAllowed"]
        else:
            assert str(r.status) in op["responses"], (method, path, r.status, r.text)
            desc = op["responses"][str(r.status)]
        if "$ref" in desc:
            desc = OPENAPI["components"]["responses"][desc["$ref"].rsplit("/", 1)[1]]
        content = desc.get("content")
        if not content or method == "HEAD" or r.status == 304:
            assert not r.body or r.status in (401, 503), r.text
            return
        ctype = r.header("Content-Type")
        assert ctype in content, (ctype, list(content))
        schema = content[ctype]["schema"]
    Draft202012Validator(schema, resolver=RESOLVER).validate(json.loads(r.body))


class Api:
    """A client of the API of HTTPD; every reply checked against the document."""

    def __init__(self, httpd, user=USER, password=PASSWORD):
        self.h = httpd
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def __call__(self, method, path, body=None, ctype=None, headers=None, auth=True):
        hdrs = dict(headers or {})
        if auth:
            hdrs["Authorization"] = self.auth
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs["Content-Type"] = ctype or (MERGE if method == "PATCH" else JSON)
        r = self.h.request(method, "/api/" + path, body=data, headers=hdrs)
        if r.status != 401:
            check_reply(method, "/" + path, r)
        return r

    def json(self, method, path, body=None, status=200, **kw):
        r = self(method, path, body, **kw)
        assert r.status == status, r.text
        return json.loads(r.body) if r.body else None

    def problem(self, method, path, body=None, status=400, **kw):
        r = self(method, path, body, **kw)
        assert r.status == status, r.text
        assert r.header("Content-Type") == "application/problem+json"
        doc = json.loads(r.body)
        assert doc["status"] == status
        # The server still answers.
        assert self("GET", "").status == 200
        return doc


def htpasswd(path):
    if shutil.which("htpasswd") is None:
        unavailable("htpasswd (apache2-utils) is not installed")
    subprocess.run(["htpasswd", "-bcB", str(path), USER, PASSWORD], check=True,
                   capture_output=True)
    path.chmod(0o644)
    return path


@pytest.fixture(scope="module", params=["sqlite3", "pgsql", "mysql"])
def api_httpd(request, workdir):
    """One httpd per database with the API at /api/, on an empty schema, the
    cache on: a write must show in the replies at once all the same."""
    driver = request.param
    root = workdir / f"api-{driver}"
    root.mkdir(exist_ok=True)
    if driver == "sqlite3":
        params = str(make_sqlite_db(root / "db" / "automx.db"))
    else:
        srv = db_server(driver, workdir)
        srv.reset()
        srv.sql((SQL / ("postgresql" if driver == "pgsql" else "mysql") / "schema.sql").read_text())
        params = srv.dbd_params
    h = Httpd(root / "httpd")
    h.driver = driver
    h.start(dbdriver=driver, dbdparams=params, api_htpasswd=htpasswd(root / "htpasswd"),
            extra="AutomxCacheTTL 300")
    yield h
    h.stop()


@pytest.fixture
def api(api_httpd):
    if not api_httpd.alive():
        pytest.fail("httpd died in an earlier test")
    api_httpd.mark()
    api_httpd.expected = []
    yield Api(api_httpd)
    bad = api_httpd.unexpected_log_lines()
    assert api_httpd.alive(), "httpd died"
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)


def provider(api, name):
    return api.json("POST", "providers", {"name": name}, status=201)


def test_openapi_document_passes_redocly_lint():
    if not REDOCLY.exists():
        unavailable("redocly is not installed (tools/test installs it into tests/node)")
    p = subprocess.run([str(REDOCLY), "lint", "--config", str(REPO / "api" / "redocly.yaml"),
                        str(REPO / "api" / "openapi.json")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Your API description is valid" in p.stdout + p.stderr
    assert "warning" not in (p.stdout + p.stderr).lower().replace("deprecation warning", "")


def test_credentials_are_httpds_business(api):
    # mod_auth_basic logs each refusal as an error of its own.
    api.h.expected = [re.compile(r"AH01617: user panel: authentication failure"),
                      re.compile(r"AH01618: user nobody")]
    r = api("GET", "providers", auth=False)
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="automx provisioning API"'
    assert Api(api.h, password="wrong")("GET", "providers").status == 401
    assert Api(api.h, user="nobody")("GET", "providers").status == 401
    # A write without credentials writes nothing.
    r = api("POST", "providers", {"name": "Sneaky"}, auth=False)
    assert r.status == 401
    assert all(p["name"] != "Sneaky" for p in api.json("GET", "providers?limit=500")["items"])
    assert api("GET", "providers").status == 200


def test_root_and_the_document_it_serves(api):
    root = api.json("GET", "")
    assert root["openapi"] == "/api/openapi.json"
    assert root["resources"]["domains"] == "/api/domains"
    assert set(root["resources"]) == {"providers", "domains", "servers", "davservers",
                                      "ldapservers"}
    # The document served is the one that ships.
    assert api.json("GET", "openapi.json") == OPENAPI


def test_a_provisioned_domain_is_served_at_once(api):
    h = api.h
    address = "jane@shop.example"
    ac = "/mail/config-v1.1.xml?emailaddress=" + address
    # Cached as unknown first: the writes below must drop that.
    assert h.get(ac).status == 204
    p = provider(api, "Shop Hosting GmbH")
    assert p["short_name"] == "Shop"
    r = api("POST", "domains", {"name": "Shop.Example.", "provider_id": p["id"]})
    assert r.status == 201
    d = json.loads(r.body)
    assert d["name"] == "shop.example"
    assert r.header("Location") == "/api/domains/shop.example"
    assert api.json("GET", "domains/shop.example") == d
    imap = api.json("POST", "servers", {"type": "imap", "name": "imap.shop.example",
                                         "domains": [d["id"]]}, status=201)
    assert (imap["port"], imap["socket_type"], imap["prio"], imap["user_name"],
            imap["authentication"]) == (993, "SSL", 10, "%EMAILADDRESS%", "plain")
    smtp = api.json("POST", "servers", {"type": "smtp", "name": "smtp.shop.example", "port": 587,
                                         "domains": [d["id"]]}, status=201)
    assert smtp["socket_type"] == "STARTTLS"
    dav = api.json("POST", "davservers", {"type": "caldav", "url": "https://dav.shop.example/",
                                           "domains": [d["id"]]}, status=201)
    assert dav["use_ssl"] is True and dav["domain_required"] is True
    assert sorted(api.json("GET", "domains/shop.example")["servers"]) == sorted(
        [imap["id"], smtp["id"]])

    r = h.get(ac)
    assert r.status == 200
    assert b"<hostname>imap.shop.example</hostname>" in r.body
    assert b"<displayName>Shop Hosting GmbH</displayName>" in r.body
    r = ad_post(h, request_body(address))
    assert r.status == 200
    servers = [dict(x) for x in protocols(r.body)]
    assert sorted((x["Type"], x["Server"], x.get("Port")) for x in servers) == [
        ("CalDAV", "https://dav.shop.example/", None), ("IMAP", "imap.shop.example", "993"),
        ("SMTP", "smtp.shop.example", "587")]
    r = h.get("/mobileconfig/?emailaddress=" + address)
    assert r.status == 200
    payloads = plistlib.loads(r.body)["PayloadContent"]
    assert payloads[0]["IncomingMailServerHostName"] == "imap.shop.example"
    assert payloads[1]["CalDAVHostName"] == "dav.shop.example"

    # A change shows at once, in every reply.
    api.json("PATCH", f"servers/{imap['id']}", {"port": 143, "socket_type": "STARTTLS"})
    r = h.get(ac)
    assert b"<port>143</port>" in r.body and b"<port>993</port>" not in r.body
    assert ET.fromstring(r.body).find(".//incomingServer/socketType").text == "STARTTLS"
    # A removed link, a removed server, a removed domain.
    api.json("PUT", f"davservers/{dav['id']}", {"type": "caldav", "url": "https://dav.shop.example/"})
    assert "CalDAVHostName" not in str(plistlib.loads(
        h.get("/mobileconfig/?emailaddress=" + address).body))
    assert api("DELETE", f"servers/{smtp['id']}").status == 204
    assert b"smtp.shop.example" not in h.get(ac).body
    assert api("DELETE", "domains/shop.example").status == 204
    assert h.get(ac).status == 204
    assert api("GET", "domains/shop.example").status == 404
    # The servers lost their link to it, and are there still.
    assert api.json("GET", f"servers/{imap['id']}")["domains"] == []


def test_each_error_status(api):
    p = provider(api, "Errors Inc.")
    d = api.json("POST", "domains", {"name": "errors.example", "provider_id": p["id"]}, status=201)
    s = api.json("POST", "servers", {"type": "imap", "name": "imap.errors.example"}, status=201)

    # 400: an invalid value, named; the seeds' rules.
    doc = api.problem("POST", "servers", {"type": "imap", "name": "x", "port": 70000})
    assert doc["invalid-params"] == [{"name": "port", "reason": "must be from 1 to 65535"}]
    assert doc["pointer"] == "/port"
    doc = api.problem("POST", "servers", {"type": "imapx", "name": "x"})
    assert doc["invalid-params"][0]["name"] == "type"
    doc = api.problem("POST", "servers", {"type": "imap", "name": "x", "socket_type": "TLSX"})
    assert doc["invalid-params"][0]["name"] == "socket_type"
    doc = api.problem("POST", "servers", {"type": "caldav", "name": "x"})
    assert doc["invalid-params"][0]["name"] == "type"
    doc = api.problem("POST", "servers", {"type": "imap", "name": "x", "domains": [d["id"], 999999]})
    assert doc["invalid-params"][0]["name"] == "domains[1]" and doc["pointer"] == "/domains/1"
    doc = api.problem("POST", "servers", {"type": "imap"})
    assert doc["invalid-params"] == [{"name": "name", "reason": "missing"}]
    doc = api.problem("POST", "domains", {"name": "x.example", "provider_id": 999999})
    assert doc["invalid-params"][0]["name"] == "provider_id"
    doc = api.problem("POST", "domains", {"name": "bad domain", "provider_id": p["id"]})
    assert doc["invalid-params"][0]["name"] == "name"
    doc = api.problem("POST", "providers", {"name": "x", "colour": "red"})
    assert doc["invalid-params"] == [{"name": "colour", "reason": "unknown member"}]
    doc = api.problem("POST", "providers", {"name": "x", "id": 5})
    assert doc["invalid-params"][0]["name"] == "id"
    doc = api.problem("POST", "providers", b'{"name": "x",', ctype=JSON)
    assert doc["detail"].startswith("malformed JSON")
    api.problem("POST", "providers", b'["not", "an", "object"]', ctype=JSON)
    api.problem("GET", "providers?limit=0")
    api.problem("GET", "providers?after=x")
    # Nothing of the refused writes is there.
    assert [x["name"] for x in api.json("GET", "providers?limit=500")["items"]].count("x") == 0

    # 404
    api.problem("GET", "servers/999999", status=404)
    api.problem("GET", "servers/abc", status=404)
    api.problem("GET", "domains/nowhere.example", status=404)
    api.problem("PUT", "providers/999999", {"name": "x"}, status=404)
    api.problem("DELETE", "davservers/999999", status=404)
    api.problem("GET", "mailboxes", status=404)
    api.problem("GET", "servers/1/extra", status=404)

    # 405, with Allow
    r = api("PUT", "servers", {"name": "x"})
    assert r.status == 405 and r.header("Allow") == "GET, HEAD, POST"
    r = api("POST", f"servers/{s['id']}", {"name": "x"})
    assert r.status == 405 and r.header("Allow") == "GET, HEAD, PUT, PATCH, DELETE"
    r = api("DELETE", "openapi.json")
    assert r.status == 405 and r.header("Allow") == "GET, HEAD"
    assert json.loads(r.body)["status"] == 405

    # 409: a domain that exists (in any spelling), a provider with domains
    doc = api.problem("POST", "domains", {"name": "ERRORS.example", "provider_id": p["id"]},
                      status=409)
    assert doc["invalid-params"][0]["name"] == "name"
    other = api.json("POST", "domains", {"name": "other-errors.example", "provider_id": p["id"]},
                     status=201)
    api.problem("PATCH", "domains/other-errors.example", {"name": "errors.example"}, status=409)
    doc = api.problem("DELETE", f"providers/{p['id']}", status=409)
    assert "cascade" in doc["detail"]
    assert api("GET", "domains/errors.example").status == 200

    # 412: a stale If-Match
    r = api("GET", f"servers/{s['id']}")
    etag = r.header("ETag")
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    api.json("PATCH", f"servers/{s['id']}", {"prio": 5}, headers={"If-Match": etag})
    api.problem("PATCH", f"servers/{s['id']}", {"prio": 6}, headers={"If-Match": etag}, status=412)
    api.problem("DELETE", f"servers/{s['id']}", headers={"If-Match": etag}, status=412)
    assert api.json("GET", f"servers/{s['id']}")["prio"] == 5

    # 413: over AutomxRequestBodyLimit (16 KiB by default)
    api.problem("POST", "providers", {"name": "x" * 20000}, status=413)

    # 415: not the media type of the method
    api.problem("POST", "providers", {"name": "x"}, ctype="text/plain", status=415)
    api.problem("PATCH", f"servers/{s['id']}", {"prio": 1}, ctype=JSON, status=415)
    api.problem("PUT", f"servers/{s['id']}", {"type": "imap", "name": "y"}, ctype=MERGE,
                status=415)

    # Cascade: the provider goes with its domains and their links.
    api.json("PUT", f"servers/{s['id']}", {"type": "imap", "name": "imap.errors.example",
                                           "domains": [d["id"], other["id"]]})
    assert api(
        "DELETE", f"providers/{p['id']}?cascade=true").status == 204
    assert api("GET", "domains/errors.example").status == 404
    assert api("GET", f"providers/{p['id']}").status == 404
    assert api.json("GET", f"servers/{s['id']}")["domains"] == []


def test_etags_and_conditional_reads(api):
    p = provider(api, "ETag Ltd")
    r = api("GET", f"providers/{p['id']}")
    etag = r.header("ETag")
    # Strong, and the same while nothing changes.
    assert api("GET", f"providers/{p['id']}").header("ETag") == etag
    r = api("GET", f"providers/{p['id']}", headers={"If-None-Match": etag})
    assert r.status == 304 and r.body == b""
    r = api("HEAD", f"providers/{p['id']}")
    assert r.status == 200 and r.body == b"" and r.header("ETag") == etag
    # The reply to a write carries the new one.
    r = api("PUT", f"providers/{p['id']}", {"name": "ETag Ltd", "short_name": "E"},
            headers={"If-Match": etag})
    assert r.status == 200 and r.header("ETag") != etag
    assert api("GET", f"providers/{p['id']}").header("ETag") == r.header("ETag")
    assert api("GET", f"providers/{p['id']}", headers={"If-None-Match": etag}).status == 200
    # A weak tag never satisfies If-Match.
    api.problem("PATCH", f"providers/{p['id']}", {"short_name": "F"},
                headers={"If-Match": "W/" + r.header("ETag")}, status=412)
    assert api("DELETE", f"providers/{p['id']}", headers={"If-Match": r.header("ETag")}).status == 204


def test_two_writers_with_the_same_etag_one_gets_412(api):
    p = provider(api, "Race Ltd")
    etag = api("GET", f"providers/{p['id']}").header("ETag")
    api.h.mark()
    results = []
    barrier = threading.Barrier(2)

    def writer(name):
        barrier.wait()
        results.append(api("PATCH", f"providers/{p['id']}", {"short_name": name},
                           headers={"If-Match": etag}))

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == [200, 412]
    # Each logged once, with its tag: the write at notice, the refusal at info.
    lines = api.h.tagged_since_mark()
    assert len([l for l in lines if f"AMX02003: PATCH /api/providers/{p['id']}: 200" in l]) == 1
    assert len([l for l in lines if "AMX02001: PATCH" in l and ": 412 " in l]) == 1
    assert len(lines) == 2, lines
    winner = next(r for r in results if r.status == 200)
    assert api.json("GET", f"providers/{p['id']}")["short_name"] == json.loads(winner.body)["short_name"]


def test_two_creators_of_one_domain_one_gets_409(api):
    p = provider(api, "Twins Ltd")
    results = []
    barrier = threading.Barrier(2)

    def creator(spelling):
        barrier.wait()
        results.append(api("POST", "domains", {"name": spelling, "provider_id": p["id"]}))

    threads = [threading.Thread(target=creator, args=(n,)) for n in ("twins.example", "TWINS.example")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == [201, 409]
    assert [d["name"] for d in api.json("GET", "domains?limit=500")["items"]].count("twins.example") == 1


def test_lists_are_paginated(api):
    made = [provider(api, f"Page {i}")["id"] for i in range(5)]
    seen, path = [], "providers?limit=2"
    while path:
        page = api.json("GET", path)
        assert len(page["items"]) <= 2
        seen += [x["id"] for x in page["items"]]
        path = page.get("next", "").removeprefix("/api/")
    assert set(made) <= set(seen) and len(seen) == len(set(seen))
    assert seen == sorted(seen)
    r = api("GET", "providers?limit=1")
    assert r.header("Link") == f'</api/providers?limit=1&after={seen[0]}>; rel="next"'


def test_ldap_bind_password_is_write_only(api):
    body = {"name": "ldap.pw.example", "search_base": "dc=pw,dc=example", "bind_user": "cn=ro",
            "bind_password": "top secret"}
    r = api("POST", "ldapservers", body)
    assert r.status == 201 and b"top secret" not in r.body and "bind_password" not in json.loads(r.body)
    lid = json.loads(r.body)["id"]
    assert (json.loads(r.body)["port"], json.loads(r.body)["use_ssl"]) == (636, True)

    def stored():
        docs = json.loads(api.h.get("/initdb/", headers={"Accept": JSON}).body)
        return [s for d in docs for s in d.get("ldapservers", []) if s["id"] == lid]

    for path in (f"ldapservers/{lid}", "ldapservers?limit=500"):
        assert b"top secret" not in api("GET", path).body
    # Left out of a replace or a patch, it stays; null clears it.
    p = provider(api, "LDAP Users")
    api.json("POST", "domains", {"name": "pw.example", "provider_id": p["id"],
                                 "ldapserver_id": lid}, status=201)
    r = api("PUT", f"ldapservers/{lid}", {"name": "ldap2.pw.example", "search_base": "dc=pw"})
    assert r.status == 200 and "bind_password" not in json.loads(r.body)
    assert stored()[0]["name"] == "ldap2.pw.example"
    assert stored()[0]["bind_password"] == "top secret"
    api.json("PATCH", f"ldapservers/{lid}", {"bind_password": None})
    assert stored()[0]["bind_password"] is None
    # In use by a domain: 409, unless cascading clears it there.
    api.problem("DELETE", f"ldapservers/{lid}", status=409)
    assert api("DELETE", f"ldapservers/{lid}?cascade=true").status == 204
    assert api.json("GET", "domains/pw.example")["ldapserver_id"] is None


def test_internationalised_domain_names(api):
    p = provider(api, "IDN Ltd")
    r = api("POST", "domains", {"name": "Bücher.Example", "provider_id": p["id"]})
    assert r.status == 201, r.text
    assert json.loads(r.body)["name"] == "bücher.example"
    assert r.header("Location") == "/api/domains/b%c3%bccher.example"
    for name in ("bücher.example", "xn--bcher-kva.example", "BÜCHER.example"):
        assert api.json("GET", "domains/" + urllib.parse.quote(name))["id"] == json.loads(r.body)["id"]
    api.problem("POST", "domains", {"name": "xn--bcher-kva.example", "provider_id": p["id"]},
                status=409)
    # Not the same domain: the letters without the umlaut; MariaDB's
    # collation takes them for the same, and its UNIQUE index refuses them.
    plain = {"name": "bucher.example", "provider_id": p["id"]}
    if api.h.driver == "mysql":
        doc = api.problem("POST", "domains", plain, status=409)
        assert doc["detail"] == 'the domain "bücher.example" already exists'
    else:
        api.json("POST", "domains", plain, status=201)
    api.problem("POST", "domains", {"name": "xn--zz.example", "provider_id": p["id"]})


@pytest.mark.parametrize("conf", ["automx-vhost.conf", "automx.conf"])
def test_the_sample_configuration_serves_the_api(private_httpd, workdir, sample_db, conf):
    """conf/'s commented <Location /api/>, uncommented, maps the API behind
    Basic authentication."""
    text = (REPO / "conf" / conf).read_text()
    block = re.search(r"^\s*#<Location /api/>\n(.*?)^\s*#</Location>", text, re.M | re.S)
    assert block, conf
    lines = [l.strip().lstrip("#") for l in block.group(0).splitlines()]
    passwd = htpasswd(workdir / f"sample-{conf}.htpasswd")
    location = "\n".join(lines).replace("/etc/apache2/automx-api.htpasswd", str(passwd))
    moddir = subprocess.check_output(["apxs", "-q", "LIBEXECDIR"], text=True).strip() \
        if shutil.which("apxs") else "/usr/lib/apache2/modules"
    load = "\n".join(f"LoadModule {m}_module {moddir}/mod_{m}.so"
                     for m in ("auth_basic", "authn_core", "authn_file", "authz_user"))
    private_httpd.start(dbdparams=str(sample_db), load_extra=load, extra=location)
    private_httpd.expected = []
    api = Api(private_httpd)
    assert api("GET", "providers", auth=False).status == 401
    names = [p["name"] for p in api.json("GET", "providers")["items"]]
    assert names == ["Big Corporation, Inc.", "Ham & Eggs", "Some Other Provider"]
    # The sample data's broken server is shown as stored.
    assert "INVALID" in [s["type"] for s in api.json("GET", "servers")["items"]]
