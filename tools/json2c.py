#!/usr/bin/env python3
"""Embeds a JSON file (api/openapi.json) into a C header as one string,
checked to be JSON and written compact, so the module serves exactly the
document that ships beside it. Usage: json2c.py FILE SYMBOL"""
import json
import sys
from pathlib import Path


def main():
    path, symbol = Path(sys.argv[1]), sys.argv[2]
    doc = json.loads(path.read_text())
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
    guard = symbol.upper() + "_GEN_H"
    print(f"/* Generated from {path.name} by tools/json2c.py: do not edit. */")
    print(f"#ifndef {guard}\n#define {guard}\n")
    print(f"static const char {symbol}[] =")
    for i in range(0, len(text), 72):
        chunk = text[i:i + 72].replace("\\", "\\\\").replace('"', '\\"')
        print(f'    "{chunk}"')
    print(";\n\n#endif")


if __name__ == "__main__":
    main()
