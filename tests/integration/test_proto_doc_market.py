#!/usr/bin/env python3
"""test_proto_doc_market.py - holds proto/README.md's `market` ops to a real market-feed.

Starts redis-server (free loopback port), bus, venue-sim and market-feed from $BUILD/bin
(default build), parses the "#### market" section of proto/README.md, sends every example
request and every error row's example over a real REQ socket and checks each reply against
the op's documented result fields (names, types, presence) and errors (code, message).
Then checks that wrong documents (a renamed field, a wrong type, a missing op, ...) fail.
Exit 0 when the document holds. Logs go to $CBH_LOG_DIR (tests/run.sh sets it)."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "proto", "README.md")
OPS = {"ping", "price", "ohlc", "book", "trades", "compare", "best", "symbols", "venues"}
CODES = {"bad_request", "not_found", "unauthorized", "forbidden", "conflict", "rate_limited",
         "upstream_error", "unavailable", "timeout", "internal"}
DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$")


class DocError(Exception):
    """The document and the service disagree (or the document breaks its own format)."""


# ---- the document --------------------------------------------------------------------

def table_rows(lines):
    """Markdown table rows as lists of cells (header first, separator dropped)."""
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not all(re.fullmatch(r":?-+:?", c) for c in cells):
            rows.append(cells)
    return rows


def unquote(cell):
    """`x` -> x (the cell as is when it is not one code span)."""
    m = re.fullmatch(r"`([^`]*)`", cell)
    return m.group(1) if m else cell


def parse_blocks(text):
    """Splits a section into tables (lists of rows) and ```json blocks, in order."""
    blocks = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            blocks.append(("table", table_rows(lines[i:j])))
            i = j
        elif lines[i].strip() == "```json":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            blocks.append(("json", json.loads("\n".join(lines[i + 1:j]))))
            i = j + 1
        else:
            i += 1
    return blocks


def parse_doc(text):
    """{"common_errors": [...], "ops": {op: {args, fields, errors, examples}}} of #### market."""
    m = re.search(r"^#### market\n(.*?)(?=^#### |\Z)", text, re.S | re.M)
    if m is None:
        raise DocError("no '#### market' section")
    parts = re.split(r"^##### `([a-z0-9_.-]+)`\n", m.group(1), flags=re.M)
    doc = {"common_errors": [], "ops": {}}
    for kind, rows in parse_blocks(parts[0]):
        if kind == "table" and rows[0][0] == "code":
            doc["common_errors"] = rows
    for name, body in zip(parts[1::2], parts[2::2]):
        op = {"args": {}, "fields": {}, "errors": [], "examples": []}
        jsons = []
        for kind, value in parse_blocks(body):
            if kind == "json":
                jsons.append(value)
            elif value[0][0] == "arg":
                op["args"] = {unquote(r[0]): r for r in value[1:]}
            elif value[0][0] == "field":
                for r in value[1:]:
                    op["fields"][unquote(r[0])] = (r[1], r[2].startswith("always"))
            elif value[0][0] == "code":
                op["errors"] = value
        if len(jsons) % 2 != 0:
            raise DocError(f"{name}: examples come in request/reply pairs")
        op["examples"] = list(zip(jsons[0::2], jsons[1::2]))
        doc["ops"][name] = op
    return doc


# ---- types and fields ----------------------------------------------------------------

def type_ok(spelling, value):
    """Whether value has the documented type; DocError for a spelling not in the legend."""
    t = spelling.replace("`", "")
    if t.startswith("str, one of "):
        return isinstance(value, str) and value in [v.strip() for v in t[12:].split(",")]
    if t == "str":
        return isinstance(value, str)
    if t == "str, exact decimal":
        return isinstance(value, str) and DECIMAL.match(value) is not None
    if t in ("int", "int, Unix ns", "int, Unix ns or 0"):
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        # Nanoseconds since the epoch: 2001-09-09 to 2100 (ms or s are far smaller).
        ns = 10**18 <= value < 4102444800 * 10**9
        return t == "int" or ns or (t.endswith("or 0") and value == 0)
    if t == "bool":
        return isinstance(value, bool)
    if t == "array of str":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if t == "array of maps":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if t == "map":
        return isinstance(value, dict)
    if t == "array of [price, amount]":
        return isinstance(value, list) and all(
            isinstance(v, list) and len(v) == 2 and all(type_ok("str, exact decimal", x)
                                                        for x in v) for v in value)
    raise DocError(f"type '{spelling}' is not in the legend")


def parent(path):
    return path.rsplit(".", 1)[0] if "." in path else ""


