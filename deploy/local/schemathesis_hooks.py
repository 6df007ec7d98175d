"""Schemathesis hooks for credex: serialise NDJSON submission bodies."""
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    # A submission of NDJSON is one envelope a line; anything else generated
    # for it is sent as one JSON line, which the hub must refuse cleanly.
    if isinstance(value, dict) and isinstance(value.get("records"), list):
        value = value["records"]
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in lines).encode()
