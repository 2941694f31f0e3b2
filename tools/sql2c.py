#!/usr/bin/env python3
"""Turns the files of sql/ into a C header for automx-initdb, so that the
module creates exactly the schema and sample data that sql/ documents.

Each statement ends with ';' at the end of a line, except inside a
PostgreSQL $$ body (a DO block), which ends with its closing $$; whole-line
'--' comments are dropped. A schema file is in two parts: the tables and
indexes, then, after the line "-- section: counter", the change counter
(its table, triggers and row), which automx-initdb makes in a step of its
own so that it can tell a refused trigger from any other failure."""
import sys
from pathlib import Path

SECTION = "-- section: counter"


def statements(path):
    """The statements of PATH, as lists: before and after SECTION."""
    parts, cur = [[]], []
    for line in Path(path).read_text().splitlines():
        if line.strip() == SECTION:
            if cur or len(parts) > 1:
                raise SystemExit(f"{path}: '{SECTION}' inside a statement or twice")
            parts.append([])
            continue
        if line.lstrip().startswith("--") or not line.strip():
            continue
        cur.append(line.strip())
        inside_body = " ".join(cur).count("$$") % 2 == 1
        if line.rstrip().endswith(";") and not inside_body:
            parts[-1].append(" ".join(cur)[:-1])
            cur = []
    if cur:
        raise SystemExit(f"{path}: the last statement has no ';'")
    return parts


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array(name, sts):
    print(f"static const char *const {name}[] = {{")
    for st in sts:
        print(f"    {c_string(st)},")
    print("    NULL\n};\n")


def main():
    sql = Path(sys.argv[1])
    schemas = {
        "sqlite3": sql / "sqlite" / "schema.sql",
        "pgsql": sql / "postgresql" / "schema.sql",
        "mysql": sql / "mysql" / "schema.sql",
    }
    print("/* Generated from sql/ by tools/sql2c.py: do not edit. */")
    print("#ifndef AMX_SQL_GEN_H\n#define AMX_SQL_GEN_H\n")
    for driver, path in schemas.items():
        parts = statements(path)
        if len(parts) != 2:
            raise SystemExit(f"{path}: no '{SECTION}' line")
        array(f"amx_sql_schema_{driver}", parts[0])
        array(f"amx_sql_counter_{driver}", parts[1])
    sample = statements(sql / "sample-data.sql")
    if len(sample) != 1:
        raise SystemExit(f"sample-data.sql: '{SECTION}' has no place there")
    array("amx_sql_sample_data", sample[0])
    print("#endif")


if __name__ == "__main__":
    main()
