#!/usr/bin/env python3
"""test_compose.py - holds compose/ (Dockerfile, docker-compose.yml, .env.example,
haproxy.cfg) to what the build makes and what the services read.

Docker does not run on the machines this runs on, so nothing is started: the files are
checked against this checkout and this machine.
- `docker-compose config` (Debian's docker-compose) validates and resolves the file,
  once with the defaults and once with compose/.env.example;
- every coinbus service runs a binary `make all` builds (build/bin/<name>), and every
  COINBUS_* variable it is given is one that binary reads: the variables its `--help`
  lists, plus cb_creds's (shared/cb_creds.c) when the binary links cb_creds;
- every healthcheck's program is in its image: each image is a stage of
  compose/Dockerfile, its files are the `dpkg -L` lists (on this Debian 12 machine) of
  the packages its `apt-get install` names, plus the binaries the runtime stage copies
  to /usr/local/bin; nothing from the base image is assumed;
- every library a binary links (readelf NEEDED -> dpkg -S) is a package the runtime
  stage installs, and the build stage installs every -dev package scripts/deps.sh does;
- no service but the load balancer publishes a port; every service has a healthcheck and
  restart: unless-stopped; secrets are gitignored files under compose/secrets/;
- .env.example names every variable the compose file reads, with the same default;
- haproxy.cfg passes `haproxy -c` and finds api-edge through Docker's DNS.
Then the same checks must fail on deliberately broken copies of the files.
Exit 0 when all hold; a line starting SKIP when docker-compose is not installed."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE_DIR = os.path.join(ROOT, "compose")
# The binaries the image ships: compose/Dockerfile runs `make all` (never SAN).
BIN_DIR = os.path.join(ROOT, "build", "bin")
LB = "lb"
PATH_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
# -dev packages of scripts/deps.sh that only the tests and fuzzers need.
TEST_ONLY_DEV = {"libcmocka-dev", "libclang-rt-14-dev"}
# CurveZMQ (issue 10) is being added to the services beside this file: until a binary's
# --help lists these, they are accepted with a note; once one does, they are checked
# like any other variable.
PENDING = {"COINBUS_CURVE", "COINBUS_CURVE_DIR"}
# Read by docker-compose itself, not by a service.
COMPOSE_VARS = {"COMPOSE_PROFILES"}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ---- what this checkout and machine say ----------------------------------------------

def help_vars(binary):
    """The COINBUS_* variables a binary's --help lists."""
    out = run([binary, "--help"]).stdout
    return set(re.findall(r"^  (COINBUS_[A-Z0-9_]+)\b", out, re.M))


def creds_vars():
    """The variables cb_creds_opts_from_env() reads (getenv or its path helper)."""
    with open(os.path.join(ROOT, "shared", "cb_creds.c")) as f:
        src = f.read()
    m = re.search(r"^cb_creds_opts_from_env\(.*?^}", src, re.S | re.M)
    assert m, "shared/cb_creds.c: cb_creds_opts_from_env not found"
    return set(re.findall(r'"(COINBUS_[A-Z0-9_]+)"', m.group(0)))


def binary_vars():
    """{binary name: the COINBUS_* variables it reads}."""
    found = {}
    cvars = creds_vars()
    for name in sorted(os.listdir(BIN_DIR)):
        path = os.path.join(BIN_DIR, name)
        v = help_vars(path)
        if "cb_creds_opts_from_env" in run(["nm", path]).stdout:
            v |= cvars
        found[name] = v
    return found


def dpkg_files(pkg, cache={}):
    """The files of an installed package, or None."""
    if pkg not in cache:
        r = run(["dpkg", "-L", pkg])
        cache[pkg] = set(r.stdout.split()) if r.returncode == 0 else None
    return cache[pkg]


