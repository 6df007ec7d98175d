"""Schemathesis hooks for credex.

They serialise NDJSON submission bodies, and teach Schemathesis the string
formats the API document defines beyond JSON Schema's own, so that the values
it generates as valid are valid: citizen ID numbers and credit codes with
their check characters, and record type codes of the catalogue the dev hub
runs (schemas/catalog.yaml).
"""
import datetime
import json
import pathlib

import schemathesis
import yaml
from hypothesis import strategies as st


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    # A submission of NDJSON is one envelope a line; anything else generated
    # for it is sent as one JSON line, which the hub must refuse cleanly.
    if isinstance(value, dict) and isinstance(value.get("records"), list):
        value = value["records"]
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in lines).encode()


# GB 11643: 17 digits (region, birth date, sequence) and a check character.
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def citizen_id(region, born, sequence):
    body = f"{region:06d}{born:%Y%m%d}{sequence:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


schemathesis.openapi.format(
    "citizen-id",
    st.builds(
        citizen_id,
        st.integers(110000, 659999),
        st.dates(datetime.date(1900, 1, 1), datetime.date(2005, 12, 31)),
        st.integers(0, 999),
    ),
)

# GB 32100: 17 characters of the alphabet (registration authority, kind,
# six digits of administrative division, organisation code) and a check one.
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(head, kind, division, organisation):
    body = head + kind + division + organisation
    total = sum(CODE_ALPHABET.index(c) * w for c, w in zip(body, CODE_WEIGHTS))
    return body + CODE_ALPHABET[(31 - total % 31) % 31]


schemathesis.openapi.format(
    "credit-code",
    st.builds(
        credit_code,
        st.sampled_from(CODE_ALPHABET[1:]),
        st.sampled_from(CODE_ALPHABET),
        st.text("0123456789", min_size=6, max_size=6),
        st.text(CODE_ALPHABET, min_size=9, max_size=9),
    ),
)

CATALOG = yaml.safe_load((pathlib.Path(__file__).parents[2] / "schemas" / "catalog.yaml").read_text())["types"]
schemathesis.openapi.format("record-type", st.sampled_from([t["code"] for t in CATALOG]))
schemathesis.openapi.format(
    "authorised-inquiry-type",
    st.sampled_from([t["code"] for t in CATALOG if t["disclosure"] == "authorised_inquiry"]),
)
