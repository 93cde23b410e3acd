"""Schema-driven fuzzing of the whole API (schemathesis)."""
