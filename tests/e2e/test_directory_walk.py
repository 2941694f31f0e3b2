"""The public endpoints' URLs are not mapped to the file system (README 3.2,
AutomxDirectoryWalk): <Directory> and .htaccess do not apply to them,
<Location> does; automx-initdb keeps httpd's walk; On restores it."""
import pytest

from test_autodiscover import AD, XML, request_body

AC = "/mail/config-v1.1.xml?emailaddress=user@example.com"
MC = "/mobileconfig/?emailaddress=user@example.com"


def statuses(h):
    return (h.get(AC).status,
            h.request("POST", AD, body=request_body("user@example.com"), headers=XML).status,
            h.get(MC).status,
            h.get("/").status)


@pytest.fixture
def htdocs(private_httpd):
    d = private_httpd.root / "htdocs"
    d.mkdir(parents=True, exist_ok=True)
    yield d
    (d / ".htaccess").unlink(missing_ok=True)


def test_a_broken_htaccess_is_not_read_for_the_replies(private_httpd, sample_db, htdocs):
    # httpd answers 500 for any URL whose walk reads this file.
    (htdocs / ".htaccess").write_text("NoSuchDirective here\n")
    private_httpd.expect_log(r"Invalid command 'NoSuchDirective'")
    allow = f'<Directory "{htdocs}">\n    AllowOverride All\n</Directory>'
    private_httpd.start(dbdparams=str(sample_db), extra=allow)
    assert statuses(private_httpd) == (200, 200, 200, 200)
    # automx-initdb is walked: the file is read.
    assert private_httpd.get("/initdb/").status == 500

    private_httpd.start(dbdparams=str(sample_db), extra="AutomxDirectoryWalk On\n" + allow)
    assert statuses(private_httpd) == (500, 500, 500, 500)
    (htdocs / ".htaccess").unlink()
    assert statuses(private_httpd) == (200, 200, 200, 200)


def test_directory_sections_apply_only_with_the_walk(private_httpd, sample_db, htdocs):
    deny = f'<Directory "{htdocs}">\n    Require all denied\n</Directory>'
    private_httpd.expect_log(r"AH01630: client denied by server configuration")
    private_httpd.start(dbdparams=str(sample_db), extra=deny)
    assert statuses(private_httpd) == (200, 200, 200, 200)

    # Set for one <Location> only: the rest stays unmapped.
    private_httpd.start(dbdparams=str(sample_db), extra=deny
                        + "\n<Location /mail/>\n    AutomxDirectoryWalk On\n</Location>")
    assert private_httpd.get(AC).status == 403
    assert private_httpd.get(MC).status == 200
    assert private_httpd.get("/").status == 200


def test_location_sections_still_apply(private_httpd, sample_db):
    private_httpd.expect_log(r"AH01630: client denied by server configuration")
    private_httpd.start(dbdparams=str(sample_db),
                        extra="<Location /mail/>\n    Require all denied\n</Location>\n"
                              '<Location />\n    AutomxSiteTitle "Shown here"\n</Location>')
    assert private_httpd.get(AC).status == 403
    assert private_httpd.get(MC).status == 200
    assert b"Shown here" in private_httpd.get("/").body


def test_directives_in_directory_sections_are_warned_about(private_httpd, sample_db, htdocs):
    section = f'<Directory "{htdocs}">\n    AutomxSiteTitle "Never shown"\n</Directory>'
    private_httpd.start(dbdparams=str(sample_db), extra=section)
    log = private_httpd.error_log.read_text()
    assert "AMX02200: AutomxSiteTitle in <Directory" in log, log
    assert b"Never shown" not in private_httpd.get("/").body

    # With the walk on somewhere, such a section can apply: no warning,
    # and here it does.
    private_httpd.error_log.unlink()
    private_httpd.start(dbdparams=str(sample_db), extra="AutomxDirectoryWalk On\n" + section)
    assert "AMX02200" not in private_httpd.error_log.read_text()
    assert b"Never shown" in private_httpd.get("/").body


