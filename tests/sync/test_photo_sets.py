"""Photo sets and markup (issue #15) and lean WebP photos (issue #17) on the sync API.

A photo belongs to a set (before / after / other); a marked-up photo refers to two blobs,
the marked-up image shown and the original as taken, and both must have been uploaded.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from server.models import Blob, Photo

from .device import SimDevice


def webp(colour: str, mark: bool = False) -> bytes:
    img = Image.new("RGB", (320, 240), colour)
    if mark:  # a red circle, as drawn on the phone
        ImageDraw.Draw(img).ellipse((100, 60, 220, 180), outline="red", width=8)
    out = io.BytesIO()
    img.save(out, "WEBP", quality=80)
    return out.getvalue()


def test_a_marked_up_before_photo_keeps_its_original_and_both_travel_as_webp(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    original = phone.upload(webp("grey"), "image/webp")
    marked = phone.upload(webp("grey", mark=True), "image/webp")
    assert marked != original
    photo = phone.mutation(
        "photo",
        {
            "work_order_id": world["wo1"].id,
            "blob_sha256": marked,
            "original_sha256": original,
            "photo_set": "before",
            "caption": "漏水处",
        },
    )
    assert phone.push([photo]).get_json()["results"][0]["status"] == "applied"

    row = db.session.get(Photo, photo["entity_id"])
    assert (row.photo_set, row.blob_sha256, row.original_sha256) == ("before", marked, original)
    assert {db.session.get(Blob, s).content_type for s in (marked, original)} == {"image/webp"}
    pulled = [c for c in SimDevice(client_for("tech1")).pull_all() if c["entity"] == "photo"]
    assert [(c["fields"]["photo_set"], c["fields"]["original_sha256"]) for c in pulled] == [("before", original)]
    # The office reads both: the original is never lost under the markup.
    office = client_for("dispatcher")
    for sha in (marked, original):
        response = office.get(f"/api/blobs/{sha}")
        assert response.status_code == 200 and response.mimetype == "image/webp"


def test_an_original_that_was_never_uploaded_is_refused(client_for, world):
    phone = SimDevice(client_for("tech1"))
    marked = phone.upload(webp("white", mark=True), "image/webp")
    photo = phone.mutation(
        "photo",
        {"work_order_id": world["wo1"].id, "blob_sha256": marked, "original_sha256": "1" * 64, "photo_set": "after"},
    )
    result = phone.push([photo]).get_json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["code"] == "sync.blob_missing", result
    assert "original_sha256" in str(result["error"])


def test_unknown_sets_and_an_original_equal_to_the_photo_are_refused(client_for, world):
    phone = SimDevice(client_for("tech1"))
    sha = phone.upload(webp("blue"), "image/webp")
    wo = world["wo1"].id
    bad_set = phone.mutation("photo", {"work_order_id": wo, "blob_sha256": sha, "photo_set": "during"})
    same = phone.mutation("photo", {"work_order_id": wo, "blob_sha256": sha, "original_sha256": sha})
    results = phone.push([bad_set, same]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"], results
    assert "photo_set" in str(results[0]["error"]) and "original_sha256" in str(results[1]["error"])


def test_a_photo_without_a_set_is_other_as_before_sets_existed(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    sha = phone.upload(webp("green"), "image/webp")
    photo = phone.mutation("photo", {"work_order_id": world["wo1"].id, "blob_sha256": sha, "caption": "铭牌"})
    assert phone.push([photo]).get_json()["results"][0]["status"] == "applied"
    row = db.session.get(Photo, photo["entity_id"])
    assert row.photo_set == "other" and row.original_sha256 is None
