"""No customer phone number reaches the access log through a query string."""
import logging

from server.log_privacy import DropQueryStrings


def test_access_log_lines_lose_their_query_strings():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s',
                               ("127.0.0.1", "GET /api/customers?q=13800000001 HTTP/1.1", "200"), None)
    DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "13800000001" not in line
    assert "GET /api/customers?… HTTP/1.1" in line
