"""Stored data shown on office pages whatever shape it is in (issue #12, findings 2 and 5).

Rows written before the schemas, by a bug or by hand can hold anything: a list where an
id belongs, data that no JSON encoder takes. A page must still render: each row is turned
into plain, typed values here (wrong types read as absent), a value that cannot be shown
becomes a placeholder, and a row that cannot be read at all is shown as unreadable and
logged (its id and the kind of failure, never its content).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask_babel import gettext as _

log = logging.getLogger(__name__)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def as_json(value: Any) -> str:
    """`value` as indented JSON for a <pre>, or a placeholder when it cannot be encoded."""
    try:
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    except (TypeError, ValueError, RecursionError) as exc:
        log.error("office: a stored value cannot be shown (%s)", type(exc).__name__)
        return _("(cannot be shown)")


def event_view(event, users: dict[str, str]) -> dict:
    """What the dispatch log shows of a visit event: reason, consent, who to whom, new time."""
    try:
        data = event.data if isinstance(event.data, dict) else {}
        return {
            "reason": _text(data.get("reason")),
            "consent": _flag(data.get("customer_consent")),
            "from_name": users.get(_text(data.get("from_technician_id")) or "", ""),
            "to_name": users.get(_text(data.get("to_technician_id")) or "", ""),
            "new_start": _text(data.get("new_start")),
            "unreadable": event.data is not None and not isinstance(event.data, dict),
        }
    except Exception as exc:  # a row beyond reading: shown as such, never the page's end
        log.error("office: visit event %s cannot be shown (%s)", getattr(event, "id", "?"), type(exc).__name__)
        return {"reason": None, "consent": None, "from_name": "", "to_name": "", "new_start": None, "unreadable": True}


def rejected_view(row) -> dict:
    """What the review page shows of a rejected entry: the record's work order, what was sent, the reason."""
    try:
        payload = row.payload if isinstance(row.payload, dict) else {}
        fields = payload.get("fields") if isinstance(payload.get("fields"), dict) else {}
        error = (row.result or {}).get("error") if isinstance(row.result, dict) else None
        error = error if isinstance(error, dict) else {}
        wo_id = row.entity_id if row.entity == "work_order" else fields.get("work_order_id")
        return {
            "wo_id": _text(wo_id),
            "fields_json": as_json(fields),
            "error": error,  # worded by its code in the page's language (office/i18n.rejection_text)
            "errors_json": as_json(error["errors"]) if error.get("errors") else None,
            "unreadable": False,
        }
    except Exception as exc:
        log.error("office: rejected entry %s cannot be shown (%s)", getattr(row, "id", "?"), type(exc).__name__)
        return {
            "wo_id": None,
            "fields_json": _("(cannot be shown)"),
            "error": {},
            "errors_json": None,
            "unreadable": True,
        }
