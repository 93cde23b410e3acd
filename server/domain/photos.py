"""Photo sets: every visit photo belongs to one set (issue #15).

"before" and "after" show the repair side by side (on the phone, the office page and the
service report); "other" is everything else, such as the evidence of human damage a
warranty_void needs [seed 000 §二(一)1] or the note left at the door [seed 003 §三(四)1-2].
A photo with markup (arrow, circle, text drawn on the phone) keeps its original too: the
record's blob is the marked-up image and `original_sha256` the photo as taken.
"""

from __future__ import annotations

PHOTO_SETS = ("before", "after", "other")
DEFAULT_PHOTO_SET = "other"  # records from before sets existed, and evidence photos
