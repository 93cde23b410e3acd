"""Reports as pure functions over plain facts: KPIs, reconciliation, follow-up plans, the service report PDF.

Nothing here touches Flask or the database; server/services/job_facts.py gathers the facts.
"""
