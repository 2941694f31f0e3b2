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
    assert rc != 0 and "AutomxDirectoryWalk" in out, out
