"""marshmallow schemas: the one definition of every API payload (and of the OpenAPI document)."""
