"""The sync API (sync.md Part 1): a thin blueprint over push, pull and the blob store."""

from __future__ import annotations

import hashlib
import re

from flask import Response, current_app, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth import permissions
from ..auth.access import require_office
from ..blobs import blob_store
from ..dialect_sql import insert_ignore, is_postgres
from ..domain.errors import M_, NotFound
from ..errors import ApiError  # the transport's own answers (400, 413, 415)
from ..extensions import db
from ..models import Blob, BlobUpload, utcnow
from ..request_limits import body_limit
from ..services import review
from ..wire.errors import ErrorBody
from ..wire.review import ConflictOut, ConflictSettleIn, RejectedOut, RejectedSettleIn, ReviewQuery
from . import pull as pull_module
from .isolation import isolate_rows, keep_if_encodes
from .push import push as apply_push
from .schemas import BlobOut, PullOut, PullQuery, PushIn, PushOut, SequenceGapError

blp = Blueprint("sync", __name__, url_prefix="/api", description="Offline sync: push, pull, blobs")

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
BLOB_TYPES = {"image/png", "image/jpeg", "image/webp", "image/svg+xml"}
# Blobs are user content: never let one run script or be framed when opened directly.
BLOB_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@blp.route("/sync/push", methods=["POST"])
@login_required
@blp.arguments(PushIn)
@blp.response(200, PushOut)
@blp.alt_response(
    409, schema=SequenceGapError, description="Sequence gap: nothing applied; resend from `expected_seq`."
)
@blp.alt_response(403, schema=ErrorBody, description="The device belongs to another user.")
def push(body):
    """Apply a device's outbox entries, each exactly once; one result per mutation."""
    limit = current_app.config["SYNC_PUSH_MAX_MUTATIONS"]
    if len(body["mutations"]) > limit:
        raise ApiError(
            413,
            f"At most {limit} mutations per push; send the rest in another batch.",
            {"mutations": [f"More than {limit}."]},
        )
    piggyback = "pull_cursor" in body
    if piggyback:
        pull_module.decode_cursor(body["pull_cursor"])  # a bad cursor is refused before anything applies
    # The user itself, not Flask-Login's proxy: push reads it once per mutation.
    user = current_user._get_current_object()
    outcome = apply_push(user, body, request.user_agent.string)
    # Results are built in wire form by push.py (as pull's changes are): sent as they are.
    answer = {"last_seq": outcome.last_seq, "results": outcome.results}
    if piggyback:
        # The pull that follows a push, in the same round trip (issue #17): read after the
        # commit, so it sees this push, without its echoes (pull.pull's device_id).
        answer["pull"] = _page_body(
            pull_module.pull(db.session, user, body["pull_cursor"], PULL_LIMIT, body["device_id"])
        )
        end_read(db.session)
    return current_app.json.response(answer)


PULL_LIMIT = 500  # the piggybacked pull's page: the PWA's own pull size


@blp.before_request
def _pull_reads_without_a_transaction():
    """On PostgreSQL a pull runs its statements (the sign-in's look-up included: this comes first)
    without BEGIN and COMMIT, two of a plain page's six round trips. It only reads, and under READ
    COMMITTED each statement reads its own snapshot inside a transaction too, so it sees the same.
    (SQLite keeps its transaction: its BEGIN costs no round trip.)"""
    session = db.session()
    if request.endpoint != "sync.pull" or session.in_transaction():  # (a test's session may be in one)
        return
    if is_postgres(session):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def end_read(session) -> None:
    """End a pull's read-only transaction at once (releasing SQLite's lock) with a COMMIT, not a
    ROLLBACK: psycopg forgets its prepared statements, and deallocates them on the server, at
    every rollback, so the pull's statements were planned again on every page (~2 ms for the
    visit records' union). Nothing is pending to commit: the pull writes nothing."""
    session.commit()


def _page_body(page) -> dict:
    changes = page.changes if page.encoded is None else page.encoded
    body = {"cursor": page.cursor, "has_more": page.has_more, "reset": page.reset, "changes": changes}
    if page.skipped:  # records that could not be serialised (isolation.py): named, not sent
        body["skipped"] = page.skipped
    return body


@blp.route("/sync/pull", methods=["GET"])
@login_required
@blp.arguments(PullQuery, location="query")
@blp.response(200, PullOut)
def pull(query):
    """Changes after the cursor that the caller may see, oldest first."""
    user = current_user._get_current_object()
    page = pull_module.pull(db.session, user, query["cursor"], query["limit"], query["device_id"])
    end_read(db.session)
    # The changes are already in wire form (pull.py builds them, serialize.py their fields):
    # a second pass through PullOut would cost a quarter of a page. PullOut still documents
    # the body, and the fuzz tests check every answer against that document.
    return current_app.json.response(_page_body(page))


def _sha_or_404(sha256: str) -> str:
    if not SHA256_RE.match(sha256):
        raise ApiError(400, "A blob is named by its lowercase hex SHA-256.", {"sha256": ["Not a SHA-256."]})
    return sha256


