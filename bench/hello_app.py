"""A Flask hello-world: the baseline for the no-change pull in bench/sync_bench.py.

Served under the same gunicorn settings as Onsite, so the ratio shows what Onsite's
auth, query and schema work costs on top of Flask and gunicorn themselves.
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    """A small JSON body, about the size of an empty pull page."""
    return jsonify(cursor="djE6MTIzNDU", has_more=False, reset=False, changes=[])
