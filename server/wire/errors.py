"""The API's error body as documented in /api/openapi.json (server/errors.py builds it)."""

from __future__ import annotations

from flask_smorest.error_handler import ErrorSchema
from marshmallow import fields


class ErrorBody(ErrorSchema):
    """`code`, `status`, `message` and field `errors`; a domain error adds its stable `reason`
    code and the `params` its message names, so a client can word it itself."""

    reason = fields.String(metadata={"description": "Stable reason code of a domain error, e.g. `assign.not_now`"})
    params = fields.Dict(metadata={"description": "Values the reason's message names"})
