"""Staff details a manager keeps: the badge number and photo customers check at the door."""

from __future__ import annotations

import hashlib

from ..blobs import blob_store
from ..domain.errors import M_, Forbidden, Invalid
from ..extensions import db
from ..models import Blob, Role, User

PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
PHOTO_MAX_BYTES = 2 * 1024 * 1024


def _photo_type(data: bytes) -> str | None:
    return next((kind for magic, kind in PHOTO_TYPES.items() if data.startswith(magic)), None)


def set_badge(
    person: User, badge_no: str | None, photo: bytes | None, actor: User, service_area: str | None = None
) -> User:
    """Set a person's badge number and, when given, their photo (JPEG or PNG, at most 2 MB) and the
    cities they cover (`service_area`; None leaves it, "" clears it)."""
    if not actor.has_role(Role.MANAGER):
        raise Forbidden("staff.managers_only", M_("Only a manager can change staff details."))
    errors = {}
    badge = (badge_no or "").strip()
    if len(badge) > 20:
        errors["badge_no"] = [M_("At most 20 characters.")]
    area = None if service_area is None else service_area.strip()
    if area is not None and len(area) > 80:
        errors["service_area"] = [M_("At most 80 characters.")]
    kind = None
    if photo:
        kind = _photo_type(photo)
        if kind is None:
            errors["photo"] = [M_("A photo must be a JPEG or PNG image.")]
        elif len(photo) > PHOTO_MAX_BYTES:
            errors["photo"] = [M_("A photo may be at most 2 MB.")]
    if errors:
        raise Invalid("staff.invalid", M_("The staff details are not valid."), fields=errors)
    person.badge_no = badge or None
    if area is not None:
        person.service_area = area or None
    if photo:
        sha = hashlib.sha256(photo).hexdigest()
        blob_store().put(sha, photo)
        if db.session.get(Blob, sha) is None:
            db.session.add(Blob(sha256=sha, size=len(photo), content_type=kind, uploaded_by_id=actor.id))
        person.photo_sha256 = sha
    return person
