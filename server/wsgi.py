"""The production entry point: `gunicorn 'server.wsgi:app'` (README, Production).

Once the app is built, the objects it made (modules, mappers, schemas, compiled rules: ~190,000)
are moved out of the garbage collector's sight with `gc.freeze()`. They live as long as the
process, yet each full collection walked them all: ~50-100 ms, about once every 60 pull pages
of a first sync, in the middle of some request. Frozen, a full collection walks only what
requests left behind. (Not in `create_app`: the tests build hundreds of apps, and a frozen
object caught in a reference cycle is never freed.)
"""

from __future__ import annotations

import gc

from . import create_app

app = create_app()
gc.freeze()
