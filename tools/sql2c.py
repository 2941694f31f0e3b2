#!/usr/bin/env python3
"""Turns the files of sql/ into a C header for automx-initdb, so that the
module creates exactly the schema and sample data that sql/ documents.

Each statement ends with ';' at the end of a line; whole-line '--'
comments are dropped."""
import sys
from pathlib import Path


def statements(path):
    out, cur = [], []
    for line in Path(path).read_text().splitlines():
        if line.lstrip().startswith("--") or not line.strip():
            continue
        cur.append(line.strip())
        if line.rstrip().endswith(";"):
            out.append(" ".join(cur)[:-1])
            cur = []
    if cur:
        raise SystemExit(f"{path}: the last statement has no ';'")
    return out


def is_pragma(st):
    return st.upper().startswith("PRAGMA ")


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    sql = Path(sys.argv[1])
    # Each schema's PRAGMAs go to an array of their own: SQLite refuses
    # some of them (journal_mode) inside the transaction that creates the
    # tables, so automx-initdb runs them first.
    arrays = {}
    for db, schema in (("sqlite3", "sqlite"), ("pgsql", "postgresql"), ("mysql", "mysql")):
        sts = statements(sql / schema / "schema.sql")
        arrays[f"amx_sql_pragmas_{db}"] = [st for st in sts if is_pragma(st)]
        arrays[f"amx_sql_schema_{db}"] = [st for st in sts if not is_pragma(st)]
    arrays["amx_sql_sample_data"] = statements(sql / "sample-data.sql")
    print("/* Generated from sql/ by tools/sql2c.py: do not edit. */")
    print("#ifndef AMX_SQL_GEN_H\n#define AMX_SQL_GEN_H\n")
    for name, sts in arrays.items():
        print(f"static const char *const {name}[] = {{")
        for st in sts:
            print(f"    {c_string(st)},")
        print("    NULL\n};\n")
    print("#endif")


if __name__ == "__main__":
    main()
