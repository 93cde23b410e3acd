"""Report how many generated requests the fuzz tests sent, per backend and role, at the end of the run."""

from __future__ import annotations

from collections import Counter

TALLY = "fuzz_cases"  # user property each fuzz test records: (backend, role, cases, statuses)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # Read from the test reports (not a module global) so the figures survive pytest-xdist.
    rows = []
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        if getattr(report, "when", None) != "call":
            continue
        rows.extend(value for name, value in getattr(report, "user_properties", []) if name == TALLY)
    if not rows:
        return
    terminalreporter.section("schemathesis fuzzing: generated cases")
    totals: Counter = Counter()
    for backend, role, cases, statuses in sorted(rows):
        totals[backend] += cases
        spread = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
        terminalreporter.write_line(f"{backend:<10} {role:<11} {cases:>5} cases  ({spread})")
    for backend, cases in sorted(totals.items()):
        terminalreporter.write_line(f"{backend:<10} {'all roles':<11} {cases:>5} cases")
