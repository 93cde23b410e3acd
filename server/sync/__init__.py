"""The sync engine: push (exactly once), pull (by server cursor), blobs, merge rules, change log."""
