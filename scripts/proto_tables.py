#!/usr/bin/env python3
"""proto_tables.py - renders the message tables of proto/README.md from proto/cb_proto.def.

Usage: scripts/proto_tables.py            print the tables
       scripts/proto_tables.py --check    exit 1 if proto/README.md's tables differ
       scripts/proto_tables.py --write    rewrite them in proto/README.md
The tables sit between '<!-- tables:begin -->' and '<!-- tables:end -->'."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEF = ROOT / "proto" / "cb_proto.def"
README = ROOT / "proto" / "README.md"
BEGIN, END = "<!-- tables:begin -->", "<!-- tables:end -->"

WIRE = {
    "STR": "str (UTF-8, at most {limit} bytes)",
    "NAME": "str, lower-case name `[a-z0-9][a-z0-9_.-]*`, at most {limit} bytes",
    "SYMBOL": "str, symbol `BASE-QUOTE`, each part `[A-Z0-9]{{1,16}}`",
    "ASSET": "str, asset `[A-Z0-9]{{1,16}}`",
    "ENUM": "str, one of {choices}",
    "DEC": "str, exact decimal (e.g. `\"50000.1\"`)",
    "I64": "int (signed 64-bit)",
    "U64": "int (unsigned 64-bit)",
    "BOOL": "bool",
    "LEVELS": "array of at most {limit} `[price, amount]` arrays of decimal strings",
    "RAW": "any msgpack value",
}

ROW = re.compile(r'F\(m,\s*(\w+),\s*(\w+),\s*(REQ|OPT),\s*(\d+),\s*((?:"[^"]*"\s*)+|NULL)\)')
MACRO = re.compile(r"#define (CB_PROTO_[A-Z_]+)\(F, m\)(.*?)(?=\n#define|\Z)", re.S)
TITLES = [
    ("CB_PROTO_ENVELOPE", "Envelope (every pub/sub message)"),
    ("CB_PROTO_TICK", "`tick`"),
    ("CB_PROTO_TRADE", "`trade`"),
    ("CB_PROTO_BOOK", "`book`"),
    ("CB_PROTO_CANDLE", "`candle`"),
    ("CB_PROTO_ORDER", "`order`"),
    ("CB_PROTO_CIRCUIT", "`circuit`"),
    ("CB_PROTO_SENTIMENT", "`sentiment`"),
    ("CB_PROTO_RPC_REQUEST", "RPC request"),
    ("CB_PROTO_RPC_REPLY", "RPC reply"),
    ("CB_PROTO_RPC_ERROR", "RPC error object (`error` of a reply)"),
]


def parse():
    text = DEF.read_text()
    text = re.sub(r"\\\n", " ", text)
    schemas = {}
    for name, body in MACRO.findall(text):
        rows = []
        for field, typ, presence, limit, choices in ROW.findall(body):
            choices = "".join(re.findall(r'"([^"]*)"', choices)) if choices != "NULL" else ""
            rows.append((field, typ, presence, int(limit), choices))
        schemas[name] = rows
    return schemas


def render():
    schemas = parse()
    out = []
    for macro, title in TITLES:
        out.append(f"#### {title}\n")
        out.append("| key | type on the wire | required |")
        out.append("|---|---|---|")
        for field, typ, presence, limit, choices in schemas[macro]:
            choice_text = ", ".join(f"`{c}`" for c in choices.split("|")) if choices else ""
            wire = WIRE[typ].format(limit=limit, choices=choice_text)
            out.append(f"| `{field}` | {wire} | {'yes' if presence == 'REQ' else 'no'} |")
        out.append("")
    return "\n".join(out)


def main():
    tables = render()
    if len(sys.argv) == 1:
        print(tables)
        return 0
    readme = README.read_text()
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    current = readme[start:end].strip("\n")
    if sys.argv[1] == "--check":
        if current != tables.strip("\n"):
            print("proto/README.md tables differ from proto/cb_proto.def; "
                  "run scripts/proto_tables.py --write", file=sys.stderr)
            return 1
        return 0
    if sys.argv[1] == "--write":
        README.write_text(readme[:start] + "\n" + tables.strip("\n") + "\n" + readme[end:])
        return 0
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
