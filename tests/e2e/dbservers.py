"""Private PostgreSQL and MariaDB servers for the tests, never the system ones.

Each server lives in a directory of its own, listens on 127.0.0.1 on a free
port and on a socket in that directory, and is removed afterwards. The
Debian packages are installed when missing (as root); without them the
tests that need a server are skipped with the reason, except in CI, where
a missing server is a failure.
"""
import atexit
import glob
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from harness import free_port

PG_PACKAGES = ["postgresql", "libaprutil1-dbd-pgsql"]
MARIADB_PACKAGES = ["mariadb-server", "mariadb-client", "libaprutil1-dbd-mysql"]


class Unavailable(Exception):
    """The server cannot be had here; the message says why."""


def _installed(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
    return "install ok installed" in p.stdout


def ensure_packages(names):
    missing = [n for n in names if not _installed(n)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise Unavailable("missing Debian packages (run as root to install): " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", *missing]
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise Unavailable("cannot install " + " ".join(missing) + ": " + p.stderr[-500:])


def _as(user, cmd):
    """CMD run as USER when we are root (database servers refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *cmd]
    return cmd


def _chown(path, user):
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", f"{user}:{user}", str(path)], check=True)


def _wait(check, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise Unavailable(f"{what} did not become ready in {timeout} s")


_running = []


@atexit.register
def _stop_all():
    for server in list(_running):
        server.destroy()


class PostgresServer:
    driver = "pgsql"
    user = "automx"
    password = "automx"
    dbname = "automx"
    host = "127.0.0.1"

    def __init__(self):
        ensure_packages(PG_PACKAGES)
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
        if not bins:
            raise Unavailable("no PostgreSQL server binary under /usr/lib/postgresql")
        self.bindir = Path(bins[-1]).parent
        self.proc = None
        self.base = None

    @property
    def dbd_params(self):
        return (f"host={self.host} port={self.port} dbname={self.dbname} "
                f"user={self.user} password={self.password} connect_timeout=3")

    def start(self, basedir):
        self.base = Path(basedir)
        self.base.mkdir(parents=True, exist_ok=True)
        self.data = self.base / "data"
        self.port = free_port()
        _chown(self.base, "postgres")
        subprocess.run(_as("postgres", [str(self.bindir / "initdb"), "-D", str(self.data),
                                        "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                        "--locale=C.UTF-8"]),
                       check=True, capture_output=True)
        _running.append(self)
        self.start_again()
        self.psql_admin(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'")
        self.psql_admin(f"CREATE DATABASE {self.dbname} OWNER {self.user}")
        return self

    def start_again(self):
        self.proc = subprocess.Popen(
            _as("postgres", [str(self.bindir / "postgres"), "-D", str(self.data),
                             "-p", str(self.port), "-k", str(self.base),
                             "-c", f"listen_addresses={self.host}", "-c", "fsync=off",
                             "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]),
            stdout=subprocess.DEVNULL, stderr=open(self.base / "postgres.log", "ab"))
        _wait(lambda: subprocess.run([str(self.bindir / "pg_isready"), "-h", str(self.base),
                                      "-p", str(self.port)], capture_output=True).returncode == 0,
              "PostgreSQL")

    def psql_admin(self, sql):
        subprocess.run(_as("postgres", ["psql", "-h", str(self.base), "-p", str(self.port),
                                        "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q",
                                        "-c", sql]), check=True, capture_output=True)

    def sql(self, text):
        env = dict(os.environ, PGPASSWORD=self.password)
        p = subprocess.run(["psql", "-h", self.host, "-p", str(self.port), "-U", self.user,
                            "-d", self.dbname, "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t"],
                           input=text, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        return p.stdout

    def reset(self):
        """Drops every table: a fresh, empty database."""
        self.sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # runuser does not pass signals on: ask postgres itself.
            subprocess.run(_as("postgres", [str(self.bindir / "pg_ctl"), "-D", str(self.data),
                                            "stop", "-m", "fast", "-w"]), capture_output=True)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def destroy(self):
        self.stop()
        if self in _running:
            _running.remove(self)
        if self.base:
            shutil.rmtree(self.base, ignore_errors=True)


class MariaDBServer:
    driver = "mysql"
    user = "automx"
    password = "automx"
    dbname = "automx"
    host = "127.0.0.1"

    def __init__(self):
        ensure_packages(MARIADB_PACKAGES)
        self.server = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        if not Path(self.server).exists():
            raise Unavailable("no mariadbd binary")
        self.proc = None
        self.base = None

    @property
    def dbd_params(self):
        return (f"host={self.host},port={self.port},user={self.user},pass={self.password},"
                f"dbname={self.dbname}")

    def start(self, basedir):
        self.base = Path(basedir)
        self.base.mkdir(parents=True, exist_ok=True)
        self.data = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.port = free_port()
        _chown(self.base, "mysql")
        cmd = ["mariadb-install-db", "--no-defaults", f"--datadir={self.data}",
               "--auth-root-authentication-method=normal", "--skip-test-db"]
        if os.geteuid() == 0:
            cmd.append("--user=mysql")
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise Unavailable("mariadb-install-db failed: " + p.stderr[-500:])
        _running.append(self)
        self.start_again()
        self.admin(f"CREATE DATABASE {self.dbname} COLLATE utf8mb4_general_ci;"
                   f"CREATE USER '{self.user}'@'%' IDENTIFIED BY '{self.password}';"
                   f"CREATE USER '{self.user}'@'localhost' IDENTIFIED BY '{self.password}';"
                   f"GRANT ALL ON {self.dbname}.* TO '{self.user}'@'%';"
                   f"GRANT ALL ON {self.dbname}.* TO '{self.user}'@'localhost';")
        return self

    def start_again(self):
        cmd = [self.server, "--no-defaults", f"--datadir={self.data}", f"--socket={self.socket}",
               f"--port={self.port}", f"--bind-address={self.host}",
               f"--pid-file={self.base / 'mysqld.pid'}", "--skip-log-bin",
               "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M",
               "--innodb-flush-log-at-trx-commit=0", "--skip-name-resolve",
               f"--log-error={self.base / 'mysqld.log'}"]
        if os.geteuid() == 0:
            cmd.append("--user=mysql")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: self.proc.poll() is None and subprocess.run(
            ["mariadb-admin", "--no-defaults", f"--socket={self.socket}", "-uroot", "ping"],
            capture_output=True).returncode == 0, "MariaDB")

    def admin(self, sql):
        subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot",
                        "-e", sql], check=True, capture_output=True)

    def sql(self, text):
        p = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}",
                            f"-u{self.user}", f"-p{self.password}", "-N", "-B", self.dbname],
                           input=text, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        return p.stdout

    def reset(self):
        self.admin(f"DROP DATABASE {self.dbname}; CREATE DATABASE {self.dbname} "
                   "COLLATE utf8mb4_general_ci;")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def destroy(self):
        self.stop()
        if self in _running:
            _running.remove(self)
        if self.base:
            shutil.rmtree(self.base, ignore_errors=True)
