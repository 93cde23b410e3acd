"""Use cases that touch the database: thin glue between the API and the domain rules."""
