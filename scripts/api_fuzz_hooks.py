"""schemathesis hooks of scripts/api-fuzz.

Portal-Min-Position beyond the log's last position is answered with 400
`validation.position` at once (api::await_position). Generated positions
are clamped to the log's head at the start of the run (API_FUZZ_HEAD) so
that most reads get past the header to their handler. Malformed values pass
unchanged (400 validation.position).
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
