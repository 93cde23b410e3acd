"""Fuzz every operation in /api/openapi.json, signed in as each role, with schemathesis.

For each role (anonymous, technician, dispatcher, manager) every operation gets
schema-valid and schema-violating requests, sent in-process to the WSGI app. Every
answer must be a non-5xx, match its status's documented schema and content type, and
every error must carry the one JSON error body {code, status, message, errors}.
Path parameters and ids in bodies are swapped for ids of seeded records half of the
time, so requests get past the 404s into the views.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
from collections import Counter

import conftest as shared  # tests/conftest.py, imported the way the other test modules do
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import create_app
from server.extensions import db as _db
from server.sync.names import MODEL_BY_ENTITY
from server.sync.schemas import CREATE_SCHEMAS

from .conftest import TALLY

ROLES = ("anonymous", "technician", "dispatcher", "manager")
# Requests per operation, role and generation mode (valid / invalid input); operations
# with few possible inputs (no parameters) run fewer. About 2,400 requests per backend.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Unset: the same requests on every run, so a finding reproduces. Set FUZZ_SEED=<n> (and a
# larger FUZZ_EXAMPLES) to explore other inputs; a failure's report shows the request to replay.
SEED = os.environ.get("FUZZ_SEED")
PUSH = "POST /api/sync/push"
PUSH_WEIGHT = 4  # the push endpoint takes arbitrary batches from the field: it gets more cases
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
NOT_A_TOKEN = {"Authorization": "Bearer ons_not-a-token"}


def error_body(ctx, response, case):
    """Every 4xx/5xx answer is the one JSON error body, its code the HTTP status."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except Exception as exc:  # any decoding failure is the finding
        raise AssertionError(f"{response.status_code} answer is not JSON: {response.text[:200]!r}") from exc
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    missing = {"code", "status", "message", "errors"} - set(body)
    assert not missing, f"error body lacks {sorted(missing)}: {body}"
    assert body["code"] == response.status_code, f"code {body['code']} but HTTP {response.status_code}"
    assert isinstance(body["status"], str) and isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["errors"], dict), f"errors is not an object: {body['errors']!r}"
    return None


def push_answers_each_mutation(ctx, response, case):
    """A push that is answered 200 has one result per mutation sent, rejected ones saying why."""
    if case.operation.label != PUSH or response.status_code != 200:
        return None
    results = response.json()["results"]
    sent = sorted(m["seq"] for m in case.body["mutations"])
    assert sorted(r["seq"] for r in results) == sent, f"results for seqs {[r['seq'] for r in results]}, sent {sent}"
    for result in results:
        if result["status"] == "rejected":
            assert result["error"] and result["error"]["message"], result
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_body,
    push_answers_each_mutation,
]


@pytest.fixture
def app(tmp_path, backend):
    """The conftest app with the password rate limit out of the way (the fuzzer signs in hundreds of times)."""
    app = create_app({**shared.test_config(tmp_path, backend), "LOGIN_RATE_LIMIT": "1000000 per minute"})
    shared.isolate_requests(app)
    with app.app_context():
        shared.reset_database(backend)
        yield app
        _db.session.remove()
        _db.engine.dispose()


