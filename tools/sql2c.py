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


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    sql = Path(sys.argv[1])
    arrays = {
        "amx_sql_schema_sqlite3": sql / "sqlite" / "schema.sql",
        "amx_sql_schema_pgsql": sql / "postgresql" / "schema.sql",
        "amx_sql_schema_mysql": sql / "mysql" / "schema.sql",
        "amx_sql_sample_data": sql / "sample-data.sql",
    }
    print("/* Generated from sql/ by tools/sql2c.py: do not edit. */")
    print("#ifndef AMX_SQL_GEN_H\n#define AMX_SQL_GEN_H\n")
    for name, path in arrays.items():
        print(f"static const char *const {name}[] = {{")
        for st in statements(path):
            print(f"    {c_string(st)},")
        print("    NULL\n};\n")
    print("#endif")


if __name__ == "__main__":
    main()
