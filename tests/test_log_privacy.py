"""No customer phone number reaches the access log through a query string."""

import logging

from server.log_privacy import DropQueryStrings


def test_access_log_lines_lose_their_query_strings():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /api/customers?q=13800000001 HTTP/1.1", "200"),
        None,
    )
    DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "13800000001" not in line
    assert "GET /api/customers?… HTTP/1.1" in line


def test_gunicorns_access_lines_are_written_without_query_strings(tmp_path):
    """With gunicorn's own Logger and atoms mapping (a tuple in its place breaks every line)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from server.log_privacy import install

    install()
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    cfg.set(
        "access_log_format", '%(h)s "%(r)s" %(s)s q=%(q)s uri=%({raw_uri}e)s ref="%(f)s" "%(a)s" %({x-request-id}i)s'
    )
    logger = Logger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/customers?q=13800000001",
        "PATH_INFO": "/api/customers",
        "QUERY_STRING": "q=13800000001",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "http://127.0.0.1:5000/office/intake?phone=13800000001",
        "HTTP_USER_AGENT": 'say "hi"',
    }
    response = SimpleNamespace(status="200 OK", sent=42, headers=[("Content-Type", "application/json")])
    request = SimpleNamespace(headers=[("X-Request-Id", "abc")])
    logger.access(response, request, environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert "format requires a mapping" not in errors and "Traceback" not in errors, errors
    assert '"GET /api/customers?… HTTP/1.1" 200' in line, line
    assert "q=… uri=/api/customers?…" in line and 'ref="http://127.0.0.1:5000/office/intake?…"' in line, line
    assert "13800000001" not in line and line.rstrip().endswith('"say \\"hi\\"" abc'), line