def packages_of(paths):
    """{library path: the Debian package owning it, or None}, by one dpkg -S over both
    sides of the /usr merge."""
    alt = {p: ("/usr" + p if not p.startswith("/usr/") else p[4:]) for p in paths}
    owners = {}
    r = run(["dpkg", "-S"] + sorted(set(paths) | set(alt.values())))
    for line in r.stdout.splitlines():
        pkg, _, owned = line.partition(": ")
        for f in owned.split(", "):
            owners[f.strip()] = pkg.split(":")[0]
    return {p: owners.get(p) or owners.get(alt[p]) for p in paths}


def needed_libs(binary, cache={}):
    """{library soname: path} of a binary's direct NEEDED entries, as ldd resolves them."""
    if binary in cache:
        return cache[binary]
    sonames = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                         run(["readelf", "-d", binary]).stdout)
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", binary]).stdout, re.M))
    cache[binary] = {s: paths.get(s) for s in sonames}
    return cache[binary]


def dockerfile_stages(path):
    """{stage: {"packages": [...], "copies_bins": bool, "user": str}} of a Dockerfile.
    Packages are the words after `apt-get install` up to the end of that RUN's command."""
    stages = {}
    cur = None
    with open(path) as f:
        text = f.read()
    # Join continuation lines so one instruction is one line.
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = line.strip()
        m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
        if m:
            cur = stages.setdefault(m.group(1), {"packages": [], "copies_bins": False,
                                                 "user": "root"})
            continue
        if cur is None:
            continue
        if line.startswith("RUN") and "apt-get install" in line:
            for part in line.split("&&"):
                if "apt-get install" in part:
                    words = part.split("apt-get install", 1)[1].split()
                    cur["packages"] += [w for w in words if not w.startswith("-")]
        if re.match(r"COPY\s+--from=build\s+/src/build/bin/\s+/usr/local/bin/", line):
            cur["copies_bins"] = True
        elif line.startswith("COPY") and "--from" not in line:
            cur.setdefault("copies", []).extend(line.split()[1:-1])
        if line.startswith("USER"):
            cur["user"] = line.split()[1]
    return stages


def image_programs(stage):
    """Program paths in a stage's image: its packages' files + the copied binaries."""
    files = set()
    missing = []
    for pkg in stage["packages"]:
        got = dpkg_files(pkg)
        if got is None:
            missing.append(pkg)
        else:
            files |= got
    if stage["copies_bins"]:
        files |= {"/usr/local/bin/" + b for b in os.listdir(BIN_DIR)}
    # bookworm merges /bin into /usr/bin: a file is there under both names.
    files |= {"/usr" + f for f in files if f.startswith(("/bin/", "/sbin/"))}
    return files, missing


def deps_dev_packages():
    with open(os.path.join(ROOT, "scripts", "deps.sh")) as f:
        return set(re.findall(r'"[^"]*:([a-z0-9.+-]+-dev)"', f.read()))


def env_example(path):
    """{name: value} of a .env file (comments and blank lines skipped)."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                out[k.strip()] = v
    return out


def compose_config(compose_file, env_file):
    """The resolved compose file (dict) or an error string."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COINBUS_", "COMPOSE_"))}
    r = run(["docker-compose", "-f", compose_file, "--env-file", env_file, "config"],
            env=env)
    if r.returncode != 0:
        return "docker-compose config failed: " + (r.stderr.strip() or r.stdout.strip())
    return yaml.safe_load(r.stdout)


# ---- the checks ----------------------------------------------------------------------

