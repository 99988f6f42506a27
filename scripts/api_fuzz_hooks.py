"""schemathesis hooks of scripts/api-fuzz.

Portal-Min-Position beyond the log's last position is answered with 400
`validation.position` at once (api::await_position). Generated positions
are clamped to the log's head at the start of the run (API_FUZZ_HEAD) so
that most reads get past the header to their handler. Malformed values pass
unchanged (400 validation.position).

ast.parse runs under one lock: CPython 3.11 before 3.11.5 (Debian 12 has
3.11.2) keeps the AST converter's recursion depth per interpreter, so two
threads parsing at once (hypothesis describes strategy lambdas by parsing
their source, once per worker thread) can fail with "SystemError: AST
constructor recursion depth mismatch" (CPython gh-106905). It failed a CI run.
"""

import ast
import os
import threading

import schemathesis

HEAD = int(os.environ.get("API_FUZZ_HEAD", "0"))

_ast_parse = ast.parse
_ast_lock = threading.Lock()


def _serialised_ast_parse(*args, **kwargs):
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _serialised_ast_parse


@schemathesis.hook
def map_headers(context, headers):
    if not headers:
        return headers
    value = headers.get("Portal-Min-Position")
    if isinstance(value, str) and value.isdigit() and int(value) > HEAD:
        headers["Portal-Min-Position"] = str(HEAD)
    return headers
