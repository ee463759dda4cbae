#!/usr/bin/env python3
"""check_openapi.py - structural checks of api-edge's OpenAPI document (part of make test).

Usage: scripts/check_openapi.py [services/api-edge/www/openapi.json]

Checks, beyond "it parses": OpenAPI 3.0 with info; exactly the canonical routes
(ROUTES below, the list api-edge answers); every operation has a unique
operationId and responses; every 4xx/5xx reply is the Error schema; rate-limited
routes document 429 with Retry-After and the X-RateLimit-* headers on every reply
but 101 and 413;
every $ref resolves and has no siblings (3.0 ignores them); every required
property exists; every component is used. Exits 1 listing every problem.
Standard library only (Debian's python3).
"""
import json
import re
import sys

DEFAULT = "services/api-edge/www/openapi.json"

# The canonical route list: (method, path). Change it only with api-edge's router.
ROUTES = {
    ("get", "/api/market/price"),
    ("get", "/api/market/ohlc"),
    ("get", "/api/market/book"),
    ("get", "/api/market/trades"),
    ("get", "/api/market/compare"),
    ("get", "/api/market/best"),
    ("get", "/api/market/symbols"),
    ("get", "/api/market/venues"),
    ("post", "/api/sentiment/analyze"),
    ("get", "/api/account/balances"),
    ("get", "/api/account/trade-balance"),
    ("get", "/api/account/orders"),
    ("get", "/api/account/trades"),
    ("get", "/api/account/ws-token"),
    ("get", "/api/account/check"),
    ("post", "/api/orders"),
    ("get", "/api/orders"),
    ("delete", "/api/orders"),
    ("post", "/api/orders/cancel-after"),
    ("get", "/api/orders/{id}"),
    ("delete", "/api/orders/{id}"),
    ("patch", "/api/orders/{id}"),
    ("get", "/health"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
    ("get", "/"),
    ("get", "/ws"),
}
NOT_RATE_LIMITED = {"/health", "/metrics"}
# Routes that need an API key (edge_routes.c's scope): each names the bearer
# scheme in its security list and documents 401 and 403.
PRIVATE_PREFIX = ("/api/account/", "/api/orders")
BEARER_SCHEME = "bearerKey"
# Answered without X-RateLimit headers on a limited route: the WebSocket
# upgrade, and a body over the server's limit (refused before the limit counts it).
REFUSED_BEFORE_LIMIT = {101, 413}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
ERROR_REF = "#/components/schemas/Error"


class Checker:
    def __init__(self, doc):
        self.doc = doc
        self.problems = []
        self.refs_used = set()

    def fail(self, where, what):
        self.problems.append(f"{where}: {what}")

    def resolve(self, ref, where):
        """The object ref points at (local JSON pointers only), or None."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            self.fail(where, f"$ref {ref!r} is not a local JSON pointer")
            return None
        node = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                self.fail(where, f"$ref {ref} does not resolve")
                return None
            node = node[part]
        self.refs_used.add(ref)
        return node

    def deref(self, node, where):
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolve(node["$ref"], where)
            seen += 1
            if seen > 20:
                self.fail(where, "$ref loop")
                return None
        return node

    def walk_refs(self, node, where):
        """Every $ref anywhere resolves and stands alone."""
        if isinstance(node, dict):
            if "$ref" in node:
                if len(node) != 1:
                    self.fail(where, f"$ref with siblings {sorted(set(node) - {'$ref'})} (ignored in 3.0)")
                self.resolve(node["$ref"], where)
            for key, value in node.items():
                self.walk_refs(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.walk_refs(value, f"{where}/{i}")

    def walk_schemas(self, node, where):
        """Every schema's required names exist among its properties."""
        if isinstance(node, dict):
            req = node.get("required")
            if isinstance(req, list) and node.get("type") == "object":
                props = node.get("properties", {})
                for name in req:
                    if name not in props:
                        self.fail(where, f"required property {name!r} is not defined")
            for key, value in node.items():
                self.walk_schemas(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.walk_schemas(value, f"{where}/{i}")

    def check_top(self):
        d = self.doc
        if not isinstance(d.get("openapi"), str) or not re.match(r"^3\.0\.\d+$", d["openapi"]):
            self.fail("openapi", "must be 3.0.x")
        info = d.get("info")
        if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
            self.fail("info", "needs title and version")
        if not isinstance(d.get("paths"), dict):
            self.fail("paths", "missing")
            return False
        return True

    def check_routes(self):
        found = set()
        op_ids = {}
        for path, item in self.doc["paths"].items():
            where = f"paths/{path}"
            if not path.startswith("/"):
                self.fail(where, "path must start with /")
            if not isinstance(item, dict):
                self.fail(where, "not an object")
                continue
            for method, op in item.items():
                if method not in METHODS:
                    if method not in ("parameters", "summary", "description", "servers"):
                        self.fail(where, f"unknown key {method!r}")
                    continue
                found.add((method, path))
                self.check_operation(method, path, op, op_ids)
        for method, path in sorted(ROUTES - found):
            self.fail("paths", f"{method.upper()} {path} is not documented")
        for method, path in sorted(found - ROUTES):
            self.fail("paths", f"{method.upper()} {path} is documented but not a route")

    def check_operation(self, method, path, op, op_ids):
        where = f"{method.upper()} {path}"
        oid = op.get("operationId")
        if not oid:
            self.fail(where, "no operationId")
        elif oid in op_ids:
            self.fail(where, f"operationId {oid} also used by {op_ids[oid]}")
        else:
            op_ids[oid] = where
        if not op.get("summary"):
            self.fail(where, "no summary")
        names = set()
        for i, p in enumerate(op.get("parameters", [])):
            p = self.deref(p, f"{where} parameter {i}")
            if not isinstance(p, dict):
                continue
            for key in ("name", "in", "schema"):
                if key not in p:
                    self.fail(where, f"parameter {i} has no {key}")
            if p.get("in") not in ("query", "header", "path", "cookie"):
                self.fail(where, f"parameter {p.get('name')} has a bad 'in'")
            key = (p.get("in"), p.get("name"))
            if key in names:
                self.fail(where, f"parameter {key} twice")
            names.add(key)
        for name in re.findall(r"\{([^}]+)\}", path):
            if ("path", name) not in names:
                self.fail(where, f"path parameter {name} not declared")
        if "requestBody" in op:
            body = self.deref(op["requestBody"], where)
            if not isinstance(body, dict) or not body.get("content"):
                self.fail(where, "requestBody without content")
        if method in ("get", "head") and "requestBody" in op:
            self.fail(where, "GET with a request body")
        responses = op.get("responses")
        if not isinstance(responses, dict) or not responses:
            self.fail(where, "no responses")
            return
        success = False
        for code, resp in responses.items():
            rwhere = f"{where} {code}"
            if not re.match(r"^[1-5]\d\d$", code):
                self.fail(rwhere, "status must be a 3-digit code")
                continue
            resp = self.deref(resp, rwhere)
            if not isinstance(resp, dict):
                continue
            if not resp.get("description"):
                self.fail(rwhere, "no description")
            status = int(code)
            if status < 400:
                success = True
            if status >= 400 and not (path == "/health" and status == 503):
                content = resp.get("content", {}).get("application/json")
                schema = content.get("schema") if isinstance(content, dict) else None
                if not isinstance(schema, dict) or schema.get("$ref") != ERROR_REF:
                    self.fail(rwhere, f"an error reply must be application/json {ERROR_REF}")
            rate_limited = path not in NOT_RATE_LIMITED
            headers = resp.get("headers", {})
            if rate_limited and status not in REFUSED_BEFORE_LIMIT:
                for h in RATE_HEADERS:
                    if h not in headers:
                        self.fail(rwhere, f"no {h} header")
            if status == 429 and "Retry-After" not in headers:
                self.fail(rwhere, "429 without Retry-After")
            if status == 200 and not resp.get("content"):
                self.fail(rwhere, "200 without content")
        if not success:
            self.fail(where, "no success response")
        if path not in NOT_RATE_LIMITED and "429" not in responses:
            self.fail(where, "rate-limited route without 429")
        if path == "/ws" and "101" not in responses:
            self.fail(where, "no 101 Switching Protocols")

    def check_security(self):
        schemes = self.doc.get("components", {}).get("securitySchemes", {})
        for path, item in self.doc.get("paths", {}).items():
            for method, op in item.items():
                if method not in METHODS or not isinstance(op, dict):
                    continue
                where = f"{method.upper()} {path}"
                names = [n for req in op.get("security", []) for n in req]
                for name in names:
                    if name not in schemes:
                        self.fail(where, f"security scheme {name} is not defined")
                    self.refs_used.add(f"#/components/securitySchemes/{name}")
                private = path.startswith(PRIVATE_PREFIX)
                if private and BEARER_SCHEME not in names:
                    self.fail(where, f"a private route without security {BEARER_SCHEME}")
                if not private and names:
                    self.fail(where, "a public route with a security requirement")
                if private and not {"401", "403"} <= set(op.get("responses", {})):
                    self.fail(where, "a private route must document 401 and 403")

    def check_unused(self):
        comps = self.doc.get("components", {})
        for kind, items in comps.items():
            for name in items:
                ref = f"#/components/{kind}/{name}"
                if ref not in self.refs_used:
                    self.fail(ref, "defined but never used")

    def run(self):
        if not self.check_top():
            return self.problems
        self.walk_refs(self.doc, "#")
        self.walk_schemas(self.doc, "#")
        self.check_routes()
        self.check_security()
        self.check_unused()
        return self.problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"check_openapi: {path}: {e}", file=sys.stderr)
        return 1
    if not isinstance(doc, dict):
        print(f"check_openapi: {path}: not a JSON object", file=sys.stderr)
        return 1
    problems = Checker(doc).run()
    for p in problems:
        print(f"check_openapi: {path}: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_openapi: {path}: {len(doc['paths'])} paths, "
          f"{len(doc.get('components', {}).get('schemas', {}))} schemas: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
