"""Customers and their products: the office manages them, technicians read their jobs' ones."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth import permissions
from ..auth.access import require_office, visible_or_404
from ..domain.errors import M_, Conflict, Invalid
from ..domain.service_day import today as service_today
from ..domain.warranty import in_warranty, warranty_end
from ..extensions import db
from ..models import Customer, Product
from ..search import ESCAPE, contains_pattern
from ..services import serials
from ..wire.fields import PageQuery
from ..wire.records import CustomerOut
from .schemas.customers import (
    CustomerIn,
    CustomerPatch,
    CustomerQuery,
    ProductDetailOut,
    ProductIn,
    ProductOut,
)

blp = Blueprint("customers", __name__, url_prefix="/api", description="Customers and products")


@blp.route("/customers", methods=["GET"])
@login_required
@blp.arguments(CustomerQuery, location="query")
@blp.response(200, CustomerOut(many=True))
def list_customers(q):
    """Customers the caller may see; `q` matches part of the name, or the whole phone number."""
    stmt = sa.select(Customer).where(permissions.customer_filter(current_user))
    if q.get("q"):
        # Phones are encrypted at rest: a number is found by its keyed hash, so whole numbers only.
        like = contains_pattern(q["q"])  # % and _ typed are literal, not wildcards
        stmt = stmt.where(sa.or_(Customer.name.ilike(like, escape=ESCAPE), Customer.phone_is(q["q"])))
    return db.session.scalars(stmt.order_by(Customer.name).limit(q["limit"]).offset(q["offset"])).all()


@blp.route("/customers", methods=["POST"])
@login_required
@blp.arguments(CustomerIn)
@blp.response(201, CustomerOut)
def create_customer(body):
    """Add a customer (office only)."""
    require_office()
    customer = Customer(**body)
    db.session.add(customer)
    db.session.commit()
    return customer


@blp.route("/customers/<string:customer_id>", methods=["GET"])
@login_required
@blp.response(200, CustomerOut)
def get_customer(customer_id):
    """One customer the caller may see."""
    return visible_or_404(Customer, customer_id, permissions.customer_filter(current_user), "customer")


@blp.route("/customers/<string:customer_id>", methods=["PATCH"])
@login_required
@blp.arguments(CustomerPatch)
@blp.response(200, CustomerOut)
def update_customer(body, customer_id):
    """Correct a customer's details (office only)."""
    require_office()
    customer = visible_or_404(Customer, customer_id, sa.true(), "customer")
    for field, value in body.items():
        setattr(customer, field, value)
    db.session.commit()
    return customer


def product_out(product: Product, today: date | None = None) -> dict:
    """A product with its warranty status worked out for today (the service area's)."""
    today = today or service_today()
    return {
        **{c: getattr(product, c) for c in ProductOut().fields if hasattr(product, c)},
        "warranty_end": warranty_end(product.purchase_date, product.warranty_months),
        "in_warranty": in_warranty(product.purchase_date, product.warranty_months, today),
    }


@blp.route("/products", methods=["GET"])
@login_required
@blp.arguments(PageQuery, location="query")
@blp.response(200, ProductOut(many=True))
def list_products(q):
    """Products the caller may see."""
    stmt = sa.select(Product).where(permissions.product_filter(current_user)).order_by(Product.serial_no)
    return [product_out(p) for p in db.session.scalars(stmt.limit(q["limit"]).offset(q["offset"]))]


@blp.route("/products", methods=["POST"])
@login_required
@blp.arguments(ProductIn)
@blp.response(201, ProductOut)
def create_product(body):
    """Register a product installed at a customer's (office only)."""
    require_office()
    if db.session.get(Customer, body["customer_id"]) is None:
        raise Invalid(
            "customer.unknown", M_("Unknown customer."), fields={"customer_id": [M_("No customer with this id.")]}
        )
    if db.session.scalar(sa.select(Product.id).where(Product.serial_no == body["serial_no"])):
        raise Conflict(
            "product.serial_exists",
            M_("Serial number already registered."),
            fields={"serial_no": [M_("Already registered.")]},
        )
    product = Product(**body)
    db.session.add(product)
    db.session.commit()
    return product_out(product)


@blp.route("/products/<string:product_id>", methods=["GET"])
@login_required
@blp.response(200, ProductDetailOut)
def get_product(product_id):
    """A product with its warranty status and repair history (every work order on it)."""
    product = visible_or_404(Product, product_id, permissions.product_filter(current_user), "product")
    # Each fitted part with its own warranty end (services/serials.py, one history for every surface).
    history = serials.repair_history(db.session, product.id)
    return {**product_out(product), "repair_history": history}
