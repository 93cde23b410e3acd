"""The sync benchmark's simulated devices speak the current wire format (bench/sync_bench.py).

If a record's fields drift from what the server accepts, every benchmark push would be
rejected; this catches it in the test run instead of in a five-minute benchmark.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "sync_bench.py"


@pytest.fixture(scope="module")
def sync_bench():
    spec = importlib.util.spec_from_file_location("sync_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_a_benchmark_batch_is_applied_in_full_and_pulled_back(sync_bench, app, client_for, world):
    phone = client_for("tech1")
    device = sync_bench.Device([world["wo1"].id], world["part"].part_number)
    sizes = (sync_bench.BATCH, 20)  # the second batch continues the seqs and the house-call script
    for size in sizes:
        response = phone.post(
            "/api/sync/push", data=device.push_body(size), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert len(results) == size
        assert {r["status"] for r in results} == {"applied"}, [r for r in results if r["status"] != "applied"][:1]
    pulled = phone.get("/api/sync/pull?limit=1000").get_json()["changes"]
    kinds = {c["entity"] for c in pulled}
    assert {"checklist_answer", "visit_event", "diagnosis", "part_fitted", "fee_quote"} <= kinds
    visit_records = [c for c in pulled if c["entity"] not in ("work_order", "customer", "product", "part", "van_stock")]
    assert len(visit_records) == sum(sizes)


def test_the_pouchdb_documents_carry_the_same_records(sync_bench):
    device = sync_bench.Device(["wo-1", "wo-2"], "AC-CAP-35")
    docs = json.loads(device.bulk_docs_body(40))["docs"]
    assert len(docs) == 40 and len({d["_id"] for d in docs}) == 40
    assert {d["type"] for d in docs} >= {"checklist_answer", "visit_event", "diagnosis", "part_fitted", "fee_quote"}
    assert all(d["work_order_id"] in ("wo-1", "wo-2") for d in docs)


def test_the_http_client_reads_lengths_chunks_and_closes(sync_bench):
    """The load generator's own client against a tiny server speaking each framing."""
    import socket
    import threading

    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    ]
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        with conn:
            for answer in answers[:2]:
                conn.recv(65536)
                conn.sendall(answer)
            conn.recv(65536)
            conn.sendall(answers[2])
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    http = sync_bench.Http(port)
    assert http.get("/a") == (200, b"hello")
    assert http.request("POST", "/b", b"{}") == (201, b"abcde")
    assert http.get("/c") == (200, b"ok")
    assert http.sock is None  # the server said close: the next request reconnects


def test_the_push_floor_writes_rows_the_schema_takes_and_times_validation(backend, app, world, db):
    """bench/push_floor.py writes the tables directly: it must keep up with the schema."""
    if backend != "postgresql":
        pytest.skip("the floor is measured on PostgreSQL")
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("push_floor", BENCH.parent / "push_floor.py")
    floor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floor)
    import sqlalchemy as sa

    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://", 1)
    assert floor.sql_floor(url, 2) > 0
    written = db.session.scalar(sa.text("SELECT count(*) FROM visit_events WHERE kind = 'arrived'"))
    assert written == 12 * floor.sb.BATCH  # ten warm-up batches and two timed ones
    assert floor.validation(Path(__file__).resolve().parent.parent, 2) > 0