def field_for(fields, prefix, key):
    """The documented path of key under prefix (a `<name>` row matches any key), or None."""
    path = f"{prefix}.{key}" if prefix else key
    if path in fields:
        return path
    for f in fields:
        if parent(f) == prefix and re.fullmatch(r"<[a-z_]+>", f.rsplit(".", 1)[-1]):
            return f
    return None


def check_value(fields, prefix, value, where):
    """Checks a map (or array of maps) found at prefix against the documented fields."""
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, dict):
                raise DocError(f"{where}: {prefix or 'result'}[] holds a non-map")
            check_value(fields, prefix + "[]", item, where)
        return
    for key, v in value.items():
        path = field_for(fields, prefix, key)
        if path is None:
            raise DocError(f"{where}: field '{(prefix + '.' if prefix else '') + key}' "
                           "is not documented")
        spelling = fields[path][0]
        if not type_ok(spelling, v):
            raise DocError(f"{where}: '{path}' is {v!r}, documented as {spelling}")
        if spelling in ("map", "array of maps"):
            check_value(fields, path, v, where)
    for path, (_, always) in fields.items():
        if always and parent(path) == prefix and not path.endswith(">"):
            if path.rsplit(".", 1)[-1] not in value:
                raise DocError(f"{where}: documented field '{path}' (always) is missing")


def check_result(fields, result, where):
    top_array = any(f.startswith("[]") for f in fields)
    if top_array != isinstance(result, list) or not isinstance(result, (list, dict)):
        raise DocError(f"{where}: the result is a {type(result).__name__}, documented as "
                       f"{'an array' if top_array else 'a map'}")
    check_value(fields, "", result, where)


def message_re(text):
    """A documented message, with <placeholders> and a trailing '...' matching anything."""
    parts = re.split(r"<[^>]+>|\.\.\.$", text)
    return re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z", re.S)


# ---- the stack -----------------------------------------------------------------------

_GIVEN_PORTS = set()


def free_port():
    """A loopback port nobody listens on now and this run has not handed out yet
    (the kernel may offer the same free port twice before anything binds it)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _GIVEN_PORTS:
            _GIVEN_PORTS.add(port)
            return port


def wait_port(port, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Stack:
    """redis-server, bus, venue-sim and market-feed on free ports; stop() ends them."""

    def __init__(self):
        build = os.environ.get("BUILD", "build")
        self.bin = os.path.join(ROOT, build, "bin")
        self.logs = os.environ.get("CBH_LOG_DIR") or tempfile.mkdtemp(prefix="proto-doc-")
        self.dir = tempfile.mkdtemp(prefix="proto-doc-redis-")
        self.procs = []
        self.env = dict(os.environ)
        for name in ("BUS_PUB_PORT", "BUS_SUB_PORT", "SIM_PORT"):
            self.env["COINBUS_" + name] = str(free_port())
        for svc in ("MARKET", "ORDERS", "ACCOUNT", "SENTIMENT"):
            for end in ("FRONTEND", "BACKEND"):
                self.env[f"COINBUS_RPC_{svc}_{end}"] = str(free_port())
        self.redis_port = free_port()
        self.env["COINBUS_REDIS_URL"] = f"redis://127.0.0.1:{self.redis_port}/0"
        sim = f"http://127.0.0.1:{self.env['COINBUS_SIM_PORT']}"
        self.env["COINBUS_VENUES"] = f"sim-kraken=kraken@{sim}/kraken,sim-binance=binance@{sim}/binance"
        self.frontend = f"tcp://127.0.0.1:{self.env['COINBUS_RPC_MARKET_FRONTEND']}"

    def start(self, name, argv):
        log = open(os.path.join(self.logs, f"proto-doc-{name}.log"), "w")
        self.procs.append((name, subprocess.Popen(argv, env=self.env, cwd=ROOT, stdout=log,
                                                  stderr=subprocess.STDOUT)))

    def up(self):
        self.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port",
                             str(self.redis_port), "--dir", self.dir, "--save", "",
                             "--appendonly", "no"])
        if not wait_port(self.redis_port, 10):
            raise RuntimeError("redis-server did not start")
        self.start("bus", [os.path.join(self.bin, "bus")])
        self.start("venue-sim", [os.path.join(self.bin, "venue-sim")])
        if not wait_port(int(self.env["COINBUS_SIM_PORT"]), 20):
            raise RuntimeError("venue-sim did not start")
        self.start("market-feed", [os.path.join(self.bin, "market-feed")])

    def stop(self):
        """SIGTERM in reverse order; True when every service exited 0."""
        clean = True
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
            if name != "redis" and rc != 0:
                print(f"{name} exited with status {rc} (see proto-doc-{name}.log)")
                clean = False
        self.procs = []
        return clean


class Client:
    """A REQ socket per call (as the README's Python example); replies cached by request."""

    def __init__(self, endpoint):
        self.ctx = zmq.Context()
        self.endpoint = endpoint
        self.cache = {}

    def call(self, request, cached=True):
        key = json.dumps(request, sort_keys=True)
        if cached and key in self.cache:
            return self.cache[key]
        sock = self.ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 5000)
        sock.connect(self.endpoint)
        try:
            sock.send(msgpack.packb(request, use_bin_type=True))
            reply = msgpack.unpackb(sock.recv(), raw=False)
        finally:
            sock.close()
        if not isinstance(reply, dict) or reply.get("v") != 1 or reply.get("id") != request.get("id", ""):
            raise DocError(f"{request}: bad envelope in reply {reply!r}")
        self.cache[key] = reply
        return reply


