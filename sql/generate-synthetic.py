#!/usr/bin/env python3
"""Prints SQL for a large synthetic dataset (for benchmarks and scale tests):
PROVIDERS providers sharing DOMAINS domains d<N>.example, each provider with
an IMAP, a POP, two SMTP servers and a CalDAV server. The SQL loads into
SQLite, PostgreSQL and MySQL/MariaDB after the schema:

    sql/generate-synthetic.py --providers 1000 --domains 100000 | sqlite3 automx.db
"""
import argparse

BATCH = 500


def rows(table, columns, values):
    for i in range(0, len(values), BATCH):
        chunk = values[i:i + BATCH]
        print(f"INSERT INTO {table} ({', '.join(columns)}) VALUES")
        print(",\n".join("(" + ", ".join(v) + ")" for v in chunk) + ";")


def q(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--providers", type=int, default=1000)
    ap.add_argument("--domains", type=int, default=100000)
    ap.add_argument("--first-id", type=int, default=100000,
                    help="ids start here, clear of the sample data")
    a = ap.parse_args()
    base = a.first_id
    print("BEGIN;")
    rows("provider", ["id", "name", "short_name"],
         [(str(base + p), q(f"Provider {p} Ltd."), q(f"P{p}")) for p in range(a.providers)])
    rows("domain", ["id", "name", "provider_id", "ldapserver_id"],
         [(str(base + d), q(f"d{d}.example"), str(base + d % a.providers), "NULL")
          for d in range(a.domains)])
    servers, links, dav, davlinks = [], [], [], []
    for p in range(a.providers):
        sid = base + p * 4
        for k, (typ, port, sock) in enumerate([("imap", 993, "SSL"), ("pop", 995, "SSL"),
                                               ("smtp", 587, "STARTTLS"), ("smtp", 465, "SSL")]):
            servers.append((str(sid + k), str(10 + k), q(f"{typ}{k}.p{p}.example"), str(port),
                            q(typ), q(sock), q("%EMAILADDRESS%"), q("plain")))
        dav.append((str(base + p), q(f"https://dav.p{p}.example/"), "443", q("caldav"),
                    "TRUE", "FALSE", q("%EMAILADDRESS%")))
    for d in range(a.domains):
        p = d % a.providers
        for k in range(4):
            links.append((str(base + p * 4 + k), str(base + d)))
        davlinks.append((str(base + p), str(base + d)))
    rows("server", ["id", "prio", "name", "port", "type", "socket_type", "user_name",
                    "authentication"], servers)
    rows("server_domain", ["server_id", "domain_id"], links)
    rows("davserver", ["id", "url", "port", "type", "use_ssl", "domain_required", "user_name"], dav)
    rows("davserver_domain", ["davserver_id", "domain_id"], davlinks)
    print("COMMIT;")


if __name__ == "__main__":
    main()
