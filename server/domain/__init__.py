"""Pure domain rules (lifecycle, SLA clocks, warranty, ticket numbers): no Flask, no database."""
