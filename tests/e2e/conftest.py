"""Fixtures: a private httpd with mod_automx and a seeded SQLite file."""
import shutil
import tempfile
from pathlib import Path

import pytest

from harness import Httpd, SQL, make_sqlite_db, allow_httpd


@pytest.fixture(scope="session")
def workdir():
    d = Path(tempfile.mkdtemp(prefix="automx-test-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def sample_db(workdir):
    """The sample data of SPEC §8 in a real SQLite file."""
    return make_sqlite_db(workdir / "sample" / "automx.db", SQL / "sample-data.sql")


@pytest.fixture(scope="session")
def server(workdir, sample_db):
    """One httpd for the read-only tests, serving the sample database."""
    h = Httpd(workdir / "httpd")
    h.start(dbdparams=str(sample_db))
    yield h
    h.stop()


@pytest.fixture
def httpd(server):
    """The shared server; fails the test on an unexpected warn/error line."""
    if not server.alive():
        pytest.fail("httpd died in an earlier test")
    server.mark()
    server.expected = []
    yield server
    bad = server.unexpected_log_lines()
    assert server.alive(), "httpd died"
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)


@pytest.fixture
def private_httpd(workdir, request):
    """A server of the test's own, with a config the test chooses."""
    n = getattr(private_httpd, "count", 0) + 1
    private_httpd.count = n
    h = Httpd(workdir / f"private{n}")
    yield h
    bad = h.unexpected_log_lines() if h.error_log.exists() else []
    h.stop()
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)
