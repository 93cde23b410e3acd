"""Photo sets on the office's work-order page and in the service-report PDF (issues #15, #17).

Phones upload WebP; the PDF cannot carry WebP, so the report converts: it must still show
the before and after photos.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw

from .helpers import Phone
from .test_pages import signed_in
from .test_service_report import first_page_text, needs_pdftotext, signed_visit  # noqa: F401 (fixture)


def webp(colour: str, mark: bool = False) -> bytes:
    img = Image.new("RGB", (400, 300), colour)
    if mark:
        ImageDraw.Draw(img).line((40, 40, 200, 150), fill="red", width=10)
    out = io.BytesIO()
    img.save(out, "WEBP", quality=80)
    return out.getvalue()


def add_photos(client, wo_id: str) -> dict[str, str]:
    phone = Phone(client)
    shas = {
        "before": phone.upload(webp("#8a8a8a", mark=True), "image/webp"),
        "original": phone.upload(webp("#8a8a8a"), "image/webp"),
        "after": phone.upload(webp("#3a7a3a"), "image/webp"),
        "other": phone.upload(webp("#7a3a3a"), "image/webp"),
    }
    phone.push(
        phone.mutation(
            "photo",
            {
                "work_order_id": wo_id,
                "blob_sha256": shas["before"],
                "original_sha256": shas["original"],
                "photo_set": "before",
                "caption": "门封漏水",
            },
        ),
        phone.mutation(
            "photo", {"work_order_id": wo_id, "blob_sha256": shas["after"], "photo_set": "after", "caption": "已修好"}
        ),
        phone.mutation("photo", {"work_order_id": wo_id, "blob_sha256": shas["other"], "caption": "铭牌"}),
    )
    return shas


def test_the_work_order_page_groups_photos_before_after_other(app, people, world, client_for):
    wo_id = world["wo1"].id
    shas = add_photos(client_for("tech1"), wo_id)
    html = signed_in(app, people).get(f"/office/work-orders/{wo_id}").get_data(as_text=True)
    section = html[html.index('id="photo-sets"') :]
    before, after, other = (section.index(f'data-set="{s}"') for s in ("before", "after", "other"))
    assert before < after < other
    assert before < section.index(shas["before"]) < after  # the marked-up photo under "before"
    assert before < section.index(shas["original"]) < after  # with a link to its original
    assert after < section.index(shas["after"]) < other
    assert other < section.index(shas["other"])


@needs_pdftotext
@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils (pdfimages) not installed")
def test_the_pdf_shows_webp_before_and_after_photos(signed_visit, client_for, tmp_path):
    without = client_for("dispatcher").get(f"/api/office/work-orders/{signed_visit.id}/service-report.pdf").data
    add_photos(client_for("tech1"), signed_visit.id)
    response = client_for("dispatcher").get(f"/api/office/work-orders/{signed_visit.id}/service-report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "with-photos.pdf"
    path.write_bytes(response.data)
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    images = [line.split() for line in listed.splitlines()[2:]]
    # The signature plus the before and after photos (not the "other" one), as JPEG at 400x300.
    photos = [i for i in images if i[3:5] == ["400", "300"]]
    assert len(photos) == 2 and {i[8] for i in photos} == {"jpeg"}, listed
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "门封漏水" in text and "已修好" in text and "铭牌" not in text
    assert "门封漏水" not in first_page_text(without, tmp_path)  # no photos, no photo section