def check_service(name, svc, stages, reads, problems, notes):
    build = svc.get("build") or {}
    target = build.get("target")
    if target not in stages:
        problems.append(f"{name}: build.target {target!r} is no stage of compose/Dockerfile")
        return
    if svc.get("restart") != "unless-stopped":
        problems.append(f"{name}: restart is {svc.get('restart')!r}, not unless-stopped")
    if svc.get("ports") and name != LB:
        problems.append(f"{name}: publishes {svc['ports']} (only {LB} may)")
    if svc.get("network_mode") == "host":
        problems.append(f"{name}: network_mode host")
    cmd = svc.get("command") or []
    env = svc.get("environment") or {}
    if target == "runtime":
        prog = cmd[0] if cmd else None
        if prog not in reads or not os.path.exists(os.path.join(ROOT, "services", prog or "-",
                                                                "main.c")):
            problems.append(f"{name}: command {prog!r} is no binary `make all` builds")
        else:
            known = set().union(*reads.values())
            for var in sorted(k for k in env if k.startswith("COINBUS_")):
                if var in reads[prog]:
                    continue
                if var in PENDING and var not in known:
                    notes.add(f"{var}: no binary reads it yet (CurveZMQ, being added)")
                    continue
                problems.append(f"{name}: sets {var}, which {prog} does not read")
    hc = svc.get("healthcheck") or {}
    test = hc.get("test") or []
    if hc.get("disable") or len(test) < 2 or test[0] != "CMD":
        problems.append(f"{name}: no healthcheck in exec form ['CMD', program, ...]")
        return
    files, missing = image_programs(stages[target])
    if missing:
        problems.append(f"{name}: stage {target}'s packages {missing} are not installed here "
                        "(scripts/deps.sh installs them), so its file list is unknown")
    prog = test[1]
    paths = [prog] if prog.startswith("/") else [d + "/" + prog for d in PATH_DIRS]
    if not any(p in files for p in paths):
        problems.append(f"{name}: healthcheck program {prog!r} is not in image stage "
                        f"{target} (its packages' files and copied binaries)")


def gitignored(path):
    """Whether the repository's .gitignore ignores path, by git's own rules; in a
    copy of the tree without .git, against a scratch repository holding only
    the same .gitignore."""
    if run(["git", "-C", ROOT, "rev-parse", "--git-dir"]).returncode == 0:
        return run(["git", "-C", ROOT, "check-ignore", "-q", path]).returncode == 0
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(os.path.join(ROOT, ".gitignore"), scratch)
        if run(["git", "-C", scratch, "init", "-q"]).returncode != 0:
            return False
        rel = os.path.relpath(path, ROOT)
        return run(["git", "-C", scratch, "check-ignore", "-q", "--no-index", rel]).returncode == 0


def check_secrets(cfg, compose_dir, problems):
    secrets = cfg.get("secrets") or {}
    for sname, s in secrets.items():
        path = s.get("file", "")
        rel = os.path.relpath(path, compose_dir)
        if not rel.startswith("secrets" + os.sep):
            problems.append(f"secret {sname}: {path} is not under compose/secrets/")
        elif compose_dir == COMPOSE_DIR and not gitignored(path):
            problems.append(f"secret {sname}: {rel} is not gitignored")
    for name, svc in cfg["services"].items():
        mounted = set()
        for s in svc.get("secrets") or []:
            mounted.add(s if isinstance(s, str) else s.get("source"))
        for var, val in (svc.get("environment") or {}).items():
            m = re.match(r"/run/secrets/([^/]+)", str(val or ""))
            if m and m.group(1) not in mounted:
                problems.append(f"{name}: {var} points at secret {m.group(1)}, not mounted")


def check_env_file(compose_file, env_path, problems):
    """Every ${VAR} of the compose file is in .env.example with the same default."""
    with open(compose_file) as f:
        text = f.read()
    example = env_example(env_path)
    used = {}
    for var, default in re.findall(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}", text):
        if used.setdefault(var, default) != default:
            problems.append(f"compose: ${{{var}}} has two defaults")
    for var, default in used.items():
        if var not in example:
            problems.append(f".env.example: lacks {var} (compose default {default!r})")
        elif example[var] != default:
            problems.append(f".env.example: {var}={example[var]!r}, compose default "
                            f"{default!r}")
    for var in example:
        if var not in used and var not in COMPOSE_VARS:
            problems.append(f".env.example: {var} is not used by the compose file")
    if "sim" not in example.get("COMPOSE_PROFILES", "").split(","):
        problems.append(".env.example: COMPOSE_PROFILES does not turn on the sim profile")


