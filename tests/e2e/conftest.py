"""Fixtures: a private httpd with mod_automx on a seeded database.

The read-only suite (fixture `httpd`) runs once per APR DBD driver:
sqlite3, pgsql and mysql, the last two on private servers started here.
"""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import dbservers
from harness import Httpd, SQL, make_sqlite_db, allow_httpd

DRIVERS = ["sqlite3", "pgsql", "mysql"]
_servers = {}


def unavailable(reason):
    # CI must run every database: there a missing one is a failure.
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def db_server(driver, workdir):
    """The private PostgreSQL or MariaDB server of this session."""
    if driver not in _servers:
        cls = dbservers.PostgresServer if driver == "pgsql" else dbservers.MariaDBServer
        try:
            _servers[driver] = cls().start(workdir / driver)
        except dbservers.Unavailable as e:
            _servers[driver] = e
    srv = _servers[driver]
    if isinstance(srv, Exception):
        unavailable(f"{driver}: {srv}")
    return srv


def load_sample(srv):
    """A fresh database of SRV with the schema and sample data of sql/."""
    srv.reset()
    schema = "postgresql" if srv.driver == "pgsql" else "mysql"
    srv.sql((SQL / schema / "schema.sql").read_text())
    srv.sql((SQL / "sample-data.sql").read_text())


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


@pytest.fixture(scope="session", params=DRIVERS)
def server(request, workdir, sample_db):
    """One httpd per driver for the read-only tests, serving the sample data."""
    driver = request.param
    if driver == "sqlite3":
        params = str(sample_db)
    else:
        srv = db_server(driver, workdir)
        load_sample(srv)
        params = srv.dbd_params
    h = Httpd(workdir / f"httpd-{driver}")
    h.driver = driver
    h.start(dbdriver=driver, dbdparams=params)
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


@pytest.fixture(scope="session", autouse=True)
def sanitizer_reports():
    """Under tools/test-sanitizers: any ASan or UBSan report fails the run."""
    yield
    logs = os.environ.get("AUTOMX_SANITIZER_LOGS")
    if logs:
        reports = sorted(Path(logs).glob("*san.*"))
        text = "\n".join(p.read_text(errors="replace")[:4000] for p in reports)
        assert not reports, "sanitizer reports:\n" + text