def _bearer(client, email: str) -> dict:
    response = client.post("/api/auth/token", json={"email": email, "password": shared.PASSWORD, "name": "fuzz"})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _seed(app, people, world) -> tuple[dict, dict]:
    """Bearer headers per role, and ids of seeded records under the names requests give them."""
    client = app.test_client()
    auth = {
        "anonymous": {},
        "technician": _bearer(client, people["tech1"].email),
        "dispatcher": _bearer(client, people["dispatcher"].email),
        "manager": _bearer(client, people["manager"].email),
    }
    wo1, wo2 = world["wo1"], world["wo2"]
    tech, office = auth["technician"], auth["dispatcher"]
    png = b"\x89PNG\r\n\x1a\n fuzz seed"
    sha = hashlib.sha256(png).hexdigest()
    assert client.put(f"/api/blobs/{sha}", data=png, headers={**tech, "Content-Type": "image/png"}).status_code == 201
    device, now = str(uuid.uuid4()), "2026-01-05T10:00:00+08:00"
    mutations = [  # a stale edit (a conflict), an unknown entity (rejected), a checklist answer (applied)
        {
            "seq": 1,
            "id": str(uuid.uuid4()),
            "entity": "work_order",
            "entity_id": wo1.id,
            "op": "update",
            "fields": {"technician_notes": "stale note"},
            "base_version": 0,
            "at": now,
        },
        {
            "seq": 2,
            "id": str(uuid.uuid4()),
            "entity": "nonsense",
            "entity_id": str(uuid.uuid4()),
            "op": "create",
            "fields": {},
            "base_version": None,
            "at": now,
        },
        {
            "seq": 3,
            "id": str(uuid.uuid4()),
            "entity": "checklist_answer",
            "entity_id": str(uuid.uuid4()),
            "op": "create",
            "fields": {"work_order_id": wo1.id, "step": "kit_check", "value": "ok"},
            "base_version": None,
            "at": now,
        },
    ]
    pushed = client.post(
        "/api/sync/push", json={"device_id": device, "device_time": now, "mutations": mutations}, headers=tech
    )
    assert pushed.status_code == 200, pushed.get_json()
    complaint = {"work_order_id": wo2.id, "description": "fuzz seed"}
    assert client.post("/api/office/complaints", json=complaint, headers=office).status_code == 201
    ids = {
        "wo_id": [wo1.id, wo2.id],
        "work_order_id": [wo1.id, wo2.id],
        "entity_id": [wo1.id, wo2.id],
        "customer_id": [c.id for c in world["customers"]],
        "product_id": [p.id for p in world["products"]],
        "part_id": [world["part"].id],
        "technician_id": [people["tech1"].id, people["tech2"].id],
        "conflict_id": [c["id"] for c in client.get("/api/sync/conflicts", headers=office).get_json()],
        "mutation_id": [r["id"] for r in client.get("/api/sync/rejected", headers=office).get_json()],
        "follow_up_id": [f["id"] for f in client.get("/api/office/follow-ups", headers=office).get_json()],
        "sha256": [sha],
        "blob_sha256": [sha],
        "signature_sha256": [sha],
        "summary_sha256": [sha],
        "device_id": [device],
        "entity": sorted(MODEL_BY_ENTITY),
        "part_number": [world["part"].part_number],
        # Real accounts (cheap test hashes) instead of unknown emails, and now and then the right password.
        "email": [people["tech1"].email, people["dispatcher"].email],
        "password": [shared.PASSWORD],
    }
    assert all(ids.values()), {name: len(values) for name, values in ids.items()}
    return auth, ids