@pytest.mark.parametrize("section", ["Directory /", "Files x.xml"])
def test_the_switch_is_refused_where_it_could_not_apply(private_httpd, sample_db, section):
    name = section.split()[0]
    rc, out = private_httpd.configtest(
        dbdparams=str(sample_db), extra=f"<{section}>\n    AutomxDirectoryWalk On\n</{name}>")
    assert rc != 0
    assert f"AutomxDirectoryWalk is not allowed in <{name}>" in out, out
    rc, out = private_httpd.configtest(dbdparams=str(sample_db), extra="AutomxDirectoryWalk Maybe")
    assert rc != 0 and "AutomxDirectoryWalk must be On or Off" in out, out


MODULES = "/usr/lib/apache2/modules"


def test_proxied_urls_keep_their_proxy_rules(private_httpd, sample_db, htdocs):
    # A URL below <Location /> that mod_proxy sends elsewhere: mod_proxy
    # walks its <Proxy> sections in the phase the module skips for its own.
    (htdocs / "backend.txt").write_text("from the backend\n")
    private_httpd.expect_log(r"AH01630: client denied by server configuration")
    conf = (f"LoadModule proxy_module {MODULES}/mod_proxy.so\n"
            f"LoadModule proxy_http_module {MODULES}/mod_proxy_http.so\n"
            "<Location /backend.txt>\n    SetHandler none\n</Location>\n"
            f"ProxyPass /proxied/ http://127.0.0.1:{private_httpd.port}/\n")
    private_httpd.start(dbdparams=str(sample_db), extra=conf)
    r = private_httpd.get("/proxied/backend.txt")
    assert (r.status, r.body) == (200, b"from the backend\n")
    private_httpd.start(dbdparams=str(sample_db), extra=conf
                        + '<Proxy "http://127.0.0.1:*">\n    Require all denied\n</Proxy>\n')
    assert private_httpd.get("/proxied/backend.txt").status == 403
    assert statuses(private_httpd) == (200, 200, 200, 200)


def test_a_uri_rewritten_in_translation_is_walked(private_httpd, sample_db, htdocs):
    private_httpd.expect_log(r"AH01630: client denied by server configuration")
    private_httpd.start(dbdparams=str(sample_db), extra=(
        f"LoadModule rewrite_module {MODULES}/mod_rewrite.so\n"
        "RewriteEngine On\nRewriteRule ^/other$ /mail/config-v1.1.xml [PT]\n"
        f'<Directory "{htdocs}">\n    Require all denied\n</Directory>'))
    assert private_httpd.get("/other?emailaddress=user@example.com").status == 403
    assert private_httpd.get(AC).status == 200


def test_a_handler_changed_after_translation_is_refused(private_httpd, sample_db, htdocs):
    # mod_rewrite's [H] in the server context sets the handler after
    # translate_name: the request was not walked, so it must not run.
    private_httpd.expect_log(r"AMX02201: /mail/h was not mapped")
    rule = (f"LoadModule rewrite_module {MODULES}/mod_rewrite.so\n"
            "RewriteEngine On\nRewriteRule ^/mail/h$ - [H=default-handler]\n")
    private_httpd.start(dbdparams=str(sample_db), extra=rule)
    assert private_httpd.get("/mail/h").status == 500
    assert any("AMX02201: /mail/h was not mapped" in l for l in private_httpd.log_since_mark())
    assert private_httpd.get(AC).status == 200
    private_httpd.start(dbdparams=str(sample_db), extra=rule + "AutomxDirectoryWalk On\n")
    assert private_httpd.get("/mail/h").status == 404   # walked: no such file


def test_trace_is_httpds_as_before(private_httpd, sample_db):
    private_httpd.start(dbdparams=str(sample_db))
    r = private_httpd.request("TRACE", "/mail/config-v1.1.xml")
    assert r.status == 200 and r.header("Content-Type").startswith("message/http")
    private_httpd.start(dbdparams=str(sample_db), extra="TraceEnable Off")
    assert private_httpd.request("TRACE", "/mail/config-v1.1.xml").status == 405
    assert statuses(private_httpd) == (200, 200, 200, 200)
