"""Apple Mobileconfig end to end (SPEC §6, §7), signing included."""
import os
import plistlib
import pty
import re
import select
import signal
import subprocess
import time

import pytest

from harness import SQL, httpd_env, make_sqlite_db

MC = "/mobileconfig/?emailaddress="


def profile(httpd, address, extra="", path=MC):
    r = httpd.get(path + address + extra)
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/x-apple-aspen-config"
    assert b'<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"' in r.body.replace(b"\n", b" ").replace(b"  ", b" ").replace(b"  ", b" ").replace(b"  ", b" ").replace(b"  ", b" ")
    return r, plistlib.loads(r.body)


def assert_one_line(httpd, tag):
    lines = httpd.tagged_since_mark()
    assert len(lines) == 1, lines
    assert tag in lines[0]
    return lines[0]


def assert_still_answers(httpd):
    assert httpd.get(MC + "user@example.com").status == 200


@pytest.mark.parametrize("path", ["/mobileconfig/?emailaddress=", "/mobileconfig?emailaddress="])
def test_example_com(httpd, path):
    r, p = profile(httpd, "user@example.com", path=path)
    assert r.header("Content-Disposition") == 'attachment; filename="example.com.mobileconfig"'
    assert p["PayloadType"] == "Configuration"
    assert p["PayloadVersion"] == 1
    # Apple: only a supervised device honours PayloadRemovalDisallowed.
    assert "PayloadRemovalDisallowed" not in p
    assert p["PayloadDisplayName"] == "Big Corporation, Inc."
    assert p["PayloadOrganization"] == "Big Corporation, Inc."
    for k in ("PayloadIdentifier", "PayloadUUID", "PayloadDescription"):
        assert p[k]
    mail, cal, card = p["PayloadContent"]
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert {k: v for k, v in mail.items() if not k.startswith("Payload")} == {
        "EmailAccountDescription": "user@example.com",
        "EmailAccountType": "EmailTypeIMAP",
        "EmailAddress": "user@example.com",
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerHostName": "imap1.example.com",
        "IncomingMailServerPortNumber": 143,
        "IncomingMailServerUseSSL": True,          # STARTTLS
        "IncomingMailServerUsername": "user@example.com",
        "OutgoingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingMailServerHostName": "primary-smtp.example.com",
        "OutgoingMailServerPortNumber": 587,
        "OutgoingMailServerUseSSL": True,
        "OutgoingMailServerUsername": "user@example.com",
        "OutgoingPasswordSameAsIncomingPassword": True,
    }
    assert cal["PayloadType"] == "com.apple.caldav.account"
    assert {k: v for k, v in cal.items() if not k.startswith("Payload")} == {
        "CalDAVAccountDescription": "CalDAV user@example.com",
        "CalDAVHostName": "caldav.example.com",
        "CalDAVPort": 443,
        "CalDAVPrincipalURL": "https://caldav.example.com",
        "CalDAVUseSSL": True,
        "CalDAVUsername": "user@example.com",
    }
    assert card["PayloadType"] == "com.apple.carddav.account"
    assert {k: v for k, v in card.items() if not k.startswith("Payload")} == {
        "CardDAVAccountDescription": "CardDAV user@example.com",
        "CardDAVHostName": "carddav.example.com",
        "CardDAVPrincipalURL": "http://carddav.example.com",
        "CardDAVUseSSL": False,
    }
    for payload in (mail, cal, card):
        for k in ("PayloadIdentifier", "PayloadUUID", "PayloadDisplayName", "PayloadDescription"):
            assert payload[k], k
        assert payload["PayloadOrganization"] == "Big Corporation, Inc."
        assert payload["PayloadVersion"] == 1
    uuids = [x["PayloadUUID"] for x in (p, mail, cal, card)]
    assert len(set(uuids)) == 4


def test_pop_domain(httpd):
    _, p = profile(httpd, "x@example.org")
    mail = p["PayloadContent"][0]
    assert mail["EmailAccountType"] == "EmailTypePOP"
    assert mail["IncomingMailServerHostName"] == "pop1.example.org"
    assert mail["OutgoingMailServerHostName"] == "secondary-smtp.example.org"
    assert len(p["PayloadContent"]) == 1


