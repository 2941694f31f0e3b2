"""The rules by which Thunderbird for Android (formerly K-9 Mail) reads an
Autoconfig document, as its RealAutoconfigParser.kt
(feature/autodiscovery/autoconfig/ in thunderbird/thunderbird-android)
applies them, with the host-name and port checks of its core/common/net
(HostNameUtils.kt, Hostname.kt, Port.kt).

check(body, email) returns what the app takes from the document (the
first IMAP and the first SMTP server) or raises Rejected with the app's
own message. The app throws the whole document away on the first broken
rule, so one bad server anywhere is enough.
"""
import re
import xml.etree.ElementTree as ET


class Rejected(Exception):
    pass


def fail(message):
    raise Rejected(message)


# HostNameUtils.kt
_LDH_LABEL = r"([a-z0-9]|[a-z0-9][a-z0-9\-]{0,61}[a-z0-9])"
_HOST_PATTERN = re.compile(r"(%s\.)*%s\.?" % (_LDH_LABEL, _LDH_LABEL), re.IGNORECASE)
_IPV4_COMPONENT = re.compile(r"(0|([1-9][0-9]{0,2}))")
_IPV6_COMPONENT = re.compile(r"[0-9a-f]{1,4}")


def is_legal_ipv4(host):
    parts = host.split(".")
    if len(parts) != 4:
        return None
    nums = []
    for p in parts:
        if not _IPV4_COMPONENT.fullmatch(p) or int(p) > 255:
            return None
        nums.append(int(p))
    return None if nums[0] == 0 else host


def is_legal_ipv6(host):
    parts = host.lower().split(":")
    if len(parts) < 3:
        return None
    last = is_legal_ipv4(parts[-1])
    if last is not None:
        n = [int(x) for x in last.split(".")]
        parts = parts[:-1] + ["%x" % ((n[0] << 8) | n[1]), "%x" % ((n[2] << 8) | n[3])]
    empty = -1
    for i in range(1, len(parts) - 1):
        if parts[i] == "":
            if empty != -1:
                return None
            empty = i
    if empty != -1:
        parts = parts[:empty] + ["0"] * (8 - len(parts) + 1) + parts[empty + 1:]
    if len(parts) != 8:
        return None
    values = []
    for p in parts:
        if p == "":
            values.append(0)
        elif _IPV6_COMPONENT.fullmatch(p):
            values.append(int(p, 16))
        else:
            return None
    if all(v == 0 for v in values):
        return None
    return ":".join("%04x" % v for v in values)


def is_legal_host_name(host):
    return host if len(host) <= 255 and _HOST_PATTERN.fullmatch(host) else None


def is_legal_host_name_or_ip(host):
    return is_legal_ipv4(host) or is_legal_ipv6(host) or is_legal_host_name(host)


def is_valid_hostname(s):
    """RealAutoconfigParser's String.isValidHostname(): trimmed first."""
    return is_legal_host_name_or_ip(s.strip()) is not None


def to_int_or_null(s):
    """Kotlin's String.toIntOrNull(): an optional sign and digits only."""
    if not re.fullmatch(r"[+-]?[0-9]+", s):
        return None
    n = int(s)
    return n if -2**31 <= n < 2**31 else None


class _Parser:
    def __init__(self, email):
        self.email = email
        self.local, _, self.domain = email.rpartition("@")

    def replace_variables(self, s):
        return (s.replace("%EMAILDOMAIN%", self.domain)
                 .replace("%EMAILLOCALPART%", self.local)
                 .replace("%EMAILADDRESS%", self.email))

    @staticmethod
    def read_text(el):
        # readText(): only text inside; any element is an error.
        if len(el):
            fail("Expected text, but got START_TAG")
        return el.text or ""

    def parse(self, root):
        if root.tag != "clientConfig":
            fail("Missing 'clientConfig' element")
        result = None
        for child in root:
            if child.tag == "emailProvider":
                result = self.parse_email_provider(child)
        if result is None:
            fail("Missing 'emailProvider' element")
        return result

    def parse_email_provider(self, el):
        provider_id = el.get("id")
        if provider_id is None:
            fail("Missing 'emailProvider.id' attribute")
        if not is_valid_hostname(provider_id):
            fail("Invalid 'emailProvider.id' attribute")
        domain_found = False
        incoming = outgoing = None
        for child in el:
            if child.tag == "domain":
                if is_valid_hostname(self.replace_variables(self.read_text(child))):
                    domain_found = True
            elif child.tag == "incomingServer":
                s = self.parse_server(child, "imap")
                if incoming is None:
                    incoming = s
            elif child.tag == "outgoingServer":
                s = self.parse_server(child, "smtp")
                if outgoing is None:
                    outgoing = s
            elif child.tag == "oAuth2":
                self.parse_oauth(child)
        if not domain_found:
            fail("Valid 'domain' element required")
        if incoming is None:
            fail("Missing 'incomingServer' element")
        if outgoing is None:
            fail("Missing 'outgoingServer' element")
        return {"incoming": incoming, "outgoing": outgoing}

    def parse_server(self, el, protocol):
        # A server of another type is skipped, not an error.
        if el.get("type") != protocol:
            return None
        hostname = port = username = security = None
        auth = []
        for child in el.iter():
            if child is el:
                continue
            if child.tag == "hostname":
                text = self.read_text(child)
                hostname = self.replace_variables(text)
                if not is_valid_hostname(hostname):
                    fail("Invalid 'hostname' value: '%s'" % text)
            elif child.tag == "port":
                text = self.read_text(child)
                port = to_int_or_null(text)
                if port is None or not 0 <= port <= 65535:
                    fail("Invalid 'port' value: '%s'" % text)
            elif child.tag == "username":
                username = self.replace_variables(self.read_text(child))
            elif child.tag == "authentication":
                value = self.read_text(child)
                if value in ("OAuth2", "password-cleartext", "password-encrypted"):
                    auth.append(value)
            elif child.tag == "socketType":
                value = self.read_text(child)
                if value == "SSL":
                    security = "TLS"
                elif value == "STARTTLS":
                    security = "StartTLS"
                else:
                    fail("Unknown 'socketType' value: '%s'" % value)
        if hostname is None:
            fail("Missing 'hostname' element")
        if port is None:
            fail("Missing 'port' element")
        if username is None:
            fail("Missing 'username' element")
        if not auth:
            fail("No usable 'authentication' element found")
        if security is None:
            fail("Missing 'socketType' element")
        # Hostname(...) and Port(...) check again, the host name untrimmed.
        if is_legal_host_name_or_ip(hostname) is None:
            fail("Not a valid domain or IP: '%s'" % hostname)
        if not 1 <= port <= 65535:
            fail("Not a valid port number: %d" % port)
        return {"type": protocol, "hostname": hostname, "port": port,
                "connectionSecurity": security, "authenticationTypes": auth,
                "username": username}

    def parse_oauth(self, el):
        urls = {}
        for child in el.iter():
            if child.tag in ("authURL", "tokenURL"):
                urls[child.tag] = self.read_text(child)
        for name in ("authURL", "tokenURL"):
            if name not in urls:
                fail("Missing '%s' element" % name)


def check(body, email):
    """What the app takes from BODY (bytes) for EMAIL, or Rejected."""
    # The pull parser reads the XML declaration only at the very start; a
    # BOM or a blank line before it is "Error parsing Autoconfig XML".
    if not body.startswith(b"<?xml"):
        fail("Error parsing Autoconfig XML: content before <?xml")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        fail("Error parsing Autoconfig XML: %s" % e)
    return _Parser(email).parse(root)
