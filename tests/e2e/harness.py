"""A real httpd with the freshly built mod_automx, for end-to-end tests."""
import http.client
import itertools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import mkconf  # noqa: E402

SQL = REPO / "sql"
# The schema's indexes besides primary keys and UNIQUE constraints: what
# the lookups of every request search by.
LOOKUP_INDEXES = {"domain_name_lower", "domain_provider_name", "server_domain_by_domain",
                  "davserver_domain_by_domain"}

# Log levels that fail a test unless the test said it expects them.
BAD_LEVEL = re.compile(r"\[[a-z_]+:(warn|error|crit|alert|emerg)\]")
TAG = re.compile(r"AMX\d{5}")
DEBUG_LEVEL = re.compile(r"\[[a-z_]+:(debug|trace\d)\]")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_sqlite_db(path, *scripts):
    """A fresh SQLite file with the schema and the given SQL scripts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A database in write-ahead-log mode is three files; a log left behind
    # would be read as part of the new one.
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if stale.exists():
            stale.unlink()
    con = sqlite3.connect(path)
    con.executescript((SQL / "sqlite" / "schema.sql").read_text())
    for script in scripts:
        con.executescript(Path(script).read_text() if isinstance(script, Path) else script)
    con.commit()
    con.close()
    allow_httpd(path.parent)
    return path


def allow_httpd(directory):
    """httpd's children run as www-data when the tests run as root."""
    if os.geteuid() == 0:
        for p in [directory, *Path(directory).iterdir()]:
            os.chown(p, 33, 33)


class Reply:
    def __init__(self, status, headers, body, test_id=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.test_id = test_id  # the X-Test-Id it was asked with

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def text(self):
        return self.body.decode("utf-8")

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:200]!r}>"


def httpd_env():
    """httpd's environment; under tools/test-sanitizers with the ASan runtime
    preloaded (the stock apache2 is not instrumented, the module is)."""
    env = dict(os.environ)
    logs = os.environ.get("AUTOMX_SANITIZER_LOGS")
    if logs:
        libasan = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True,
                                 text=True).stdout.strip()
        env["LD_PRELOAD"] = libasan
        # httpd's pools are freed at exit, not before: leaks are not findings.
        # Findings in httpd and APR that are not the module's are suppressed,
        # each with its reason, in tests/sanitizers/asan.supp.
        env["ASAN_OPTIONS"] = (f"detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path={logs}/asan"
                               f":suppressions={REPO}/tests/sanitizers/asan.supp")
        env["UBSAN_OPTIONS"] = f"halt_on_error=1:print_stacktrace=1:log_path={logs}/ubsan"
    return env


VALGRIND_LOGS = os.environ.get("AUTOMX_VALGRIND_LOGS")
# Under AddressSanitizer (tools/test-sanitizers) a process's resident
# memory says nothing of the module's: freed memory stays in ASan's
# quarantine (256 MB) and every allocation has its shadow.
SANITIZED = bool(os.environ.get("AUTOMX_SANITIZER_LOGS"))
# Timeouts under memcheck: httpd starts and answers several times slower;
# eight times the usual waits carry the whole suite.
SLOW = 8 if VALGRIND_LOGS else 1


def httpd_command(binary, args, serve=True):
    """httpd's command line; under tools/test-valgrind inside valgrind's
    memcheck, and when it is to SERVE as httpd -X (one process, so memcheck
    sees every request)."""
    if not VALGRIND_LOGS:
        return [binary, *args]
    return ["valgrind", "--tool=memcheck", f"--log-file={VALGRIND_LOGS}/memcheck.%p",
            f"--suppressions={REPO}/tests/valgrind/httpd.supp", "--num-callers=40",
            "--leak-check=full", "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
            "--track-origins=yes", "--keep-debuginfo=yes", binary, *args, *(["-X"] if serve else [])]


