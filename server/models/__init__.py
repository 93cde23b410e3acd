"""The domain model, one module per aggregate; imported here so metadata is complete."""

from .base import UUID_RE, Versioned, new_id, utcnow
from .checklists import JobChecklist
from .customers import Customer, CustomerTier, Product
from .escalations import Decision, Escalation, EscalationKind, EscalationStatus, Severity
from .notifications import Notification, NotificationStatus
from .office import FollowUp, OfficeSetting, ReconciliationReview, RecoveryCase, ReportShare
from .parts import BARCODE_FORMATS, FeeSchedule, Part, VanStock
from .people import ApiToken, Passkey, PasskeyChallenge, Role, SignIn, User
from .push import PushMessage, PushSubscription
from .sync import Blob, BlobUpload, ChangeLogEntry, Conflict, Device, MutationRecord, SyncState
from .visits import (
    ChecklistAnswer,
    CustomerSignOff,
    Diagnosis,
    FeeQuote,
    PartFitted,
    Payment,
    Photo,
    VisitEvent,
    VisitRecord,
)
from .work_orders import Channel, Outcome, Priority, TicketCounter, WorkOrder, WorkOrderType

__all__ = [
    "ApiToken",
    "BARCODE_FORMATS",
    "Blob",
    "BlobUpload",
    "ChangeLogEntry",
    "Channel",
    "ChecklistAnswer",
    "Conflict",
    "Customer",
    "CustomerSignOff",
    "CustomerTier",
    "Decision",
    "Device",
    "Diagnosis",
    "Escalation",
    "EscalationKind",
    "EscalationStatus",
    "FeeQuote",
    "FeeSchedule",
    "FollowUp",
    "JobChecklist",
    "MutationRecord",
    "Notification",
    "NotificationStatus",
    "OfficeSetting",
    "Outcome",
    "Part",
    "PartFitted",
    "Passkey",
    "PasskeyChallenge",
    "Severity",
    "Payment",
    "SignIn",
    "Photo",
    "Priority",
    "PushMessage",
    "PushSubscription",
    "Product",
    "ReconciliationReview",
    "RecoveryCase",
    "ReportShare",
    "Role",
    "SyncState",
    "TicketCounter",
    "UUID_RE",
    "User",
    "VanStock",
    "Versioned",
    "VisitEvent",
    "VisitRecord",
    "WorkOrder",
    "WorkOrderType",
    "new_id",
    "utcnow",
]
