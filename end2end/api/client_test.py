"""A department's system as a third party would write it: from the OpenAPI document alone.

Fetches /api/v1/openapi.json, validates it with openapi-spec-validator (a third-party
validator), then signs calls as the document's `signature` scheme describes and checks every
answer against the document's schema for that path and status. Run by the server's HTTP tests
(`server/tests/it/machine.rs`) against a test server, with the key it was given:
DOUDI_BASE, DOUDI_KEY_ID, DOUDI_KEY_SECRET, DOUDI_HEAD_ID.
"""

import datetime
import hashlib
import hmac
import json
import os
import sys
import time
import uuid

import jsonschema
import requests
from openapi_spec_validator import validate

BASE = os.environ["DOUDI_BASE"]
KEY_ID = os.environ["DOUDI_KEY_ID"]
SECRET = os.environ["DOUDI_KEY_SECRET"]
HEAD_ID = os.environ["DOUDI_HEAD_ID"]

doc = requests.get(BASE + "/api/v1/openapi.json", timeout=10).json()
validate(doc)
print(f"openapi document valid ({doc['openapi']})")
assert doc["openapi"].startswith("3.1"), doc["openapi"]

scheme = doc["components"]["securitySchemes"]["signature"]
assert scheme["type"] == "apiKey" and scheme["in"] == "header", scheme


def schema_of(path, method, status):
    """The JSON schema the document gives for an answer, its references resolvable."""
    content = doc["paths"][path][method]["responses"][str(status)]["content"]
    schema = content["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def signed(method, path_and_query, body=b"", content_type=None):
    ts = str(int(time.time()))
    nonce = uuid.uuid4().hex
    digest = hashlib.sha256(body).hexdigest()
    text = "\n".join(["HMAC-SHA256", method, path_and_query, ts, nonce, digest])
    sig = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    headers = {
        "X-Doudi-Content-Digest": digest,
        "X-Doudi-Key": KEY_ID,
        "X-Doudi-Timestamp": ts,
        "X-Doudi-Nonce": nonce,
        "X-Doudi-Signature": sig,
        "X-Doudi-Algorithm": "HMAC-SHA256",
    }
    if content_type:
        headers["Content-Type"] = content_type
    return requests.request(method, BASE + path_and_query, data=body, headers=headers, timeout=30)


def check(resp, path, method, status):
    assert resp.status_code == status, (path, resp.status_code, resp.text)
    body = resp.json()
    jsonschema.validate(body, schema_of(path, method, status))
    return body


day = (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
records = "\n".join(
    json.dumps(r, ensure_ascii=False)
    for r in [
        {"id_number": HEAD_ID, "date": day, "total": "1000", "out_of_pocket": "100"},
        {"id_number": HEAD_ID, "date": "not a day", "total": "1", "out_of_pocket": "1"},
    ]
).encode()
report = check(
    signed("POST", "/api/v1/records/medical_insurance?batch=py-1", records, "application/x-ndjson"),
    "/api/v1/records/{source}", "post", 200,
)
assert (report["rows_read"], report["valid"], report["invalid"]) == (2, 1, 1), report

refused_batch = check(
    signed("POST", "/api/v1/records/medical_insurance?batch=py-2", b"no records", "application/x-ndjson"),
    "/api/v1/records/{source}", "post", 422,
)
assert refused_batch["refused"] == "unreadable", refused_batch
bad_key = check(
    signed("POST", "/api/v1/records/medical_insurance?batch=" + "k" * 65, records, "application/x-ndjson"),
    "/api/v1/records/{source}", "post", 422,
)
assert bad_key["error"] == "invalid", bad_key
check(signed("GET", "/api/v1/warnings?limit=10"), "/api/v1/warnings", "get", 200)
check(signed("GET", "/api/v1/referrals?state=all"), "/api/v1/referrals", "get", 200)
standing = check(
    signed("POST", "/api/v1/standing", json.dumps({"id_number": HEAD_ID}).encode(), "application/json"),
    "/api/v1/standing", "post", 200,
)
assert standing["found"] is False, standing  # nobody of the test's database has this number
refused = check(
    signed("POST", "/api/v1/standing", b'{"id_number": "1"}', "application/json"),
    "/api/v1/standing", "post", 422,
)
assert refused["error"] == "invalid", refused
unsigned = requests.get(BASE + "/api/v1/referrals", timeout=10)
check(unsigned, "/api/v1/referrals", "get", 401)
print("all calls answered as documented")
sys.exit(0)