def test_identifiers_are_stable_and_distinct(httpd):
    a1 = httpd.get(MC + "user@example.com").body
    a2 = httpd.get(MC + "user@example.com").body
    b = httpd.get(MC + "other@example.com").body
    assert a1 == a2
    pa, pb = plistlib.loads(a1), plistlib.loads(b)
    ids_a = {pa["PayloadUUID"], *(x["PayloadUUID"] for x in pa["PayloadContent"])}
    ids_b = {pb["PayloadUUID"], *(x["PayloadUUID"] for x in pb["PayloadContent"])}
    assert not ids_a & ids_b
    assert pa["PayloadIdentifier"] != pb["PayloadIdentifier"]


def test_name_parameter(httpd):
    _, p = profile(httpd, "user@example.com", "&name=Jane%20D%C3%B6e%20%26%20%3CCo%3E")
    assert p["PayloadContent"][0]["EmailAccountName"] == "Jane Döe & <Co>"


@pytest.mark.parametrize("extra", ["&name=a%0d%0ab", "&name=%ff", "&name=" + "x" * 300,
                                   "&name=a&name=b"])
def test_bad_name_is_400(httpd, extra):
    r = httpd.get(MC + "user@example.com" + extra)
    assert r.status == 400
    assert len(httpd.tagged_since_mark()) == 1
    assert_still_answers(httpd)


def test_password_ignored_when_off(httpd):
    r, p = profile(httpd, "user@example.com", "&password=s3cr%C3%A9t")
    assert b"s3cr" not in r.body
    line = assert_one_line(httpd, "AMX00202")
    # Any client can send one: worth a note, not a warning.
    assert "[automx:info]" in line
    assert "s3cr" not in "\n".join(httpd.log_since_mark())


def test_password_used_when_on(private_httpd, sample_db):
    # The test server speaks plain http: the password must be let through
    # on purpose (test_password_over_plain_http_is_400 is the default).
    private_httpd.start(dbdparams=str(sample_db),
                        extra="AutomxMobileconfigPasswords On\nAutomxMobileconfigPasswordsOverHTTP On")
    r, p = profile(private_httpd, "user@example.com", "&password=s3cr%C3%A9t")
    mail, cal, card = p["PayloadContent"]
    assert mail["IncomingPassword"] == "s3crét"
    assert mail["OutgoingPassword"] == "s3crét"
    assert cal["CalDAVPassword"] == "s3crét" and card["CardDAVPassword"] == "s3crét"
    assert r.header("Cache-Control") == "no-store"
    assert "s3cr" not in private_httpd.error_log.read_text()


def test_password_over_plain_http_is_400(private_httpd, sample_db):
    private_httpd.start(dbdparams=str(sample_db), loglevel="info",
                        extra="AutomxMobileconfigPasswords On")
    r = private_httpd.get(MC + "user@example.com&password=s3cret")
    assert r.status == 400
    assert b"s3cret" not in r.body
    lines = private_httpd.tagged_since_mark()
    assert len(lines) == 1 and "AMX01300" in lines[0] and "[automx:info]" in lines[0], lines
    assert "s3cret" not in private_httpd.error_log.read_text()
    # Without a password the profile is served as before.
    assert private_httpd.get(MC + "user@example.com").status == 200


def test_sample_vhost_logs_no_query_strings(private_httpd, sample_db):
    """conf/automx-vhost.conf's access log format leaves query strings (and
    so Mobileconfig passwords) out, in every virtual host it defines."""
    text = (SQL.parent / "conf" / "automx-vhost.conf").read_text()
    formats = re.findall(r"^LogFormat (.*) (\S+)$", text, re.M)
    assert formats, "the sample defines a log format"
    nick = formats[0][1]
    customlogs = re.findall(r"^\s*CustomLog \S+ (\S+)", text, re.M)
    vhosts = text.count("<VirtualHost")
    assert customlogs == [nick] * vhosts, customlogs
    log = private_httpd.root / "logs" / "sample-access.log"
    private_httpd.start(dbdparams=str(sample_db), access_log=False,
                        extra=f"LogFormat {formats[0][0]} {nick}\nCustomLog {log} {nick}")
    assert private_httpd.get(MC + "user@example.com&password=s3cret").status == 200
    assert private_httpd.get("/mail/config-v1.1.xml?emailaddress=jane@example.com").status == 200
    time.sleep(0.2)
    logged = log.read_text()
    assert "/mobileconfig/" in logged and "/mail/config-v1.1.xml" in logged, logged
    assert "s3cret" not in logged and "jane" not in logged and "?" not in logged, logged