def _with_known_ids(data, value, ids: dict):
    """Swap, at random, values under known names for ids of seeded records, and far-off years
    for near ones (recursively).

    The documents give the 1970-2099 bounds of dates only as x-minimum/x-maximum, which the
    generator does not read: without this, nearly every date would be rejected before the view.
    """
    if isinstance(value, dict):
        return {
            key: data.draw(st.sampled_from(ids[key]))
            if key in ids and isinstance(item, str) and data.draw(st.booleans())
            else _with_known_ids(data, item, ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_with_known_ids(data, item, ids) for item in value]
    if (
        isinstance(value, str)
        and ISO_DAY.match(value)
        and not 1970 <= int(value[:4]) <= 2099
        and data.draw(st.integers(0, 3))
    ):  # most of the time
        return data.draw(st.sampled_from(["2024", "2028"])) + value[4:]  # leap years: 02-29 stays a day
    return value


def _negatable(operation) -> bool:
    # Only query strings and bodies can be made invalid: a path parameter is any non-empty
    # string already, so Hypothesis would search in vain for an invalid one.
    return bool(len(operation.query) or len(operation.body))


def _is_json(value) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _entity_fields(spec: dict) -> dict:
    """entity -> (op, strategy for its `fields`), generated from the field schemas in the OpenAPI document.

    MutationIn leaves `fields` an open object, so the plain push cases hardly ever reach
    the per-entity rules; these draw each entity's fields from its documented schema.
    """
    names = {"work_order": ("update", "WorkOrderChange")}
    names.update({e: ("create", "".join(p.title() for p in e.split("_")) + "Fields") for e in CREATE_SCHEMAS})
    doc = {
        "openapi": spec["openapi"],
        "info": {"title": "entity fields", "version": "1"},
        "components": spec["components"],
        "paths": {
            f"/{entity}": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
            for entity, (_, name) in names.items()
        },
    }
    fields_api = schemathesis.openapi.from_dict(doc)
    out = {}
    for result in fields_api.get_all_operations():
        operation = result.ok()
        entity = operation.path.strip("/")
        bodies = st.one_of(
            operation.as_strategy(generation_mode=mode).map(lambda case: case.body) for mode in GenerationMode
        ).filter(_is_json)  # invalid-mode bodies may be raw bytes: the JSON envelope cannot carry those
        out[entity] = (names[entity][0], bodies)
    return out


def _realistic_push(data, body: dict, entities: dict, ids: dict) -> dict:
    """A push whose seqs run from 1 and whose mutations carry fields drawn from their entity's schema."""
    mutations = []
    for seq, raw in enumerate(body["mutations"], start=1):
        entity = data.draw(st.sampled_from(sorted(entities)))
        op, fields_strategy = entities[entity]
        fields = _with_known_ids(data, data.draw(fields_strategy), ids)
        if isinstance(fields, dict) and entity != "work_order":
            fields["work_order_id"] = data.draw(st.sampled_from(ids["wo_id"]))  # one's own, or someone else's
        mutations.append(
            {
                **raw,
                "seq": seq,
                "entity": entity,
                "op": data.draw(st.sampled_from([op, op, op, "delete", "update" if op == "create" else "create"])),
                "id": str(uuid.uuid4()),
                "entity_id": data.draw(st.sampled_from(ids["wo_id"])) if entity == "work_order" else str(uuid.uuid4()),
                "fields": fields,
                "base_version": data.draw(st.one_of(st.none(), st.integers(0, 5))),
                "at": data.draw(st.sampled_from(["2026-01-05T10:00:00+08:00", "2026-01-05T02:00:00Z"])),
            }
        )
    # Fresh ids (not drawn: Hypothesis repeats its favourite UUIDs, and a known device or
    # mutation id turns the whole batch into replays).
    return {**body, "device_id": str(uuid.uuid4()), "mutations": mutations}


def _fuzz(operation, mode, headers: dict, ids: dict, entities: dict, statuses: Counter) -> None:
    is_push = operation.label == PUSH

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        if case.path_parameters:
            case.path_parameters = _with_known_ids(data, case.path_parameters, ids)
        if case.query:
            case.query = _with_known_ids(data, case.query, ids)
        if isinstance(case.body, (dict, list)):
            case.body = _with_known_ids(data, case.body, ids)
        if (
            is_push
            and isinstance(case.body, dict)
            and isinstance(case.body.get("mutations"), list)
            and all(isinstance(m, dict) for m in case.body["mutations"])
            and data.draw(st.booleans())
        ):
            case.body = _realistic_push(data, case.body, entities, ids)
        sent = headers
        if not headers and data.draw(st.booleans()):
            sent = NOT_A_TOKEN  # signs nobody in but waives CSRF: reaches the views' own 401s
        # The WSGI transport hands back the body as sent: ask for it uncompressed (compression
        # is tested in tests/test_compression.py).
        sent = {**sent, "Accept-Encoding": "identity"}
        response = case.call(headers=sent)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=sent)

    if SEED is not None:
        run = seed(int(SEED))(run)
    settings(
        max_examples=EXAMPLES * (PUSH_WEIGHT if is_push else 1),
        derandomize=SEED is None,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failing request as sent
        suppress_health_check=list(HealthCheck),
    )(run)()


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_as_each_role(app, backend, people, world, role, record_property):
    """No 5xx, documented schemas and content types, and the JSON error body on every error."""
    auth, ids = _seed(app, people, world)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    entities = _entity_fields(schema.raw_schema)
    statuses: Counter = Counter()
    failures = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50  # the whole API, not a stub of it
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and not _negatable(operation):
                continue
            try:
                _fuzz(operation, mode, auth[role], ids, entities, statuses)
            except (Exception, BaseExceptionGroup) as exc:  # collect every finding, then fail once
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    cases = sum(statuses.values())
    record_property(TALLY, (backend, role, cases, dict(statuses)))
    print(f"\nfuzz {backend}/{role}: {cases} cases in {time.monotonic() - started:.1f}s, statuses {dict(statuses)}")
    assert not failures, "\n\n".join(failures)
    assert cases >= 450, f"only {cases} requests generated for {role}"