class Httpd:
    """One private httpd; `start` (re)writes its config and (re)starts it."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc = None
        self.binary = mkconf.httpd_binary()
        self.log_offset = 0
        self.expected = []   # regexps of warn/error lines a test expects
        self.request_ids = itertools.count(1)

    @property
    def error_log(self):
        return self.root / "logs" / "error.log"

    def write_conf(self, **kw):
        kw.setdefault("listen", f"127.0.0.1:{self.port}")
        return mkconf.write_conf(self.root, **kw)

    def configtest(self, **kw):
        """Runs `httpd -t` on a config; returns (exit code, output)."""
        conf = self.write_conf(**kw)
        p = subprocess.run(httpd_command(self.binary, ["-d", str(self.root), "-f", str(conf), "-t"],
                                         serve=False),
                           capture_output=True, text=True, timeout=30 * SLOW, env=httpd_env())
        return p.returncode, p.stdout + p.stderr

    def start(self, **kw):
        self.stop()
        conf = self.write_conf(**kw)
        self.mark()
        self.proc = subprocess.Popen(
            httpd_command(self.binary, ["-d", str(self.root), "-f", str(conf), "-DFOREGROUND"]),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=httpd_env(),
            # prefork signals its whole process group when it stops.
            start_new_session=True)
        deadline = time.time() + 15 * SLOW
        while time.time() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise RuntimeError(f"httpd exited with {self.proc.returncode}: {out}\n"
                                   + self.read_log_tail())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("httpd did not start listening")
        # The port accepts connections after the first configuration pass;
        # the second pass (whose start-up warnings a test may look for) ends
        # with the MPM's AH00489 notice, or, with -X, which has no such
        # notice, when the one process answers.
        while not self.finished_starting():
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("httpd did not finish starting\n" + self.read_log_tail())
            time.sleep(0.02)
        self.mark()

    def finished_starting(self):
        if not VALGRIND_LOGS:
            # AH00163 is prefork's wording of it.
            return any("AH00489" in l or "AH00163" in l for l in self.log_since_mark())
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
                s.sendall(b"OPTIONS * HTTP/1.0\r\n\r\n")
                return s.recv(16).startswith(b"HTTP/")
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def read_log_tail(self, n=20):
        if not self.error_log.exists():
            return ""
        return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-n:])

    # ---- the error log -------------------------------------------------
    def mark(self):
        self.log_offset = self.error_log.stat().st_size if self.error_log.exists() else 0

    def log_since_mark(self):
        if not self.error_log.exists():
            return []
        with open(self.error_log, "rb") as f:
            f.seek(self.log_offset)
            return f.read().decode("utf-8", errors="replace").splitlines()

    def tagged_since_mark(self, with_debug=False):
        """Lines since the mark that carry one of the module's tags, at
        info level and above unless WITH_DEBUG."""
        time.sleep(0.05)  # httpd writes the log line after the reply
        return [l for l in self.log_since_mark() if TAG.search(l)
                and (with_debug or not DEBUG_LEVEL.search(l))]

    def expect_log(self, pattern):
        """A warn/error line matching PATTERN will not fail this test."""
        self.expected.append(re.compile(pattern))

    def unexpected_log_lines(self):
        bad = []
        for line in self.log_since_mark():
            if BAD_LEVEL.search(line) and not any(p.search(line) for p in self.expected):
                bad.append(line)
        return bad

    # ---- processes -----------------------------------------------------
    @property
    def access_log(self):
        return self.root / "logs" / "access.log"

    def access_offset(self):
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def answered_by(self, offset=0):
        """(request line, status, pid) of every request logged after byte
        OFFSET of the access log: the pid is the process that answered."""
        time.sleep(0.05)  # httpd logs a request after its reply
        if not self.access_log.exists():
            return []
        with open(self.access_log, "rb") as f:
            f.seek(offset)
            lines = f.read().decode("utf-8", errors="replace").splitlines()
        out = []
        for line in lines:
            m = re.search(r'"([^"]*)" (\d{3}) \S+ pid=(\d+) id=\S+$', line)
            if m:
                out.append((m.group(1), int(m.group(2)), int(m.group(3))))
        return out

    def children(self):
        """The pids of httpd's child processes."""
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if self.proc and int(fields[1]) == self.proc.pid:
                kids.append(int(stat.parent.name))
        return kids

    @staticmethod
    def memory_kb(pid, field="VmHWM"):
        """A process's memory figure from /proc/PID/status, in kB (VmHWM:
        the peak resident set)."""
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    # ---- requests ------------------------------------------------------
    def request(self, method, path, body=None, headers=None, host=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout * SLOW)
        test_id = str(next(self.request_ids))
        try:
            hdrs = dict(headers or {})
            hdrs.setdefault("X-Test-Id", test_id)
            if host is not None:
                conn.putrequest(method, path, skip_host=True)
                conn.putheader("Host", host)
                for k, v in hdrs.items():
                    conn.putheader(k, v)
                if body is not None:
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
            else:
                conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return Reply(resp.status, resp.getheaders(), resp.read(), hdrs["X-Test-Id"])
        finally:
            conn.close()

    def served_by(self, replies, timeout=5):
        """The pid of the httpd process that served each of REPLIES, read
        from the access log (%P), which httpd writes after the reply."""
        want = {r.test_id for r in replies}
        deadline = time.time() + timeout * SLOW
        while True:
            pids = {}
            if self.access_log.exists():
                for m in re.finditer(r" pid=(\d+) id=(\S+)$", self.access_log.read_text(), re.M):
                    if m.group(2) in want:
                        pids[m.group(2)] = int(m.group(1))
            if len(pids) == len(want) or time.time() > deadline:
                return [pids.get(r.test_id) for r in replies]
            time.sleep(0.05)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def raw(self, data, timeout=10):
        """Sends raw bytes and returns the raw reply (for malformed requests)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout * SLOW) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    c = s.recv(65536)
                    if not c:
                        break
                    chunks.append(c)
            except socket.timeout:
                pass
            return b"".join(chunks)


def pipelined_autoconfig(port, ids, batch=100):
    """Autoconfig for u@d<ID>.example (the synthetic dataset) for each of
    IDS on one connection, BATCH requests pipelined at a time; the
    statuses. Fast enough to ask for 100,000 domains in seconds."""
    ids = list(ids)
    statuses = []
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        replies = sock.makefile("rb")
        for start in range(0, len(ids), batch):
            part = ids[start:start + batch]
            sock.sendall(b"".join(
                f"GET /mail/config-v1.1.xml?emailaddress=u@d{i}.example HTTP/1.1\r\n"
                f"Host: localhost\r\n\r\n".encode() for i in part))
            for _ in part:
                statuses.append(int(replies.readline().split()[1]))
                length = 0
                while (line := replies.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                replies.read(length)
    return statuses
