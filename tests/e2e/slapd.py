"""A private OpenLDAP slapd for the tests, never the system one."""
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from dbservers import Unavailable, ensure_packages
from harness import free_port

SUFFIX = "dc=example,dc=com"
BIND_DN = "cn=automx,ou=services," + SUFFIX
BIND_PW = "automx-secret"

LDIF = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=services,{SUFFIX}
objectClass: organizationalUnit
ou: services

dn: {BIND_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: automx
userPassword: {BIND_PW}

dn: ou=mailusers,{SUFFIX}
objectClass: organizationalUnit
ou: mailusers

dn: uid=jdoe,ou=mailusers,{SUFFIX}
objectClass: inetOrgPerson
cn: John Doe
sn: Doe
uid: jdoe
mail: johndoe@example.com

dn: uid=asmith,ou=mailusers,{SUFFIX}
objectClass: inetOrgPerson
cn: Alice Smith
sn: Smith
uid: asmith
mail: alice@example.com

dn: uid=ctl,ou=mailusers,{SUFFIX}
objectClass: inetOrgPerson
cn:: Q3RsAU5hbWU=
sn: Ctl
uid: ctl
mail: ctl@example.com

dn: uid=odd,ou=mailusers,{SUFFIX}
objectClass: inetOrgPerson
cn: Tom & <Jerry>
sn: Odd
uid: odd
mail: odd@example.com
"""


def free_port6():
    """A free port on ::1, or None when the machine has no IPv6 loopback."""
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            return s.getsockname()[1]
    except OSError:
        return None


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    """A test CA, a server certificate it signs, and one it does not."""
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=LDAP Test CA", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out",
            "rogue.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", cwd=d)
    return d


class Slapd:
    def __init__(self, base, pki, cert="server"):
        ensure_packages(["slapd", "ldap-utils"])
        if not Path("/usr/sbin/slapd").exists():
            raise Unavailable("no /usr/sbin/slapd")
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.pki = Path(pki)
        self.cert = cert
        self.port = free_port()
        self.ldaps_port = free_port()
        self.port6 = free_port6()  # on ::1, None without IPv6
        self.proc = None
        self.log = self.base / "slapd.log"
        (self.base / "data").mkdir(exist_ok=True)
        self.conf = self.base / "slapd.conf"
        self.conf.write_text(f"""
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {self.base}/slapd.pid
TLSCACertificateFile {self.pki}/ca.pem
TLSCertificateFile {self.pki}/{cert}.pem
TLSCertificateKeyFile {self.pki}/{cert}.key
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "cn=admin,{SUFFIX}"
rootpw admin-secret
directory {self.base}/data
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{BIND_DN}" read by * none
""")
        (self.base / "data.ldif").write_text(LDIF)
        p = subprocess.run(["slapadd", "-f", str(self.conf), "-l", str(self.base / "data.ldif")],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise Unavailable("slapadd failed: " + p.stderr[-500:])

    def start(self):
        self.proc = subprocess.Popen(
            ["/usr/sbin/slapd", "-f", str(self.conf), "-d", "256",
             "-h", f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.ldaps_port}/"
             + (f" ldap://[::1]:{self.port6}/" if self.port6 else "")],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"))
        deadline = time.time() + 20
        while time.time() < deadline:
            if subprocess.run(["ldapsearch", "-x", "-H", f"ldap://127.0.0.1:{self.port}",
                               "-D", BIND_DN, "-w", BIND_PW, "-b", SUFFIX, "-s", "base"],
                              capture_output=True).returncode == 0:
                return self
            time.sleep(0.1)
        raise Unavailable("slapd did not start: " + self.log.read_text()[-500:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def searches(self, filter_text):
        """How often slapd saw a search with FILTER_TEXT (its stats log)."""
        return self.log.read_text(errors="replace").count(f'filter="{filter_text}"')

    def destroy(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
