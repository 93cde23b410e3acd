"""Who may see and change what: roles and object-level rules, in one module.

A technician sees the work orders assigned to them while they hold the job (not
closed or cancelled), the customers and products of those orders, their own van
stock and the catalogue. Dispatchers see all work orders; managers see everything.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..domain.lifecycle import TECHNICIAN_HOLDS
from ..models import BlobUpload, Customer, CustomerSignOff, Photo, Product, Role, User, VanStock, WorkOrder

HOLDING = [s.value for s in TECHNICIAN_HOLDS]


def is_office(user: User) -> bool:
    """Dispatchers and managers work across all jobs."""
    return user.has_role(Role.DISPATCHER, Role.MANAGER)


def held_by(technician_id: str):
    """SQL condition: work orders the technician currently holds."""
    return sa.and_(WorkOrder.technician_id == technician_id, WorkOrder.status.in_(HOLDING))


def work_order_filter(user: User):
    """SQL condition on WorkOrder for the orders `user` may see."""
    return sa.true() if is_office(user) else held_by(user.id)


def customer_filter(user: User):
    """SQL condition on Customer for the customers `user` may see."""
    if is_office(user):
        return sa.true()
    return Customer.id.in_(sa.select(WorkOrder.customer_id).where(held_by(user.id)))


def product_filter(user: User):
    """SQL condition on Product: products of customers `user` may see (repair history)."""
    if is_office(user):
        return sa.true()
    return Product.customer_id.in_(sa.select(WorkOrder.customer_id).where(held_by(user.id)))


def van_stock_filter(user: User):
    """SQL condition on VanStock: a technician sees only their own van."""
    return sa.true() if is_office(user) else VanStock.technician_id == user.id


def can_view_work_order(user: User, wo: WorkOrder) -> bool:
    """True when `user` may see this work order."""
    return is_office(user) or (wo.technician_id == user.id and wo.status in HOLDING)


def can_record_visit(user: User, wo: WorkOrder) -> bool:
    """True when `user` may add visit records to this work order (its technician, or the office)."""
    return can_view_work_order(user, wo)


def can_manage_work_orders(user: User) -> bool:
    """Create, assign and reschedule: the office only."""
    return is_office(user)


def can_manage_catalogue(user: User) -> bool:
    """Parts catalogue and van stock levels: managers and dispatchers."""
    return is_office(user)


def may_use_blob(session, user: User, sha256: str) -> bool:
    """True when `user` may read a stored blob, and so refer to it from a record.

    The office may; so may whoever uploaded its bytes (blobs are shared by content, so
    several users may have), and whoever may see a record that already refers to it.
    Knowing a hash alone is not enough.
    """
    if is_office(user):
        return True
    uploaded = sa.select(BlobUpload.sha256).where(BlobUpload.sha256 == sha256, BlobUpload.user_id == user.id)
    if session.scalar(uploaded) is not None:
        return True
    visible = sa.select(WorkOrder.id).where(held_by(user.id))
    for model, column in (
        (Photo, Photo.blob_sha256),
        (Photo, Photo.original_sha256),  # the photo as taken, under its markup
        (CustomerSignOff, CustomerSignOff.signature_sha256),
    ):
        if session.scalar(sa.select(model.id).where(column == sha256, model.work_order_id.in_(visible)).limit(1)):
            return True
    return False