def check_haproxy(cfg_path, cfg, problems, notes):
    if shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy"):
        r = run(["/usr/sbin/haproxy", "-c", "-q", "-f", cfg_path])
        if r.returncode != 0:
            problems.append(f"haproxy.cfg: haproxy -c failed: {r.stderr.strip()}")
    else:
        notes.add("haproxy not installed: haproxy -c skipped (scripts/deps.sh installs it)")
    with open(cfg_path) as f:
        text = f.read()
    edge = cfg["services"].get("api-edge", {}).get("environment") or {}
    port = str(edge.get("COINBUS_HTTP_PORT", "8000"))
    m = re.search(r"^\s*server-template\s+\S+\s+\d+\s+api-edge:(\d+)\b(.*)$", text, re.M)
    if not m:
        problems.append("haproxy.cfg: no server-template over the name api-edge")
    elif m.group(1) != port:
        problems.append(f"haproxy.cfg: api-edge port {m.group(1)}, api-edge listens on {port}")
    if not re.search(r"^\s*nameserver\s+\S+\s+127\.0\.0\.11:53", text, re.M) or \
            not re.search(r"resolvers\s+\S+", text):
        problems.append("haproxy.cfg: Docker's DNS (127.0.0.11) is not a resolver")


def check_dockerignore(path, problems):
    """The build context (the repository) never carries the secrets or build output."""
    try:
        with open(path) as f:
            kept_out = {line.strip().rstrip("/") for line in f
                        if line.strip() and not line.startswith("#")}
    except OSError:
        kept_out = set()
    for need in ("compose/secrets", "compose/.env", "build"):
        if need not in kept_out:
            problems.append(f".dockerignore: does not keep {need} out of the build context")


def check_all(compose_dir, reads, defaults=True):
    """Every problem of one compose/ directory (empty when it holds), plus notes.
    defaults: also resolve the compose file without .env.example (only its defaults)."""
    problems, notes = [], set()
    compose_file = os.path.join(compose_dir, "docker-compose.yml")
    env_path = os.path.join(compose_dir, ".env.example")
    stages = dockerfile_stages(os.path.join(compose_dir, "Dockerfile"))
    with tempfile.NamedTemporaryFile("w", suffix=".env") as empty:
        for env_file in (empty.name, env_path) if defaults else (env_path,):
            cfg = compose_config(compose_file, env_file)
            if isinstance(cfg, str):
                problems.append(cfg)
                return problems, notes
            for name, svc in sorted(cfg["services"].items()):
                check_service(name, svc, stages, reads, problems, notes)
            check_secrets(cfg, compose_dir, problems)
    if "--appendonly" not in (cfg["services"].get("redis", {}).get("command") or []):
        problems.append("redis: AOF (--appendonly yes) is off")
    if "sim" not in (cfg["services"].get("venue-sim", {}).get("profiles") or []):
        problems.append("venue-sim: not in the sim profile")
    check_env_file(compose_file, env_path, problems)
    check_haproxy(os.path.join(compose_dir, "haproxy.cfg"), cfg, problems, notes)
    runtime = stages.get("runtime", {"packages": []})
    libs = {b: needed_libs(os.path.join(BIN_DIR, b)) for b in sorted(reads)}
    owner = packages_of([p for d in libs.values() for p in d.values() if p])
    for b, needed in libs.items():
        for soname, path in needed.items():
            pkg = owner.get(path)
            if pkg not in runtime["packages"]:
                problems.append(f"Dockerfile: runtime lacks {pkg or '?'} ({soname} of {b})")
    build_pkgs = set(stages.get("build", {"packages": []})["packages"])
    for pkg in sorted(deps_dev_packages() - TEST_ONLY_DEV - build_pkgs):
        problems.append(f"Dockerfile: build stage lacks {pkg} (scripts/deps.sh)")
    if runtime.get("user") in ("root", "0"):
        problems.append("Dockerfile: the runtime stage runs as root")
    check_dockerignore(os.path.join(compose_dir, "..", ".dockerignore"), problems)
    for sname, stage in stages.items():
        for src in stage.get("copies", []):
            if not os.path.exists(os.path.join(ROOT, src)):
                problems.append(f"Dockerfile: stage {sname} copies {src}, not in the repository")
    return problems, notes


