"""Device times the server can trust (issue #13, "Time you can trust"). Pure: no Flask, no database.

A phone's clock may be wrong by minutes, hours or decades (reset to 1970 after a flat
battery, set by hand). Each push measures it: the device sends `device_time` and the
server notes its own receipt time, so offset = device_time - received_at (positive: the
phone is fast). Every device time of that push is corrected by that offset; the raw time
is kept beside it for audit.

A corrected time must fall in a plausible window: not before the work order existed,
not after the server received it (give or take a tolerance, server/config.py
DEVICE_TIME_TOLERANCE_SECONDS, for the network delay in the measurement and the drift
of the phone's clock while it was offline). What happens outside it, case by case:

- After the receipt (+ tolerance): REFUSED (sync rejection `sync.time_in_future`). The
  offset was measured on this very push, so the time is still ahead of the phone's own
  clock as measured now: it was not stamped by this clock (an edited or replayed outbox
  entry). Nothing can have happened after the server heard of it, and there is no true
  time to fall back on; the rejection is kept with its payload for the office to see.
- Before the work order existed: ACCEPTED and FLAGGED (`before_work_order`). The usual
  cause is genuine: the clock was reset (1970) when the entry was recorded and set right
  by the network before the push, so one offset cannot repair it. The record (a contact,
  a signature) is real work and must not be lost; its trusted time becomes the server's
  receipt, the latest it can have happened, which never flatters a KPI (a backdated
  event cannot raise SLA compliance), and the office sees the flag in reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The record was made before the work order existed (after correction): its trusted time is the receipt.
BEFORE_WORK_ORDER = "before_work_order"
TIME_FLAGS = (BEFORE_WORK_ORDER,)

# First response is the first contact with the customer [seed 000 §二(二)1: 24小时内联系客户确认问题],
# not the assignment: the technician's confirmation call or appointment confirmation on the
# phone [seed 003 §三(二)3], or a call the office logs.
CONTACT_EVENTS = ("appointment_confirmed", "phoned_customer", "customer_contacted")


@dataclass(frozen=True)
class Judged:
    corrected: datetime  # the time the reports count from
    flag: str | None = None  # why the device time was not trusted as sent
    in_future: bool = False  # beyond the receipt + tolerance: the caller refuses the entry


def clock_offset(device_time: datetime, received_at: datetime) -> timedelta:
    """How far the device's clock is ahead of the server's (negative: behind)."""
    return device_time - received_at


def judge(
    device_at: datetime, offset: timedelta, not_before: datetime, received_at: datetime, tolerance: timedelta
) -> Judged:
    """The trusted time of a record stamped `device_at` by a clock `offset` ahead of the server's."""
    corrected = device_at - offset
    if corrected > received_at + tolerance:
        return Judged(corrected, in_future=True)
    if corrected < not_before - tolerance:
        return Judged(received_at, BEFORE_WORK_ORDER)
    # Inside the tolerance: clamped into [not_before, received_at], so no duration counted
    # from intake comes out negative and nothing is dated after the server heard of it.
    return Judged(min(max(corrected, not_before), received_at))