def test_passwords_cannot_be_switched_on_from_htaccess(private_httpd, sample_db):
    htdocs = private_httpd.root / "htdocs"
    htdocs.mkdir(parents=True, exist_ok=True)
    (htdocs / ".htaccess").write_text("AutomxMobileconfigPasswords On\n")
    private_httpd.expect_log(r"AutomxMobileconfigPasswords not allowed here")
    try:
        private_httpd.start(dbdparams=str(sample_db), loglevel="info",
                            # httpd reads .htaccess for mod_automx's URLs only then.
                            extra="AutomxDirectoryWalk On\n"
                                  f'<Directory "{htdocs}">\n    AllowOverride Options\n</Directory>')
        r = private_httpd.get(MC + "user@example.com&password=s3cret")
        assert r.status == 500
        assert b"s3cret" not in r.body
        assert any("AutomxMobileconfigPasswords not allowed here" in l
                   for l in private_httpd.log_since_mark())
    finally:
        (htdocs / ".htaccess").unlink()
    assert private_httpd.get(MC + "user@example.com").status == 200


@pytest.mark.parametrize("address,status", [
    ("", 400), ("nobody", 400), ("a@b@example.com", 400),
    ("x@serverless.tld", 400), ("x@unknown.example", 204)])
def test_statuses(httpd, address, status):
    if address == "x@serverless.tld":
        httpd.expect_log(r"AMX00203: no Mobileconfig for domain \"serverless.tld\"")
    r = httpd.get(MC + address)
    assert r.status == status
    if status == 400:
        assert len(httpd.tagged_since_mark()) == 1
    assert_still_answers(httpd)


def test_missing_address_is_400(httpd):
    assert httpd.get("/mobileconfig/").status == 400
    assert_one_line(httpd, "AMX00012")


def test_invalid_server_type_is_400(httpd):
    httpd.expect_log(r"AMX00013: data error in table server, row id 4005")
    assert httpd.get(MC + "x@ham-n-eggs.tld").status == 400
    assert_one_line(httpd, "AMX00013")


CHOICE = """
DELETE FROM server_domain WHERE domain_id = 3000;
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES
  (5001, 1, 'plain-imap.x', 143, 'imap', 'plain', '%EMAILLOCALPART%', 'plain'),
  (5002, 5, 'ssl-imap.x', 993, 'imap', 'SSL', '%EMAILLOCALPART%', 'plain'),
  (5003, 9, 'later-ssl-imap.x', 993, 'imap', 'SSL', '%EMAILLOCALPART%', 'plain'),
  (5004, 0, 'pop.x', 995, 'pop', 'SSL', '%EMAILLOCALPART%', 'plain'),
  (5005, 1, 'plain-smtp.x', 25, 'smtp', 'plain', '%EMAILADDRESS%', 'none'),
  (5006, 2, 'tls-smtp.x', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'NTLM');
INSERT INTO server_domain (server_id, domain_id) VALUES
  (5001, 3000), (5002, 3000), (5003, 3000), (5004, 3000), (5005, 3000), (5006, 3000);
"""


def test_server_choice(private_httpd, workdir):
    db = make_sqlite_db(workdir / "mc-choice" / "automx.db", SQL / "sample-data.sql", CHOICE)
    private_httpd.start(dbdparams=str(db))
    _, p = profile(private_httpd, "jo@example.com")
    mail = p["PayloadContent"][0]
    # IMAP before POP (though POP has the best prio), encrypted before plain.
    assert mail["IncomingMailServerHostName"] == "ssl-imap.x"
    assert mail["IncomingMailServerUsername"] == "jo"
    assert mail["IncomingMailServerUseSSL"] is True
    assert mail["OutgoingMailServerHostName"] == "tls-smtp.x"
    assert mail["OutgoingMailServerAuthentication"] == "EmailAuthNTLM"


