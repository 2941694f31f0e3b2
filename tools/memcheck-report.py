#!/usr/bin/env python3
"""Reads the memcheck logs of tools/test-valgrind: prints every error
memcheck reported and every httpd that did not exit cleanly (its log has no
summary, so its findings are unknown), and exits non-zero if there was
either or the suite itself failed.

usage: memcheck-report.py LOGDIR PYTEST_STATUS
"""
import re
import sys
from pathlib import Path

SUMMARY = re.compile(r"ERROR SUMMARY: (\d+) errors from (\d+) contexts")


def main():
    logdir, suite_status = Path(sys.argv[1]), int(sys.argv[2])
    logs = sorted(logdir.glob("memcheck.*"))
    errors = incomplete = 0
    for log in logs:
        text = log.read_text(errors="replace")
        m = SUMMARY.search(text)
        if m is None:
            incomplete += 1
            print(f"{log.name}: no summary (httpd did not exit cleanly)")
            continue
        n = int(m.group(1))
        if n:
            errors += n
            # Everything after the start-up banner, up to the summary.
            body = text.split("Command:", 1)[-1]
            print(f"===== {log.name}: {n} errors\n{body}")
    print(f"memcheck: {len(logs)} httpd processes, {errors} errors, {incomplete} without summary")
    if suite_status:
        print(f"the suite itself failed (pytest exit {suite_status})")
    if not logs:
        print("no memcheck logs: did httpd run under valgrind?")
    sys.exit(1 if errors or incomplete or suite_status or not logs else 0)


if __name__ == "__main__":
    main()
