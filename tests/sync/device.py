"""A simulated device: numbers its mutations and talks the sync wire format."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))


def now_iso(offset_s: float = 0) -> str:
    return (datetime.now(CST) + timedelta(seconds=offset_s)).isoformat()


class SimDevice:
    """Builds outbox entries with consecutive seqs, and pushes/pulls through an ApiClient."""

    def __init__(self, client, device_id: str | None = None):
        self.client = client
        self.id = device_id or str(uuid.uuid4())
        self.seq = 0
        self.cursor = None

    def mutation(self, entity, fields=None, op="create", entity_id=None, base_version=None, at=None) -> dict:
        self.seq += 1
        return {
            "seq": self.seq,
            "id": str(uuid.uuid4()),
            "entity": entity,
            "entity_id": entity_id or str(uuid.uuid4()),
            "op": op,
            "fields": fields or {},
            "base_version": base_version,
            "at": at or now_iso(),
        }

    def body(self, mutations, device_time=None) -> dict:
        return {"device_id": self.id, "device_time": device_time or now_iso(), "mutations": mutations}

    def push(self, mutations, device_time=None):
        return self.client.post("/api/sync/push", json=self.body(mutations, device_time))

    def pull_all(self, limit=500, as_device=False) -> list[dict]:
        """Pull until has_more is false; returns the changes and keeps the cursor.

        `as_device`: name this device in the pull (its own pushed records are not echoed back).
        """
        changes = []
        while True:
            url = f"/api/sync/pull?limit={limit}" + (f"&cursor={self.cursor}" if self.cursor else "")
            url += f"&device_id={self.id}" if as_device else ""
            page = self.client.get(url).get_json()
            if page["reset"]:
                self.cursor = None
                changes.clear()
                continue
            changes.extend(page["changes"])
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return changes

    def upload(self, data: bytes, content_type="image/png") -> str:
        sha = hashlib.sha256(data).hexdigest()
        response = self.client.put(f"/api/blobs/{sha}", data=data, headers={"Content-Type": content_type})
        assert response.status_code in (200, 201), response.get_json()
        return sha
