#!/usr/bin/env python3
"""Checks that docs/openapi.yaml and the gateway's route table agree.

Every route registered in <routes-dir>/routes_*.cpp (`r.add(verb::get,
"/api/v1/...", ...)`) must be an operation of the OpenAPI document (method
and path), and every operation must be registered, except operations marked
`x-portal-planned: true` (in the contract, not implemented yet); a planned
operation that is registered must lose its mark.

Usage: openapi_routes.py ROUTES_DIR OPENAPI_YAML
Exit status 0 when they agree, 1 with one line per difference otherwise.
Needs only the Python standard library (the document is read line by line:
paths at two spaces, methods at four, as docs/openapi.yaml is written).
"""

import pathlib
import re
import sys

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

ADD = re.compile(
    r"\b(?:r|router|rt)\s*\.\s*add\s*\(\s*(?:http\s*::\s*)?verb\s*::\s*(\w+?)_?\s*,\s*"
    r'"([^"]+)"',
    re.S,
)


def registered_routes(routes_dir):
    routes = {}
    files = sorted(pathlib.Path(routes_dir).glob("routes_*.cpp"))
    if not files:
        sys.exit(f"openapi_routes: no routes_*.cpp in {routes_dir}")
    for f in files:
        text = f.read_text(encoding="utf-8")
        # Drop comments so that commented-out routes do not count.
        text = re.sub(r"//[^\n]*", "", text)
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for m in ADD.finditer(text):
            method = m.group(1).lower()
            routes[(method, m.group(2))] = f.name
    return routes


def documented_operations(yaml_path):
    """(method, path) -> planned flag, from the `paths:` section."""
    ops = {}
    in_paths = False
    path = None
    method = None
    for raw in pathlib.Path(yaml_path).read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            in_paths = line.startswith("paths:")
            path = method = None
            continue
        if not in_paths:
            continue
        if indent == 2:
            m = re.match(r"^  ['\"]?(/[^'\":]*)['\"]?:\s*$", line)
            if not m:
                sys.exit(f"openapi_routes: cannot read path line: {line!r}")
            path = m.group(1)
            method = None
        elif indent == 4 and path is not None:
            key = line.strip().rstrip(":")
            if key in METHODS:
                method = key
                ops[(method, path)] = False
            else:
                method = None
        elif indent == 6 and method is not None:
            if re.match(r"^\s*x-portal-planned:\s*true\s*$", line):
                ops[(method, path)] = True
    if not ops:
        sys.exit(f"openapi_routes: no operations under paths: in {yaml_path}")
    return ops


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    routes = registered_routes(sys.argv[1])
    ops = documented_operations(sys.argv[2])
    problems = []
    for (method, path), source in sorted(routes.items()):
        if (method, path) not in ops:
            problems.append(
                f"{method.upper()} {path} ({source}) is not in {sys.argv[2]}"
            )
        elif ops[(method, path)]:
            problems.append(
                f"{method.upper()} {path} ({source}) is registered: remove its "
                "x-portal-planned mark"
            )
    for (method, path), planned in sorted(ops.items()):
        if (method, path) not in routes and not planned:
            problems.append(
                f"{method.upper()} {path} is documented but no routes_*.cpp registers it"
            )
    planned = sum(1 for p in ops.values() if p)
    for p in problems:
        print(f"openapi_routes: {p}")
    print(
        f"openapi_routes: {len(routes)} registered routes, {len(ops)} documented "
        f"operations ({planned} planned), {len(problems)} differences"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
