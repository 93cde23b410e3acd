"""The office pages, one module per concern; each adds its routes to the office blueprint."""