@pytest.mark.parametrize("sql,why", [
    ("UPDATE server SET socket_type = 'plain' WHERE id IN (5002, 5003)", None),
    ("DELETE FROM server_domain WHERE server_id IN (5001, 5002, 5003)", "pop"),
    ("DELETE FROM server_domain WHERE server_id IN (5005, 5006)", "no SMTP"),
    ("DELETE FROM server_domain WHERE server_id IN (5001, 5002, 5003, 5004)", "no IMAP or POP"),
    ("UPDATE server SET authentication = 'CRAM-MD5' WHERE id = 5002", "authentication"),
])
def test_server_choice_variants(private_httpd, workdir, sql, why):
    db = make_sqlite_db(workdir / ("mc-var-%d" % abs(hash(sql))) / "automx.db",
                        SQL / "sample-data.sql", CHOICE, sql + ";")
    private_httpd.start(dbdparams=str(db))
    r = private_httpd.get(MC + "jo@example.com")
    if why in (None, "pop"):
        assert r.status == 200
        mail = plistlib.loads(r.body)["PayloadContent"][0]
        if why is None:   # no encrypted IMAP left: the first by prio
            assert mail["IncomingMailServerHostName"] == "plain-imap.x"
            assert mail["IncomingMailServerUseSSL"] is False
        else:
            assert mail["EmailAccountType"] == "EmailTypePOP"
            assert mail["IncomingMailServerHostName"] == "pop.x"
    else:
        private_httpd.expect_log("AMX0020[3]|AMX00013")
        assert r.status == 400
        lines = private_httpd.tagged_since_mark()
        assert len(lines) == 1 and why in lines[0] and "[automx:error]" in lines[0]


def test_dav_port_from_url(private_httpd, workdir):
    db = make_sqlite_db(workdir / "mc-dav" / "automx.db", SQL / "sample-data.sql",
                        "UPDATE davserver SET url = 'https://dav.example.com:8443/%EMAILLOCALPART%/', "
                        "port = 0 WHERE id = 4100;")
    private_httpd.start(dbdparams=str(db))
    _, p = profile(private_httpd, "jo@example.com")
    cal = p["PayloadContent"][1]
    assert cal["CalDAVHostName"] == "dav.example.com"
    assert cal["CalDAVPort"] == 8443
    assert cal["CalDAVPrincipalURL"] == "https://dav.example.com:8443/jo/"


def test_placeholders_in_the_provider_name_are_expanded(private_httpd, workdir):
    # SPEC §3: every string from the database, the provider's name too.
    db = make_sqlite_db(workdir / "mc-provider" / "automx.db", SQL / "sample-data.sql",
                        "UPDATE provider SET name = 'Mail of %EMAILLOCALPART% at %EMAILDOMAIN% "
                        "(%EMAILADDRESS%)' WHERE id = 1000;")
    private_httpd.start(dbdparams=str(db))
    _, p = profile(private_httpd, "jo@example.com")
    want = "Mail of jo at example.com (jo@example.com)"
    for payload in (p, *p["PayloadContent"]):
        assert payload["PayloadDisplayName"] in (want, f"CalDAV jo@example.com",
                                                 f"CardDAV jo@example.com"), payload
        assert payload["PayloadOrganization"] == want
    assert p["PayloadDisplayName"] == want
    assert p["PayloadContent"][0]["PayloadDisplayName"] == want


def test_filename_is_sanitised(private_httpd, workdir):
    db = make_sqlite_db(workdir / "mc-fn" / "automx.db", SQL / "sample-data.sql",
                        "UPDATE domain SET name = 'we\"ird;x.example' WHERE id = 3000;")
    private_httpd.start(dbdparams=str(db))
    r = private_httpd.get(MC + "jo@we%22ird;x.example")
    assert r.status == 200
    assert r.header("Content-Disposition") == 'attachment; filename="we_ird_x.example.mobileconfig"'