# ---- deliberately broken copies ------------------------------------------------------

BROKEN = [
    ("an unknown variable", "docker-compose.yml",
     "      COINBUS_FEED_LEASE_MS: ${COINBUS_FEED_LEASE_MS:-5000}\n",
     "      COINBUS_FEED_LEASE_MS: ${COINBUS_FEED_LEASE_MS:-5000}\n"
     "      COINBUS_EDGE_RATE_LIMIT: 7\n",
     "market-feed: sets COINBUS_EDGE_RATE_LIMIT, which market-feed does not read"),
    ("a healthcheck program not in the image", "docker-compose.yml",
     '"curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/health"',
     '"wget", "-q", "http://127.0.0.1:8000/health"',
     "api-edge: healthcheck program 'wget' is not in image stage runtime"),
    ("a published port", "docker-compose.yml",
     '    command: ["api-edge"]\n',
     '    command: ["api-edge"]\n    ports: ["8001:8000"]\n',
     "api-edge: publishes"),
    ("a binary the build does not make", "docker-compose.yml",
     'command: ["sentiment"]', 'command: ["sentimentd"]',
     "sentiment: command 'sentimentd' is no binary"),
    ("a default .env.example does not list", ".env.example",
     "COINBUS_SIM_RATE=20\n", "COINBUS_SIM_RATE=25\n",
     ".env.example: COINBUS_SIM_RATE='25', compose default '20'"),
    ("a runtime library left out", "Dockerfile",
     "    libwslay1 \\\n", "",
     "Dockerfile: runtime lacks libwslay1"),
    ("secrets sent to docker build", "../.dockerignore",
     "compose/secrets\n", "",
     ".dockerignore: does not keep compose/secrets out"),
    ("haproxy.cfg without Docker's DNS", "haproxy.cfg",
     "nameserver dns1 127.0.0.11:53", "nameserver dns1 10.0.0.1:53",
     "haproxy.cfg: Docker's DNS"),
]


def check_broken(reads):
    """Each broken copy must fail with its expected problem; returns the failures."""
    failures = []
    for what, fname, old, new, expect in BROKEN:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "compose")
            shutil.copytree(COMPOSE_DIR, copy, ignore=shutil.ignore_patterns("secrets", ".env"))
            shutil.copy(os.path.join(ROOT, ".dockerignore"), tmp)
            path = os.path.join(copy, fname)
            with open(path) as f:
                text = f.read()
            if old not in text:
                failures.append(f"broken copy '{what}': {fname} no longer holds {old!r}")
                continue
            with open(path, "w") as f:
                f.write(text.replace(old, new, 1))
            problems, _ = check_all(copy, reads, defaults=False)
            if not any(expect in p for p in problems):
                failures.append(f"broken copy '{what}' was not caught (want {expect!r}; "
                                f"got {problems})")
            else:
                print(f"ok: broken copy '{what}' fails: "
                      f"{next(p for p in problems if expect in p)}")
    return failures


def main():
    if shutil.which("docker-compose") is None:
        print("SKIP: docker-compose is not installed (scripts/deps.sh installs Debian's "
              "docker-compose); compose/ was not checked")
        return 0
    if not os.path.isdir(BIN_DIR):
        print(f"FAIL: {BIN_DIR} is missing: run `make all` first")
        return 1
    reads = binary_vars()
    problems, notes = check_all(COMPOSE_DIR, reads)
    for n in sorted(notes):
        print("note:", n)
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"ok: compose/ holds ({len(reads)} binaries, {len(BROKEN)} broken copies next)")
    failures = check_broken(reads)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
