"""Handling time, utilisation, the reconciliation error rate and the per-visit CSV (issue #14;
seed 000 §三(三)2), on a small world with known times."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from server.domain.work_calendar import WorkCalendar
from server.reports import visit_kpis
from server.reports.reconciliation import Flag

from .helpers import Phone, recent_range, sync_completed_visit
from .test_report_rules import T0, job, sign_off

# Mon 23 Nov 2026, 09:00-18:00 Shanghai: a 9-hour working day.
CAL = WorkCalendar.from_hours({d: ("09:00", "18:00") for d in ("mon", "tue", "wed", "thu", "fri")})
DAY_LO, DAY_HI = T0 - timedelta(hours=1) - timedelta(hours=8), T0 + timedelta(hours=15)  # the local day


def test_handling_time_runs_from_first_response_to_completion():
    # first response at +1 h, completed at +6 h
    assert visit_kpis.handling_hours(job()) == 5.0


def test_handling_time_starts_at_the_first_arrival_without_a_call_first():
    j = job(first_response_at=None, arrivals=[T0 + timedelta(hours=2)])
    assert visit_kpis.handling_hours(j) == 4.0


def test_handling_time_waits_for_completion():
    assert visit_kpis.handling_hours(job(status="on_site", completed_at=None)) is None


def test_time_on_site_is_last_arrival_to_the_end_of_the_service():
    # arrived +3:55, signed at +5:00
    assert visit_kpis.time_on_site(job()) == timedelta(minutes=65)
    assert visit_kpis.time_on_site(job(arrivals=[])) is None


def test_utilisation_is_time_on_site_over_the_working_time():
    working = CAL.working_between(DAY_LO, DAY_HI)
    assert working == timedelta(hours=9)
    two = [job(), job(work_order_id="wo-2", ticket_no="SR-2", arrivals=[T0 + timedelta(hours=3, minutes=5)])]
    report = visit_kpis.visit_kpi_report(two, [], working, DAY_LO, DAY_HI)
    (row,) = report.technicians
    assert row.on_site_hours == round((65 + 115) / 60, 2)  # 65 min + 115 min = 3 h on site
    assert row.working_hours == 9.0
    assert row.utilisation == round(3 / 9, 4)
    assert report.overall.utilisation is None  # one working time per technician, not summed


def test_the_reconciliation_error_rate_counts_visits_with_any_flag():
    jobs = [
        job(),
        job(work_order_id="wo-2", ticket_no="SR-2"),
        job(work_order_id="wo-3", ticket_no="SR-3"),
        job(work_order_id="wo-4", ticket_no="SR-4", status="assigned", completed_at=None, visit_ended_at=None),
    ]
    flags = [
        Flag("wo-2", "SR-2", "王师傅", "late_record"),
        Flag("wo-2", "SR-2", "王师傅", "part_without_serial"),  # two flags, one visit in error
    ]
    row = visit_kpis.visit_kpi_report(jobs, flags, timedelta(hours=9)).overall
    assert row.reconciliation_judged == 3  # the job not visited yet is not judged
    assert row.reconciliation_error_rate == round(1 / 3, 4)


def test_per_visit_rows_carry_times_flags_and_rating():
    flags = [Flag("wo-1", "SR-20261123-0001", "王师傅", "late_record")]
    (row,) = visit_kpis.visit_rows([job(sign_off=sign_off(4, 5))], flags, lambda t: t.isoformat() if t else "")
    assert row["ticket_no"] == "SR-20261123-0001" and row["technician"] == "王师傅"
    assert row["handling_hours"] == 5.0 and row["on_site_minutes"] == 65
    assert (row["rating_quality"], row["rating_attitude"]) == (4, 5)
    assert row["flags"] == "late_record"
    assert row["arrived"] == (T0 + timedelta(hours=3, minutes=55)).isoformat()


def test_the_per_visit_csv_from_synced_visits(world, db, client_for):
    """A visit synced from the phone: one CSV row with its local times, outcome and rating; the page links it."""
    from server.models import WorkOrder

    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start, wo.appointment_end = now - timedelta(hours=6), now - timedelta(hours=5)
    wo.created_at = now - timedelta(hours=8)
    db.session.commit()
    arrived = wo.appointment_start
    sync_completed_visit(Phone(client_for("tech1")), wo.id, arrived=arrived, ratings=(4, 5))
    office = client_for("manager")
    answer = office.get("/api/office/kpis/visits.csv", query_string=recent_range())
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    row = next(r for r in rows if r["ticket_no"] == wo.ticket_no)
    assert row["technician"] == "王师傅"
    assert (row["rating_quality"], row["rating_attitude"]) == ("4", "5")
    local = (arrived + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # Shanghai time
    assert row["arrived"] == local
    assert row["on_site_minutes"] == "60"  # sync_completed_visit finishes one hour after arriving
    page = office.get("/office/kpis").get_data(as_text=True)
    assert 'id="visits-csv-link"' in page and "/api/office/kpis/visits.csv" in page


def test_the_new_figures_as_json(world, db, client_for):
    from server.models import WorkOrder

    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start, wo.appointment_end = now - timedelta(hours=6), now - timedelta(hours=5)
    wo.created_at = now - timedelta(hours=8)
    db.session.commit()
    phone = Phone(client_for("tech1"))
    sync_completed_visit(phone, wo.id, arrived=wo.appointment_start, ratings=None)  # completed unsigned: a flag
    body = client_for("manager").get("/api/office/kpis/visits", query_string=recent_range()).get_json()
    row = next(r for r in body["technicians"] if r["technician_name"] == "王师傅")
    assert row["on_site_hours"] == 1.0 and row["working_hours"] > 0
    assert row["utilisation"] == round(1.0 / row["working_hours"], 4)
    assert row["reconciliation_judged"] == 1 and row["reconciliation_error_rate"] == 1.0
