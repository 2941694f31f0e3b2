"""The self-service page at / (SPEC §9) over HTTP: what each visitor gets,
the statuses, escaping, the CSP, branding and the template directive."""
import base64
import hashlib
import re
from urllib.parse import quote

import pytest

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def page(h, address, ua=DESKTOP):
    return h.get("/?emailaddress=" + quote(address, safe=""), headers={"User-Agent": ua})


def rows(html, table):
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body)]


def test_settings_of_the_sample_address(httpd):
    r = page(httpd, "user@example.com")
    assert r.status == 200
    assert r.header("Content-Type") == "text/html; charset=utf-8"
    assert rows(r.text, "mail-settings") == [
        ["Incoming (IMAP)", "imap1.example.com", "143", "STARTTLS", "user@example.com"],
        ["Outgoing (SMTP)", "primary-smtp.example.com", "587", "STARTTLS", "user@example.com"]]
    assert rows(r.text, "dav-settings") == [
        ["Calendar (CalDAV)", "https://caldav.example.com", "user@example.com"],
        ["Contacts (CardDAV)", "http://carddav.example.com", "(as for mail)"]]
    assert "Big Corporation, Inc." in r.text
    assert "<b>Thunderbird</b> and <b>Outlook</b> configure themselves" in r.text
    # The QR code shows the page's own absolute URL, as the visitor asked it.
    assert re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="qr"', r.text)
    assert f"<code>http://127.0.0.1:{httpd.port}/?emailaddress=user%40example.com</code>" in r.text
    r = httpd.get("/?emailaddress=user%40example.com", host="autoconfig.example.com")
    assert "<code>http://autoconfig.example.com/?emailaddress=user%40example.com</code>" in r.text
    assert "<script" not in r.text


def test_iphone_gets_the_profile_button_and_the_profile(httpd):
    r = page(httpd, "user@example.com", IPHONE)
    m = re.search(r'<a class="button" id="install-profile" href="([^"]+)">Install profile</a>',
                  r.text)
    assert m
    href = m.group(1).replace("&amp;", "&")
    assert href == "/mobileconfig/?emailaddress=user%40example.com"
    p = httpd.get(href, headers={"User-Agent": IPHONE})
    assert p.status == 200
    assert p.header("Content-Type") == "application/x-apple-aspen-config"
    assert b"<string>user@example.com</string>" in p.body


def test_android_is_told_the_app_sets_itself_up(httpd):
    r = page(httpd, "user@example.net", ANDROID)
    assert r.status == 200
    assert "Thunderbird for Android" in r.text and "finds these settings by itself" in r.text
    assert "Install profile" not in r.text
    assert rows(r.text, "mail-settings")[0][1] == "imap2.example.net"


def test_headers(httpd):
    r = page(httpd, "user@example.com")
    csp = r.header("Content-Security-Policy")
    assert "default-src 'none'" in csp and "script" not in csp and "unsafe" not in csp
    # The inline style sheet is the one the policy allows by its hash.
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("Referrer-Policy") == "no-referrer"


def test_every_value_is_escaped(httpd):
    r = page(httpd, '<script>alert(1)</script>"@example.com')
    assert r.status == 200
    assert "<script" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;@example.com" in r.text


def test_unknown_domain_is_a_friendly_page(httpd):
    r = page(httpd, "someone@unknown.example")
    assert r.status == 200
    assert "No settings for someone@unknown.example" in r.text
    assert 'value="someone@unknown.example"' in r.text


@pytest.mark.parametrize("query", ["?emailaddress=no-at-sign", "?emailaddress=a%20b%40example.com",
                                   "?emailaddress=a@b@example.com", "?emailaddress=%zz",
                                   "?emailaddress=a@example.com&emailaddress=b@example.com",
                                   "?emailaddress=" + "a" * 400 + "@example.com"])
def test_invalid_address_is_400_with_a_clear_page(httpd, query):
    r = httpd.get("/" + query)
    assert r.status == 400
    assert "That is not an email address" in r.text
    assert r.header("Content-Type") == "text/html; charset=utf-8"
    assert any(t in l for l in httpd.tagged_since_mark() for t in ("AMX01501", "AMX01502"))
    assert page(httpd, "user@example.com").status == 200


def test_data_error_is_400(httpd):
    httpd.expect_log(r"AMX00013: data error in table server, row id 4005")
    r = page(httpd, "user@ham-n-eggs.tld")
    assert r.status == 400
    assert "Settings unavailable" in r.text
    assert page(httpd, "user@example.com").status == 200


def test_domain_without_servers_has_no_profile(httpd):
    r = page(httpd, "user@serverless.tld", IPHONE)
    assert r.status == 200
    assert "This domain has no mail servers." in r.text
    assert "Install profile" not in r.text and "No profile can be made" in r.text


def test_empty_address_shows_the_form(httpd):
    r = httpd.get("/?emailaddress=")
    assert r.status == 200 and 'name="emailaddress"' in r.text


def test_branding(private_httpd, sample_db):
    private_httpd.start(dbdparams=str(sample_db), extra="\n".join([
        'AutomxSiteTitle "Ham & Eggs <Mail>"',
        "AutomxSiteLogo https://static.example.com/logo.svg",
        "AutomxSiteSupport mailto:help@example.com"]))
    r = page(private_httpd, "user@example.com")
    assert "<title>Ham &amp; Eggs &lt;Mail&gt;</title>" in r.text
    assert '<img src="https://static.example.com/logo.svg" alt="">' in r.text
    assert '<a id="support" href="mailto:help@example.com">' in r.text


def test_template_file(private_httpd, sample_db, workdir):
    t = workdir / "site-template.html"
    t.write_text("<!DOCTYPE html><html><head><title>{{title}}</title>{{style}}</head>"
                 "<body><div id=brand>{{logo}} ACME</div>{{content}}<p>{{support}}</p>"
                 "{{ left alone</body></html>")
    private_httpd.start(dbdparams=str(sample_db),
                        extra=f'AutomxSiteTemplate "{t}"\nAutomxSiteTitle ACME')
    r = page(private_httpd, "user@example.com")
    assert r.text.startswith("<!DOCTYPE html><html><head><title>ACME</title><style>")
    assert "<div id=brand> ACME</div>" in r.text
    assert rows(r.text, "mail-settings")[0][1] == "imap1.example.com"
    assert r.text.endswith("{{ left alone</body></html>")


def test_template_problems_fail_configtest(private_httpd, sample_db, workdir):
    missing = workdir / "no-such-template.html"
    code, out = private_httpd.configtest(dbdparams=str(sample_db),
                                         extra=f'AutomxSiteTemplate "{missing}"')
    assert code != 0 and "AutomxSiteTemplate" in out and str(missing) in out
    bad = workdir / "bad-template.html"
    bad.write_text("<p>{{content}} {{user}}</p>")
    code, out = private_httpd.configtest(dbdparams=str(sample_db),
                                         extra=f'AutomxSiteTemplate "{bad}"')
    assert code != 0 and str(bad) in out and "{{user}}" in out
    bad.write_text("<p>no content</p>")
    code, out = private_httpd.configtest(dbdparams=str(sample_db),
                                         extra=f'AutomxSiteTemplate "{bad}"')
    assert code != 0 and "no {{content}}" in out
    for line in ["AutomxSiteLogo javascript:alert(1)", "AutomxSiteSupport logo.png"]:
        code, out = private_httpd.configtest(dbdparams=str(sample_db), extra=line)
        assert code != 0 and line.split()[0] in out
