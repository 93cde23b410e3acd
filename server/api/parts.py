"""The parts catalogue (everyone reads it) and van stock (technicians see their own)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth import permissions
from ..auth.access import require_office, visible_or_404
from ..domain.errors import M_, Invalid
from ..extensions import db
from ..models import Part, Role, User, VanStock
from ..search import ESCAPE, contains_pattern
from ..services import fee_schedule
from ..wire.records import PartOut, VanStockOut
from .schemas.parts import PartIn, PartQuery, VanStockIn, VanStockQuery

blp = Blueprint("parts", __name__, url_prefix="/api", description="Parts catalogue and van stock")


@blp.route("/parts", methods=["GET"])
@login_required
@blp.arguments(PartQuery, location="query")
@blp.response(200, PartOut(many=True))
def list_parts(q):
    """The catalogue; `q` searches number, name and barcode, `barcode` matches exactly."""
    stmt = sa.select(Part)
    if q.get("q"):
        like = contains_pattern(q["q"])  # % and _ typed are literal, not wildcards
        stmt = stmt.where(sa.or_(*(c.ilike(like, escape=ESCAPE) for c in (Part.part_number, Part.name, Part.barcode))))
    if q.get("barcode"):
        stmt = stmt.where(Part.barcode == q["barcode"])
    return db.session.scalars(stmt.order_by(Part.part_number).limit(q["limit"]).offset(q["offset"])).all()


@blp.route("/parts", methods=["POST"])
@login_required
@blp.arguments(PartIn)
@blp.response(201, PartOut)
def create_part(body):
    """Add a part to the catalogue (office only)."""
    require_office()
    part = fee_schedule.add_part(body)
    db.session.commit()
    return part


@blp.route("/parts/<string:part_id>", methods=["GET"])
@login_required
@blp.response(200, PartOut)
def get_part(part_id):
    """One catalogue part."""
    return visible_or_404(Part, part_id, sa.true(), "part")


@blp.route("/van-stock", methods=["GET"])
@login_required
@blp.arguments(VanStockQuery, location="query")
@blp.response(200, VanStockOut(many=True))
def list_van_stock(q):
    """Van stock the caller may see (a technician: their own van)."""
    stmt = sa.select(VanStock).where(permissions.van_stock_filter(current_user))
    if q.get("technician_id"):
        stmt = stmt.where(VanStock.technician_id == q["technician_id"])
    return db.session.scalars(stmt).all()


@blp.route("/van-stock", methods=["PUT"])
@login_required
@blp.arguments(VanStockIn)
@blp.response(200, VanStockOut)
def set_van_stock(body):
    """Set how many of a part a technician carries (office only)."""
    require_office()
    tech = db.session.get(User, body["technician_id"])
    if tech is None or tech.role != Role.TECHNICIAN.value:
        raise Invalid(
            "technician.unknown",
            M_("Unknown technician."),
            fields={"technician_id": [M_("No technician with this id.")]},
        )
    if db.session.get(Part, body["part_id"]) is None:
        raise Invalid("part.unknown", M_("Unknown part."), fields={"part_id": [M_("No part with this id.")]})
    row = db.session.scalar(
        sa.select(VanStock).where(VanStock.technician_id == body["technician_id"], VanStock.part_id == body["part_id"])
    )
    if row is None:
        row = VanStock(technician_id=body["technician_id"], part_id=body["part_id"])
        db.session.add(row)
    row.quantity, row.safety_stock = body["quantity"], body["safety_stock"]
    db.session.commit()
    return row
