"""The production entry point (server/wsgi.py): the app gunicorn serves, its start-up objects
frozen out of the garbage collector's full passes. (tests/test_shared_state.py serves it with
gunicorn, as do the fault harness and the benchmarks.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_entry_point_builds_the_app_and_freezes_what_start_up_made(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'onsite.db'}", "SECRET_KEY": "wsgi-test"}
    code = "import gc; import server.wsgi as w; print(type(w.app).__name__, gc.get_freeze_count())"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    kind, frozen = run.stdout.split()
    # Everything start-up made (~190,000 objects): a full collection no longer walks them.
    assert kind == "Flask" and int(frozen) > 50_000
