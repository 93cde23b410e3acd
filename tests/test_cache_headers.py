"""No-store on office pages, report PDFs and API answers; static assets keep caching (issue #12, finding 3)."""

from __future__ import annotations

from tests.office.test_pages import signed_in
from tests.office.test_service_report import signed_visit  # noqa: F401  (a fixture)


def test_office_pages_and_the_report_pdf_are_not_stored(app, people, signed_visit):
    page = signed_in(app, people)
    for url in (
        "/office/board",
        f"/office/work-orders/{signed_visit.id}/service-report.pdf",
        f"/office/work-orders/{signed_visit.id}/service-report",
    ):
        response = page.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", (url, response.headers.get("Cache-Control"))
    assert app.test_client().get("/office/login").headers["Cache-Control"] == "no-store"


def test_api_answers_are_not_stored_and_static_assets_are_cached(app, client_for, world):
    assert client_for("tech1").get("/api/work-orders").headers["Cache-Control"] == "no-store"
    for asset in ("/office/static/office.css", "/static/css/app.css"):
        response = app.test_client().get(asset)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", ""), asset
