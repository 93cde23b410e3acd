"""The domain model, one module per aggregate; imported here so metadata is complete."""
from .base import UUID_RE, Versioned, new_id, utcnow
from .customers import Customer, CustomerTier, Product
from .parts import BARCODE_FORMATS, Part, VanStock
from .office import FollowUp, OfficeSetting, ReconciliationReview, RecoveryCase, ReportShare
from .people import ApiToken, Passkey, Role, User
from .sync import Blob, BlobUpload, ChangeLogEntry, Conflict, Device, MutationRecord, SyncState
from .visits import (
    ChecklistAnswer,
    CustomerSignOff,
    Diagnosis,
    FeeQuote,
    PartFitted,
    Photo,
    VisitEvent,
    VisitRecord,
)
from .work_orders import Channel, Outcome, Priority, TicketCounter, WorkOrder, WorkOrderType

__all__ = [name for name in dir() if not name.startswith("_")]
