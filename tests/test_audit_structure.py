"""The shape issue #11 asked for, held by tests: layers one way, config in one place, one "today".

- `server/` packages import each other without cycles, and import-linter (run by scripts/lint
  and .ci/run) fails when someone adds a back-edge.
- Every config key the code reads is declared in server/config.py, with its default there only.
- "Today" is asked of server/domain/service_day.py only, never of the host's clock.
- Office templates and static files live beside the office blueprint.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _package_edges() -> dict[str, set[str]]:
    """server.X -> the other server.Y packages (or modules) it imports, the top-level `server` aside."""
    graph = grimp.build_graph("server", cache_dir=None)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        if module == "server":
            continue
        importer = ".".join(module.split(".")[:2])
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("server."):
                target = ".".join(imported.split(".")[:2])
                if target != importer:
                    edges[importer].add(target)
    return edges


def test_the_server_packages_import_each_other_without_cycles():
    edges = _package_edges()
    assert edges["server.api"]  # the graph was read: the REST edge calls services
    cycles = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(node)

    for start in sorted(edges):
        if start not in done:
            visit(start, [start])
    assert cycles == []


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": str(LINT_IMPORTS.parent)},
        timeout=120,
    )


@pytest.fixture(scope="module")
def server_copy(tmp_path_factory) -> Path:
    """The Python files of server/ and the contracts, copied where a back-edge can be added."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(SERVER, root / "server", ignore=shutil.ignore_patterns("translations", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize(
    ("where", "back_edge", "contract"),
    [
        ("domain/_audit_back_edge.py", "from server.services import work_orders\n", "Layers one way"),
        ("services/_audit_back_edge.py", "from server.office import views\n", "Layers one way"),
        ("api/_audit_back_edge.py", "from server.sync import pull\n", "No edge imports another edge"),
        ("domain/_audit_back_edge.py", "import flask\n", "Domain rules and reports are pure"),
    ],
)
def test_import_linter_fails_on_a_new_back_edge(server_copy, where, back_edge, contract):
    kept = _lint_imports(server_copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    added = server_copy / "server" / where
    added.write_text(back_edge)
    try:
        broken = _lint_imports(server_copy)
    finally:
        added.unlink()
    assert broken.returncode != 0
    assert re.search(rf"{re.escape(contract)}.*BROKEN", broken.stdout), broken.stdout


# ---------------------------------------------------------------- config keys


def _server_sources(*suffixes: str):
    for path in sorted(SERVER.rglob("*")):
        if path.suffix in suffixes and "translations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def _declared_keys() -> set[str]:
    from server.config import from_environment

    return set(from_environment())


# config["KEY"], config.get("KEY"...), in Python and in templates (either quote).
CONFIG_READ = re.compile(r"config(?:\.get)?\s*(?:\[|\()\s*[\"']([A-Z][A-Z0-9_]+)[\"']\s*(,)?")
# Flask-Compress's own settings, given their values where the extension is set up (server/compression.py).
LIBRARY_KEYS = {"COMPRESS_REGISTER"}


def test_every_config_key_the_code_reads_is_declared_in_config_py():
    declared = _declared_keys()
    undeclared = {
        f"{path.relative_to(ROOT)}: {m.group(1)}"
        for path, text in _server_sources(".py", ".html")
        if path.name != "config.py"
        for m in CONFIG_READ.finditer(text)
        if m.group(1) not in declared and m.group(1) not in LIBRARY_KEYS
    }
    assert undeclared == set()


def test_no_config_key_is_read_with_an_inline_default():
    """A second default beside config.py's would silently disagree with it."""
    inline = {
        f"{path.relative_to(ROOT)}: {m.group(1)}"
        for path, text in _server_sources(".py", ".html")
        if path.name != "config.py"
        for m in CONFIG_READ.finditer(text)
        if m.group(2)
    }
    assert inline == set()


def test_the_environment_is_read_by_config_py_only():
    readers = {
        str(path.relative_to(ROOT))
        for path, text in _server_sources(".py")
        if re.search(r"os\.environ|os\.getenv", text) and path.name != "config.py"
    }
    assert readers == set()


# ---------------------------------------------------------------- one service day

HOST_TODAY = re.compile(
    r"date\.today\(|datetime\.today\(|datetime\.now\(\s*\)|datetime\.utcnow\(|time\.localtime\(|\.astimezone\(\s*\)"
)


def test_only_the_service_day_module_says_what_today_is():
    askers = {
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}"
        for path, text in _server_sources(".py")
        if path.name != "service_day.py"
        for m in HOST_TODAY.finditer(text)
    }
    assert askers == set()


def test_today_is_the_service_areas_day_not_the_hosts():
    from datetime import UTC, date, datetime

    from server.domain.service_day import today

    # 23:30 UTC is already the next morning in the service area (UTC+8), whatever the host's zone.
    assert today(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert today(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == date(2026, 11, 30)


# ---------------------------------------------------------------- office files beside the blueprint


def test_office_templates_and_static_files_live_beside_the_office_blueprint(app):
    office = app.blueprints["office"]
    here = SERVER / "office"
    assert Path(office.root_path) == here
    assert (here / office.template_folder / "office").is_dir()
    assert (here / office.static_folder).is_dir()
    assert not (ROOT / "pwa" / "templates" / "office").exists()

    with app.test_request_context():
        _, filename, _ = app.jinja_env.loader.get_source(app.jinja_env, "office/login.html")
    assert Path(filename).is_relative_to(here / "templates")


# ---------------------------------------------------------------- one word for the customer


def test_the_customer_is_kehu_everywhere_a_user_reads():
    """Issue #11 chose 客户 (the phone's and the office's word); 顾客 survives in seed quotes in comments only."""
    catalogue = (SERVER / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "顾客" not in catalogue and "客户" in catalogue
    shown = [p for p in (ROOT / "pwa").rglob("*") if p.suffix in {".js", ".html", ".json"} and "vendor" not in p.parts]
    shown += [p for p in SERVER.rglob("*.html")]
    assert [str(p.relative_to(ROOT)) for p in shown if "顾客" in p.read_text(encoding="utf-8")] == []


# ---------------------------------------------------------------- HTTP made at the edges only

BELOW_THE_EDGES = ("services", "domain", "auth", "models", "reports", "wire")
HTTP_IN_A_USE_CASE = re.compile(r"\bApiError\b|\babort\(|werkzeug\.exceptions|HTTPException|\bjsonify\(")


def test_use_cases_raise_domain_errors_never_http_statuses():
    """Services, auth and the domain raise DomainError (code, params, fields); server/errors.py makes the status."""
    found = {
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}"
        for path, text in _server_sources(".py")
        if path.relative_to(SERVER).parts[0] in BELOW_THE_EDGES
        for m in HTTP_IN_A_USE_CASE.finditer(text)
    }
    assert found == set()


def test_every_domain_error_has_one_http_status():
    import inspect

    from server.domain import errors as domain
    from server.errors import status_of

    kinds = [k for _, k in inspect.getmembers(domain, inspect.isclass) if issubclass(k, domain.DomainError)]
    assert len(kinds) > 3
    statuses = {k.__name__: status_of(k("x.y", "Message.")) for k in kinds}
    assert all(400 <= s < 500 for s in statuses.values()), statuses