# ---- signing --------------------------------------------------------------

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "30", "-subj", "/CN=Test Root", cwd=d)
    (d / "v3.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr",
            "-subj", "/CN=Test Intermediate", cwd=d)
    openssl("x509", "-req", "-in", "int.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "int.pem", "-days", "30", "-extfile", "v3.ext", cwd=d)
    (d / "leaf.ext").write_text("keyUsage=digitalSignature\nextendedKeyUsage=emailProtection\n")
    for name, days in (("signer", "365"), ("short", "5")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                f"{name}.csr", "-subj", f"/CN=Profile Signer {name}", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "int.pem", "-CAkey", "int.key",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", days, "-extfile", "leaf.ext", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.csr",
            "-subj", "/CN=Other", cwd=d)
    (d / "garbage.pem").write_text("not a certificate\n")
    openssl("pkey", "-in", "signer.key", "-aes256", "-passout", "pass:secret", "-out",
            "encrypted.key", cwd=d)
    return d


def test_signed_profile_verifies_and_carries_the_chain(private_httpd, sample_db, pki, httpd, tmp_path):
    private_httpd.start(dbdparams=str(sample_db),
                        extra=f"AutomxMobileconfigSign {pki}/signer.pem {pki}/signer.key {pki}/int.pem")
    r = private_httpd.get(MC + "user@example.com")
    assert r.status == 200
    assert r.header("Content-Type") == "application/x-apple-aspen-config"
    signed = tmp_path / "p.der"
    signed.write_bytes(r.body)
    v = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(signed),
                        "-CAfile", str(pki / "ca.pem"), "-purpose", "any", "-out", str(tmp_path / "out")],
                       capture_output=True, text=True)
    assert v.returncode == 0, v.stderr
    # The signed content is exactly the unsigned profile of the same address.
    assert (tmp_path / "out").read_bytes() == httpd.get(MC + "user@example.com").body
    certs = subprocess.run(["openssl", "pkcs7", "-print_certs", "-inform", "DER",
                            "-in", str(signed)], capture_output=True, text=True).stdout
    assert "Profile Signer signer" in certs and "Test Intermediate" in certs
    # One changed byte and it no longer verifies.
    tampered = bytearray(r.body)
    i = bytes(tampered).find(b"imap1.example.com")
    tampered[i] ^= 0x01
    signed.write_bytes(bytes(tampered))
    v = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(signed),
                        "-CAfile", str(pki / "ca.pem"), "-purpose", "any", "-out", "/dev/null"],
                       capture_output=True)
    assert v.returncode != 0


@pytest.mark.parametrize("args,named", [
    ("{d}/signer.pem {d}/other.key", "other.key"),
    ("{d}/missing.pem {d}/signer.key", "missing.pem"),
    ("{d}/garbage.pem {d}/signer.key", "garbage.pem"),
    ("{d}/signer.pem {d}/garbage.pem", "garbage.pem"),
    ("{d}/signer.pem {d}/signer.key {d}/garbage.pem", "garbage.pem"),
    ("{d}/signer.pem", "AutomxMobileconfigSign"),
])
def test_configtest_refuses_bad_signing_files(private_httpd, sample_db, pki, args, named):
    code, out = private_httpd.configtest(dbdparams=str(sample_db),
                                         extra="AutomxMobileconfigSign " + args.format(d=pki))
    assert code != 0
    assert named in out and "AutomxMobileconfigSign" in out


def encrypted_key_configtest(h, sample_db, pki, terminal):
    """httpd -t on a config with an encrypted signing key: (exit code,
    output). TERMINAL: on a pseudo terminal of its own, else with no
    terminal and stdin from /dev/null. A prompt fails either way: it shows
    in the output, or it waits until the timeout."""
    conf = h.write_conf(dbdparams=str(sample_db),
                        extra=f"AutomxMobileconfigSign {pki}/signer.pem {pki}/encrypted.key")
    cmd = [h.binary, "-d", str(h.root), "-f", str(conf), "-t"]
    if not terminal:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=20, start_new_session=True, env=httpd_env())
        return p.returncode, p.stdout + p.stderr
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(cmd[0], cmd, httpd_env())
    out, deadline = b"", time.time() + 20
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.time() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("httpd -t waits on the terminal: " + out.decode(errors="replace"))
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:  # EIO: the terminal's other end is closed
                    pass
        while select.select([fd], [], [], 0)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


@pytest.mark.parametrize("terminal", [False, True])
def test_encrypted_key_fails_configtest_without_a_prompt(private_httpd, sample_db, pki, terminal):
    code, out = encrypted_key_configtest(private_httpd, sample_db, pki, terminal)
    assert code != 0, out
    assert "Enter PEM pass phrase" not in out, out
    assert "AutomxMobileconfigSign" in out and f"{pki}/encrypted.key" in out, out
    assert "encrypted" in out, out


def test_short_lived_certificate_warns_and_serves(private_httpd, sample_db, pki):
    private_httpd.expect_log(r"AMX00007: the Mobileconfig signing certificate .*short.pem .*expires in")
    private_httpd.start(dbdparams=str(sample_db),
                        extra=f"AutomxMobileconfigSign {pki}/short.pem {pki}/short.key {pki}/int.pem")
    log = private_httpd.error_log.read_text()
    assert "AMX00007" in log and "[automx:warn]" in log
    # The number of days, not a printf conversion APR's formatter lacks
    # (the certificate is valid for 5 days from a few seconds ago).
    lines = [l for l in log.splitlines() if "AMX00007" in l]
    assert all(re.search(r"expires in [45] days$", l) for l in lines), lines
    assert private_httpd.get(MC + "user@example.com").status == 200