# ---- checks --------------------------------------------------------------------------

def check_error(client, request, code, message, where):
    reply = client.call(request)
    if reply.get("ok") is not False:
        raise DocError(f"{where}: {request} succeeded, documented as {code}")
    err = reply.get("error")
    if not isinstance(err, dict) or err.get("code") != code:
        raise DocError(f"{where}: {request} gave {err!r}, documented as {code}")
    if message and not message_re(message).match(err.get("message", "")):
        raise DocError(f"{where}: message '{err.get('message')}' is not the documented "
                       f"'{message}'")


def check_errors(client, name, rows, where):
    """Each error row: a known code; its example (if any) answered with that code and message."""
    header = rows[0]
    for row in rows[1:]:
        codes = [unquote(c.strip()) for c in row[0].split(",")]
        if not all(c in CODES for c in codes):
            raise DocError(f"{where}: unknown error code in '{row[0]}'")
        example = unquote(row[3]) if len(row) > 3 else ""
        if not example:
            continue
        value = json.loads(example)
        if header[3] == "example request":
            request = value
        else:
            request = {"v": 1, "id": f"{name}-err", "op": name, "args": value}
        check_error(client, request, codes[0], unquote(row[2]), f"{where} error '{row[1]}'")


def same_shape(doc, real, path, where):
    """The documented example and the real reply: same ints' order of magnitude (a time in
    ms where the service sends ns fails), recursively over the keys both have."""
    if isinstance(doc, dict) and isinstance(real, dict):
        for key in set(doc) & set(real):
            same_shape(doc[key], real[key], f"{path}.{key}", where)
    elif isinstance(doc, list) and isinstance(real, list) and doc and real:
        same_shape(doc[0], real[0], path + "[]", where)
    elif isinstance(doc, int) and isinstance(real, int) and not isinstance(doc, bool):
        if doc > 1000 and real > 1000 and abs(len(str(doc)) - len(str(real))) > 1:
            raise DocError(f"{where}: '{path}' is {real} in the reply, {doc} in the document")


def filled(doc, real):
    """False while the reply holds an empty array where the documented example has items."""
    if isinstance(doc, list) and isinstance(real, list):
        return not doc or bool(real)
    if isinstance(doc, dict) and isinstance(real, dict):
        return all(filled(doc[k], real[k]) for k in set(doc) & set(real))
    return True


def check_example(client, name, op, request, reply, wait_s):
    where = f"{name} example {request.get('id')}"
    if request.get("op") != name:
        raise DocError(f"{where}: the request's op is '{request.get('op')}'")
    args = request.get("args") or {}
    for arg in args:
        if arg not in op["args"]:
            raise DocError(f"{where}: arg '{arg}' is not documented")
    for arg, row in op["args"].items():
        if row[2] == "yes" and arg not in args:
            raise DocError(f"{where}: required arg '{arg}' is missing")
    if reply.get("id") != request.get("id") or reply.get("ok") is not True:
        raise DocError(f"{where}: the documented reply is not ok or has another id")
    check_result(op["fields"], reply["result"], where + " (as documented)")
    # The feed may not have stored this yet: ask again until it has.
    end = time.monotonic() + wait_s
    real = client.call(request, cached=False)
    while (real.get("ok") is not True or not filled(reply["result"], real["result"])) and \
            time.monotonic() < end:
        time.sleep(0.25)
        real = client.call(request, cached=False)
    if real.get("ok") is not True:
        raise DocError(f"{where}: the service answered {real.get('error')!r}")
    check_result(op["fields"], real["result"], where)
    if not filled(reply["result"], real["result"]):
        raise DocError(f"{where}: the reply still holds an empty array after {wait_s} s")
    same_shape(reply["result"], real["result"], "result", where)
    doc_keys, real_keys = reply["result"], real["result"]
    if isinstance(doc_keys, dict) and set(doc_keys) != set(real_keys):
        raise DocError(f"{where}: the documented reply has keys {sorted(doc_keys)}, the "
                       f"service's {sorted(real_keys)}")


