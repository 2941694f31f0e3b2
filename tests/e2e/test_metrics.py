"""Metrics (SPEC §15): counters summed over several httpd processes, the
Prometheus text format, a graceful restart, mod_status's section."""
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

import mkconf

AC = "/mail/config-v1.1.xml?emailaddress=user@example.com"
# prefork: one process per connection, so a connection held open keeps one
# process busy and the next requests are served by the others.
PREFORK = """
StartServers 3
MinSpareServers 3
MaxSpareServers 5
ServerLimit 5
MaxRequestWorkers 5
LogFormat "%P %>s %U" pids
CustomLog "logs/pids.log" pids
<Location /metrics>
    SetHandler automx-metrics
</Location>
"""


def metrics(h):
    # A request is counted after its reply is sent (log_transaction), maybe
    # by another process than the one that answers this.
    time.sleep(0.3)
    r = h.get("/metrics")
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    return r.text


def sample(text, line):
    m = re.search("^" + re.escape(line) + r" (\S+)$", text, re.M)
    return m and m.group(1)


def test_counters_summed_over_processes(private_httpd, sample_db):
    h = private_httpd
    # Every request asks the database, so that the queries counted are
    # those of the requests (the cache's counters: test_cache_and_503_by_cause).
    h.start(dbdparams=str(sample_db), extra=PREFORK + "AutomxCache Off", mpm="prefork")
    held = socket.create_connection(("127.0.0.1", h.port))
    held.sendall(f"GET {AC} HTTP/1.1\r\n".encode())   # one process waits for the rest
    time.sleep(0.3)
    for _ in range(3):
        assert h.get(AC).status == 200
    assert h.get("/mail/config-v1.1.xml?emailaddress=x@unknown.example").status == 204
    assert h.get("/mobileconfig?emailaddress=user@example.com").status == 200
    assert h.get("/nowhere").status == 404
    assert h.request("DELETE", AC).status == 405
    held.sendall(b"Host: localhost\r\nConnection: close\r\n\r\n")
    assert held.recv(12) == b"HTTP/1.1 200"
    held.close()
    time.sleep(0.3)
    pids = {l.split()[0] for l in (h.root / "logs" / "pids.log").read_text().splitlines()
            if "/metrics" not in l}
    assert len(pids) >= 2, pids
    t = metrics(h)
    assert sample(t, 'automx_requests_total{endpoint="autoconfig",code="200"}') == "4"
    assert sample(t, 'automx_requests_total{endpoint="autoconfig",code="204"}') == "1"
    assert sample(t, 'automx_requests_total{endpoint="autoconfig",code="405"}') == "1"
    assert sample(t, 'automx_requests_total{endpoint="mobileconfig",code="200"}') == "1"
    assert sample(t, 'automx_requests_total{endpoint="none",code="404"}') == "1"
    assert sample(t, "automx_db_query_duration_seconds_count") == "6"
    assert sample(t, "automx_cache_hits_total") == "0"
    # The server still answers after the 404 and 405.
    assert h.get(AC).status == 200

    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool (Debian package prometheus) is not installed")
    p = subprocess.run([promtool, "check", "metrics"], input=t, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr

    # A graceful restart: new children, the same figures.
    h.mark()
    h.proc.send_signal(signal.SIGUSR1)
    deadline = time.time() + 15
    while not any("AH00163" in l for l in h.log_since_mark()):
        assert time.time() < deadline, h.read_log_tail()
        time.sleep(0.1)
    h.mark()
    assert h.get(AC).status == 200
    t = metrics(h)
    assert sample(t, 'automx_requests_total{endpoint="autoconfig",code="200"}') == "6"
    assert sample(t, "automx_db_query_duration_seconds_count") == "8"
    # PACC is an endpoint of its own, not Autodiscover's.
    status = h.get("/.well-known/user-agent-configuration.json",
                   host="ua-auto-config.example.com").status
    time.sleep(0.3)
    after = metrics(h)
    assert sample(after, f'automx_requests_total{{endpoint="pacc",code="{status}"}}') == "1"
    assert sample(after, 'automx_requests_total{endpoint="autodiscover-json",code="%d"}' % status) is None


def test_mod_status_section(private_httpd, sample_db):
    h = private_httpd
    moddir = mkconf.apxs_query("LIBEXECDIR")
    h.start(dbdparams=str(sample_db), load_extra=f"LoadModule status_module {moddir}/mod_status.so",
            extra="<Location /server-status>\n SetHandler server-status\n</Location>")
    assert h.get(AC).status == 200
    time.sleep(0.3)  # counted after the reply was sent
    r = h.get("/server-status")
    assert r.status == 200 and "<h2>mod_automx</h2>" in r.text
    assert "<tr><td>autoconfig</td><td>200</td><td>1</td></tr>" in r.text
    r = h.get("/server-status?auto")
    assert "AutomxRequestsAutoconfig: 1\n" in r.text
    assert "AutomxDBQueries: 1\n" in r.text


def test_without_mod_status_and_with_metrics_off(private_httpd, sample_db):
    h = private_httpd
    code, out = h.configtest(dbdparams=str(sample_db), extra=PREFORK, mpm="prefork")
    assert code == 0, out
    h.start(dbdparams=str(sample_db), extra=PREFORK + "AutomxMetrics Off", mpm="prefork")
    assert h.get(AC).status == 200
    assert h.get("/metrics").status == 404
    assert h.get(AC).status == 200
    code, out = h.configtest(dbdparams=str(sample_db), extra="<VirtualHost *:1>\nAutomxMetrics Off\n</VirtualHost>")
    assert code != 0 and "AutomxMetrics" in out


def test_a_prometheus_server_scrapes_the_counters(private_httpd, sample_db, workdir):
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.skip("prometheus (Debian package prometheus) is not installed")
    h = private_httpd
    # Every request asks the database, so that the queries counted are
    # those of the requests (the cache's counters: test_cache_and_503_by_cause).
    h.start(dbdparams=str(sample_db), extra=PREFORK + "AutomxCache Off", mpm="prefork")
    for _ in range(3):
        assert h.get(AC).status == 200
    assert h.get("/nowhere").status == 404
    time.sleep(0.3)
    d = workdir / "prometheus"
    d.mkdir()
    (d / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: automx\n"
        f"    metrics_path: /metrics\n    static_configs:\n      - targets: ['127.0.0.1:{h.port}']\n")
    port = harness_free_port()
    proc = subprocess.Popen([prometheus, f"--config.file={d}/prometheus.yml",
                             f"--storage.tsdb.path={d}/data", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        want = {'automx_requests_total{endpoint="autoconfig",code="200"}': "3",
                'automx_requests_total{endpoint="none",code="404"}': "1",
                "automx_db_query_duration_seconds_count": "3"}
        got = {}
        deadline = time.time() + 30
        while time.time() < deadline and got != want:
            time.sleep(0.5)
            for q, v in want.items():
                got[q] = query(port, q)
        assert got == want
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def harness_free_port():
    from harness import free_port
    return free_port()


def query(port, q):
    import json
    import urllib.parse
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query?query="
                                    + urllib.parse.quote(q), timeout=5) as r:
            res = json.load(r)["data"]["result"]
    except OSError:
        return None
    return res[0]["value"][1] if len(res) == 1 else None


def test_cache_and_503_by_cause(private_httpd, sample_db, workdir):
    h = private_httpd
    vhost = f"""
<VirtualHost 127.0.0.1:{h.port}>
    ServerName down.test
    DBDriver sqlite3
    DBDParams {workdir}/nothing-here/automx.db
</VirtualHost>
<VirtualHost 127.0.0.1:{h.port}>
    ServerName localhost
    DBDriver sqlite3
    DBDParams {sample_db}
    AutomxCacheTTL 60
</VirtualHost>
"""
    h.start(dbdparams=str(sample_db), extra=PREFORK + vhost, mpm="prefork")
    # The cache's read of the change counter fails on down.test too.
    h.expect_log(r"\[dbd:|AMX00030|AMX01803")
    r = h.get(AC, host="down.test")
    assert r.status == 503 and r.header("Retry-After") == "30"
    conn = __import__("http.client").client.HTTPConnection("127.0.0.1", h.port, timeout=10)
    for _ in range(3):   # one connection, so one process and its cache
        conn.request("GET", AC, headers={"Host": "localhost"})
        resp = conn.getresponse()
        assert resp.status == 200
        resp.read()
    conn.close()
    t = metrics(h)
    assert sample(t, 'automx_unavailable_total{cause="database_connection"}') == "1"
    assert sample(t, 'automx_unavailable_total{cause="other"}') == "0"
    assert sample(t, 'automx_requests_total{endpoint="autoconfig",code="503"}') == "1"
    # One miss on each virtual host: down.test's (then 503), localhost's first.
    assert sample(t, "automx_cache_misses_total") == "2"
    assert sample(t, "automx_cache_hits_total") == "2"
    assert h.get(AC, host="localhost").status == 200
