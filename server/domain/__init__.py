"""Pure domain rules (lifecycle, merge rules, the signed summary, SLA clocks, service day, warranty,
ticket numbers): no Flask, no database."""
