"""Watching the replies of every httpd process while the database changes
(SPEC §12): which process answered (the access log's %P), when, and with
what. Used by the tests of the cache on real servers and on two hosts."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import VALGRIND_LOGS

# Three processes of four threads that stay up: no process is stopped or
# started while a test runs, so the caches compared are the same ones.
# MinSpareThreads 1: with more busy threads than MaxRequestWorkers less
# MinSpareThreads, and no process left to start, event logs AH00484.
PROCESSES = """
StartServers 3
ServerLimit 3
ThreadsPerChild 4
MaxRequestWorkers 12
MinSpareThreads 1
MaxSpareThreads 12
MaxConnectionsPerChild 0
"""
METRICS = """
<Location /metrics>
    SetHandler automx-metrics
</Location>
"""
AC = "/mail/config-v1.1.xml?emailaddress="

# memcheck runs httpd -X: one process, and every request several times
# slower than the intervals these tests measure.
several_processes = pytest.mark.skipif(bool(VALGRIND_LOGS),
                                       reason="httpd -X under memcheck is one process")


class Answer:
    """One reply, when it was asked (monotonic seconds) and who answered."""

    def __init__(self, sent, reply):
        self.sent = sent
        self.took = time.monotonic() - sent
        self.reply = reply
        self.pid = None

    def __repr__(self):
        return f"<Answer pid={self.pid} at {self.sent:.2f} {self.reply!r}>"


def autoconfig(address):
    return lambda h: h.get(AC + address, timeout=20)


def ask(h, fn, n=24):
    """N calls of FN(h) from 8 threads at once, each with its time."""
    def one(_):
        sent = time.monotonic()
        return Answer(sent, fn(h))
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(n)))


def with_pids(h, answers):
    served = h.served_by([a.reply for a in answers])
    assert None not in served, "a reply is missing from the access log"
    for a, pid in zip(answers, served):
        a.pid = pid
    return answers


def processes(h):
    kids = set(h.children())
    assert len(kids) >= 2, f"httpd runs {len(kids)} processes"
    return kids


def every_process(h, fn, limit=400):
    """Asks with FN until every process of H has answered at least once."""
    kids = processes(h)
    answers = []
    while len(answers) < limit:
        answers += with_pids(h, ask(h, fn))
        if kids <= {a.pid for a in answers}:
            return answers
    pytest.fail(f"processes {kids - {a.pid for a in answers}} did not answer "
                f"in {limit} requests")


def watch(h, fn, seconds):
    """Asks with FN, batch after batch, for SECONDS; every answer."""
    end = time.monotonic() + seconds
    answers = []
    while time.monotonic() < end:
        answers += ask(h, fn)
    return with_pids(h, answers)


def shows_everywhere(h, fn, is_new, since, within):
    """Asserts that from SINCE + WITHIN seconds on every process of H
    answers FN with a reply IS_NEW accepts, and that each process answered
    after that point. Returns every answer watched."""
    kids = processes(h)
    answers = watch(h, fn, since + within + 1.0 - time.monotonic())
    late = [a for a in answers if a.sent >= since + within]
    assert kids <= {a.pid for a in late}, \
        f"processes {kids - {a.pid for a in late}} did not answer after {within} s"
    stale = [a for a in late if not is_new(a.reply)]
    assert not stale, f"old data {within} s after the change: {stale[:3]}"
    return answers
