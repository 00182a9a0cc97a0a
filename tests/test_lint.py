"""The code passes ruff and the import contracts with the project's settings (pyproject.toml),
and imports nothing inside a function but the heavy optional libraries."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    proc = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    assert Path(found).exists(), f"{name} is not installed (pip install -e '.[test]')"
    return found


def test_the_import_contracts_hold():
    # The layers, rdflib and owlrl off the query path, the network only in linking and
    # serve: the contracts in pyproject.toml ([tool.importlinter]).
    proc = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


PACKAGE = ROOT / "csto_kg"
# Imported where they are used, so that the fast paths (a query, --help) never load them.
# starlette and uvicorn come with the `serve` extra: loaded only when serving.
HEAVY = {"rdflib", "owlrl", "pyshacl", "matplotlib", "pandas", "SPARQLWrapper", "playwright", "starlette", "uvicorn"}
# The build's code (reasoner, validation) loads when a build runs, not on every query:
# csto_kg/building/ensure.py imports it where it is needed.
# The server's ASGI modules import starlette and uvicorn at their top: serve/run.py loads
# them when it serves, so every other command runs without the `serve` extra.
# The query command loads the client for remote endpoints (http.client, ssl) only for
# --endpoint: 27 ms of every cold query otherwise.
LAZY = {
    ("building/ensure.py", "csto_kg.building"),
    ("serve/run.py", "csto_kg.serve.app"),
    ("serve/run.py", "csto_kg.serve.server"),
    ("cli/query.py", "csto_kg.linking"),
}


def _imports(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import of a module, and whether it runs at import time (at the top, or in a
    top-level `if`/`try` such as `if TYPE_CHECKING:`), not inside a function or class."""
    top: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try | ast.Import | ast.ImportFrom):
            top.update(id(n) for n in ast.walk(node))
    return [(n, id(n) in top) for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


def _modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""]


def test_imports_are_at_module_level():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for node, at_top in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            for module in _modules(node):
                if at_top or module.split(".")[0] in HEAVY or (name, module) in LAZY:
                    continue
                found.append(f"csto_kg/{name}:{node.lineno}: {module}")
    assert not found, "imports inside functions (move them to the top of the module):\n" + "\n".join(found)


def test_the_scan_sees_a_function_level_import():
    tree = ast.parse("import os\n\ndef f():\n    from csto_kg.core import errors\n    import rdflib\n")
    assert [(_modules(n), top) for n, top in _imports(tree)] == [(["os"], True), (["csto_kg.core"], False), (["rdflib"], False)]


def test_only_linking_and_serve_open_urls():
    # urllib.request is part of urllib, whose parse module the core uses: the contract
    # tool cannot forbid the one without the other, so this test does.
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] in ("linking", "serve"):
            continue
        for node, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = _modules(node)
            if isinstance(node, ast.ImportFrom) and node.module == "urllib":
                names += [f"urllib.{alias.name}" for alias in node.names]
            found += [f"{path}:{node.lineno}" for m in names if m == "urllib.request"]
    assert not found


def test_no_module_imports_another_in_a_cycle():
    import grimp  # import-linter's graph of the package's imports

    graph = grimp.build_graph("csto_kg", exclude_type_checking_imports=True)
    cycles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.add(" -> ".join((module, *chain)))
    assert not cycles, "\n".join(sorted(cycles))


def test_every_command_is_a_module_level_function_of_the_command_line():
    # Importable (`from csto_kg.cli.link import reconcile`) and so testable on its own,
    # not made inside a registering function where nothing else can reach it.
    import importlib

    import click

    from csto_kg.cli import COMMANDS, main

    ctx = click.Context(main)
    stack, hidden = [main.get_command(ctx, name) for name in main.list_commands(ctx)], []
    while stack:
        command = stack.pop()
        module = importlib.import_module(command.callback.__module__)
        if not module.__name__.startswith("csto_kg.cli.") or all(v is not command for v in vars(module).values()):
            hidden.append(f"{command.name} ({module.__name__})")
        if isinstance(command, click.Group):
            stack.extend(command.commands.values())
    assert len(COMMANDS) >= 15 and main.get_command(ctx, "no-such-command") is None
    assert not hidden, "commands not at the top of a csto_kg.cli module: " + ", ".join(sorted(hidden))


def test_a_query_loads_no_other_command_group_nor_the_server(build_dir: Path):
    # A command's module is loaded when the command runs: `csto-kg query` must not pay
    # for linking, charts, the site or the server at every start, nor, with the build
    # current, for the code that builds, exports or validates.
    code = (
        "import sys\n"
        "from csto_kg.cli import main\n"
        f"main(['query', 'members', '--data', {str(ROOT)!r}, '--build-dir', {str(build_dir)!r}, '-o', '/dev/null'],"
        " standalone_mode=False)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('csto_kg', 'http', 'ssl')))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = set(proc.stdout.split())
    assert "csto_kg.cli.query" in loaded and "csto_kg.querying.sparql" in loaded
    unwanted = {f"csto_kg.cli.{group}" for group in ("graph", "link", "publish", "serve", "site", "validate")}
    unwanted |= {"csto_kg.serve.run", "csto_kg.serve.engine", "csto_kg.site", "csto_kg.publish.chart"}
    unwanted |= {"csto_kg.api", "csto_kg.building.store", "csto_kg.building.pipeline", "csto_kg.exporting.serialize"}
    unwanted |= {"csto_kg.validate.checks", "csto_kg.linking.remote", "http.client", "ssl"}
    assert not loaded & unwanted, sorted(loaded & unwanted)