@blp.route("/blobs/<string:sha256>", methods=["PUT"])
@body_limit("BLOB_MAX_BYTES")
@login_required
@blp.response(201, BlobOut)
@blp.alt_response(200, schema=BlobOut, description="Already stored: nothing changed.")
def put_blob(sha256):
    """Upload a file named by its SHA-256 (photo or signature); the server checks the hash.

    Files are stored once per content: sending bytes someone else sent first is a 200,
    and lets the sender refer to the file from their records (and read it) too.
    """
    _sha_or_404(sha256)
    max_bytes = current_app.config["BLOB_MAX_BYTES"]
    if (request.content_length or 0) > max_bytes:
        raise ApiError(413, f"File too large: at most {max_bytes} bytes.")
    content_type = (request.mimetype or "").lower()
    if content_type not in BLOB_TYPES:
        raise ApiError(
            415, f"Unsupported file type '{content_type}'.", {"Content-Type": [f"One of {sorted(BLOB_TYPES)}."]}
        )
    data = request.get_data(cache=False)
    if len(data) > max_bytes:
        raise ApiError(413, f"File too large: at most {max_bytes} bytes.")
    if not data:
        raise ApiError(400, "Empty file.", {"body": ["No bytes sent."]})
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ApiError(
            400, f"Hash mismatch: the bytes sent hash to {actual}.", {"sha256": ["Does not match the body."]}
        )
    existing = db.session.get(Blob, sha256)
    store = blob_store()
    store.put(sha256, data)  # idempotent; heals a row whose file went missing
    if existing is None:
        db.session.execute(
            insert_ignore(db.session, Blob.__table__).values(
                sha256=sha256,
                size=len(data),
                content_type=content_type,
                uploaded_by_id=current_user.id,
                created_at=utcnow(),
            )
        )
    # Whoever sends the bytes may refer to them, also when someone sent them first.
    db.session.execute(
        insert_ignore(db.session, BlobUpload.__table__).values(
            sha256=sha256, user_id=current_user.id, created_at=utcnow()
        )
    )
    db.session.commit()
    stored = db.session.get(Blob, sha256)
    status = 201 if stored.uploaded_by_id == current_user.id and existing is None else 200
    return {"sha256": sha256, "size": stored.size, "content_type": stored.content_type}, status


@blp.route("/blobs/<string:sha256>", methods=["GET"])
@login_required
@blp.response(200, description="The file's bytes.")
def get_blob(sha256):
    """Download a file the caller may see."""
    blob = db.session.get(Blob, _sha_or_404(sha256))
    if blob is None or not permissions.may_use_blob(db.session, current_user, sha256):
        raise NotFound("blob.not_found", M_("No such file among those you may see."))
    data = blob_store().get(sha256)
    if data is None:
        raise NotFound("blob.bytes_missing", M_("The file's bytes are missing from the store; upload it again."))
    response = Response(data, mimetype=blob.content_type)
    response.headers["Content-Security-Policy"] = BLOB_CSP
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["ETag"] = sha256
    return response


# ---------------------------------------------------------------- review: conflicts and rejected entries
# The same service functions, schemas and order as the office's endpoint and page
# (server/services/review.py, server/wire/review.py).
_conflict_out, _rejected_out = ConflictOut(), RejectedOut()


@blp.route("/sync/conflicts", methods=["GET"])
@login_required
@blp.arguments(ReviewQuery, location="query")
@blp.response(200, ConflictOut(many=True))
def list_conflicts(q):
    """Values that lost a merge (office only), unsettled first, newest first."""
    require_office()
    conflicts = review.open_conflicts(include_settled=not q["open"], limit=q["limit"])
    # A stored value that cannot be encoded is listed as unreadable, not a 500 for the whole list.
    return isolate_rows(
        conflicts,
        _conflict_out.dump,
        "conflicts",
        lambda c: {
            "losing_value": {"value": keep_if_encodes((c.losing_value or {}).get("value"))},
            "winning_value": {"value": keep_if_encodes((c.winning_value or {}).get("value"))},
        },
    )


@blp.route("/sync/conflicts/<string:conflict_id>/settle", methods=["POST"])
@login_required
@blp.arguments(ConflictSettleIn)
@blp.response(200, ConflictOut)
@blp.alt_response(409, schema=ErrorBody, description="Already settled, or the value changed since.")
def settle_conflict(body, conflict_id):
    """Settle a conflict (office only): keep the value in force, put the value that lost in
    force, or (no action) record the decision written in `note`. Same as
    `POST /api/office/conflicts/<id>/settle`."""
    require_office()
    conflict = review.settle_conflict(review.conflict(conflict_id), body["action"], body["note"], current_user)
    db.session.commit()
    return conflict


@blp.route("/sync/rejected", methods=["GET"])
@login_required
@blp.arguments(ReviewQuery, location="query")
@blp.response(200, RejectedOut(many=True))
def list_rejected(q):
    """Entries the server rejected: all for the office, a technician's own otherwise;
    unsettled first, newest first."""
    own = None if permissions.is_office(current_user) else current_user.id
    rows = review.open_rejected(include_settled=not q["open"], limit=q["limit"], user_id=own)
    return isolate_rows(
        rows,
        _rejected_out.dump,
        "rejected entries",
        lambda r: {
            "payload": keep_if_encodes(r.payload),
            "result": {"error": keep_if_encodes((r.result or {}).get("error"))},
        },
    )


@blp.route("/sync/rejected/<string:mutation_id>/settle", methods=["POST"])
@login_required
@blp.arguments(RejectedSettleIn)
@blp.response(200, RejectedOut)
@blp.alt_response(409, schema=ErrorBody, description="Already settled.")
def settle_rejected(body, mutation_id):
    """Mark a rejected entry dealt with, saying how in `note` (office only).

    An entry is known by (device, id): `?device=<device_id>` says which when two devices
    sent the same id (409 `rejected.ambiguous` without it).
    """
    require_office()
    row = review.settle_rejected(review.rejected(mutation_id, request.args.get("device")), body["note"], current_user)
    db.session.commit()
    return row