def check_doc(client, text, wait_s):
    """Raises DocError at the first disagreement between text and the service."""
    doc = parse_doc(text)
    ops = doc["ops"]
    if set(ops) != OPS:
        raise DocError(f"documented ops {sorted(ops)}, expected {sorted(OPS)}")
    # The service's own list of ops (in its unknown-op message) is the documented one.
    reply = client.call({"v": 1, "id": "ops", "op": "no-such-op", "args": {}})
    listed = re.search(r"\(([^)]*)\)", reply["error"]["message"]).group(1)
    if {s.strip() for s in listed.split(",")} | {"ping"} != set(ops):
        raise DocError(f"the service lists ops ({listed}), the document {sorted(ops)}")
    if len(doc["common_errors"]) < 2:
        raise DocError("no table of the errors every op can return")
    check_errors(client, "", doc["common_errors"], "common")
    for name, op in ops.items():
        if not op["fields"] or not op["examples"]:
            raise DocError(f"{name}: no result table or no example")
        for request, reply in op["examples"]:
            check_example(client, name, op, request, reply, wait_s)
        if op["errors"]:
            check_errors(client, name, op["errors"], name)


def mutations(text):
    """Wrong documents, each of which the check must refuse: (what, text)."""
    section = text.index("#### market")
    head, body = text[:section], text[section:]

    def sub(what, *pairs):
        wrong = body
        for old, new in pairs:
            if re.search(old, wrong) is None:
                raise DocError(f"mutation '{what}': '{old}' is not in the document (update the test)")
            wrong = re.sub(old, new, wrong, count=1)
        return (what, head + wrong)

    def ms(m):
        return f'"t": {int(m.group(1)) // 10**6}'

    return [
        sub("a renamed field", (r"\| `venues\[\]\.bid_qty` \|", "| `venues[].bidqty` |")),
        sub("a time in ms", (r"\| `candles\[\]\.t` \| int, Unix ns \|", "| `candles[].t` | int |"),
            (r'"t": ([0-9]+)', ms)),
        sub("a wrong type", (r"\| `crossed` \| bool \|", "| `crossed` | str |")),
        sub("a wrong type in table and example", (r"\| `\[\]\.symbols` \| int \|",
                                                  "| `[].symbols` | str |"),
            (r'"symbols": 3,', '"symbols": "3",'), (r'"symbols": 3,', '"symbols": "3",')),
        sub("a missing field", (r"\| `\[\]\.circuit` \|", "| `[].circuit_state` |")),
        sub("an optional field said always", (r"\| `update_id` \| int \| when",
                                              "| `update_id` | int | always, when")),
        sub("a field that is not there", (r"\| `basis` \|", "| `quote` | str | always |\n| `basis` |")),
        sub("a wrong default shape", (r'"basis": "amount", ', "")),
        sub("a wrong error code", (r"\| `not_found` \| `venue` has no instrument list",
                                   "| `bad_request` | `venue` has no instrument list")),
        sub("a wrong message", (r"`args\.side must be buy or sell`", "`args.side must be buy, sell`")),
        sub("a missing op", (r"(?s)##### `symbols`.*?(?=##### )", "")),
        sub("an undocumented arg", (r"\| `depth` \| int, or str of digits",
                                    "| `levels` | int, or str of digits")),
    ]


def main():
    text = open(DOC, encoding="utf-8").read()
    stack = Stack()

    def on_term(signum, frame):
        raise SystemExit(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    ok = False
    try:
        stack.up()
        client = Client(stack.frontend)
        check_doc(client, text, 60)
        print("proto/README.md #### market holds against market-feed")
        for what, wrong in mutations(text):
            try:
                check_doc(client, wrong, 10)
            except DocError as e:
                print(f"refused as it should, {what}: {e}")
                continue
            raise AssertionError(f"a document with {what} was accepted")
        print("every wrong document was refused")
        ok = True
    except DocError as e:
        print(f"FAIL: {e}")
    finally:
        if not stack.stop():
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
