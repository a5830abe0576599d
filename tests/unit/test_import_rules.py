"""The import rules of docs/architecture.md, enforced on the source (issue #24).

The table under "Import rules" is the contract: which packages of `cases/` each one may import
and which modules of a capability the others may use. The check reads the code with `ast` (no
import runs), so module-level, function-level and `TYPE_CHECKING` imports all count.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
MARKER = "<!-- import-rules"
EVERY = "every `cases` package"
EVERY_MODULE = "every `cases` module"  # internals too: registering them is the job
EDGE = "kafka_integration"


@dataclass(frozen=True)
class Rule:
    package: str
    may_import: frozenset[str] | None  # None: every package of `cases/`
    public: frozenset[str] | None  # None: all of it
    sees_internals: bool = False


def _names(cell: str) -> frozenset[str]:
    return frozenset(re.findall(r"`([\w.]+)`", cell))


def read_rules(text: str) -> dict[str, Rule]:
    """package → Rule, from the table that follows the marker comment."""
    table = text.split(MARKER, 1)[1].split("\n\n", 1)[0]
    rules = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        package, _, may_import, public = cells
        rules[package.strip("`")] = Rule(
            package=package.strip("`"),
            may_import=None if may_import in (EVERY, EVERY_MODULE) else _names(may_import),
            public=None if public in ("(all)", "") else _names(public),
            sees_internals=may_import == EVERY_MODULE,
        )
    return rules


def owner(module: str, rules: dict[str, Rule]) -> str | None:
    """The package of the table a dotted module belongs to (the longest match)."""
    found = [name for name in rules if module == name or module.startswith(name + ".")]
    return max(found, key=len) if found else None


def imported_modules(source: str, module: str) -> list[tuple[int, str]]:
    """(line, dotted target) of every import in the source, wherever it sits."""
    targets = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            targets += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return targets


def violations(module: str, source: str, rules: dict[str, Rule]) -> list[str]:
    """What in one module's source breaks the rules, one line each."""
    mine = owner(module, rules)
    if mine is None:
        return [f"{module}: no row of the import-rules table covers it"]
    found = []
    for line, target in imported_modules(source, module):
        where = f"{module}:{line} imports {target}"
        if target == EDGE or target.startswith(EDGE + "."):
            found.append(f"{where}: cases/ never imports the Kafka edge")
            continue
        if not target.startswith("cases."):
            continue
        theirs = owner(target, rules)
        if theirs is None or theirs == mine:
            continue  # `from cases import x` of an uncovered name is caught in its own module
        allowed = rules[mine].may_import
        if allowed is not None and theirs not in allowed:
            found.append(f"{where}: {mine} may not import {theirs}")
            continue
        public = rules[theirs].public
        inner = target[len(theirs) + 1 :].split(".")[0] if target != theirs else ""
        if public is not None and inner and inner not in public and not rules[mine].sees_internals:
            found.append(f"{where}: {theirs}.{inner} is internal to {theirs}")
    return found


def cases_modules() -> dict[str, str]:
    """Dotted name → source of every module of `cases/` except its migrations."""
    modules = {}
    for path in sorted((ROOT / "cases").rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        if "migrations" in relative.parts or relative.parts == ("cases", "__init__"):
            continue  # history: migrations import what they needed when they were written
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        modules[".".join(parts)] = path.read_text(encoding="utf-8")
    return modules


RULES = read_rules(DOC.read_text(encoding="utf-8"))


def test_the_table_of_the_doc_names_the_core_and_every_capability():
    assert {"cases.core", "cases.intake", "cases.documents", "cases.notifications"} <= set(RULES)
    assert {"cases.workflow", "cases.client_updates"} <= set(RULES)
    assert RULES["cases.core"].may_import == {"cases.models"}


def test_every_module_of_cases_keeps_the_import_rules_of_the_doc():
    modules = cases_modules()
    assert len(modules) > 100  # the walk found the code
    broken = [
        problem for name, source in modules.items() for problem in violations(name, source, RULES)
    ]
    assert broken == [], "\n".join(broken)


@pytest.mark.parametrize(
    ("module", "source", "problem"),
    [
        ("cases.core.command_bus", "from cases.workflow import rules", "may not import"),
        ("cases.core.events", "import cases.intake.handlers", "may not import"),
        ("cases.client_updates.services", "from cases.documents import projections", "internal"),
        ("cases.client_updates.handlers", "from cases.intake.projections import x", "internal"),
        ("cases.intake.services", "from kafka_integration.ingest import x", "Kafka edge"),
        ("cases.selectors.cases", "def f():\n    from kafka_integration import ingest", "Kafka"),
        ("cases.api.documents", "from cases.notifications import remote_rules", "internal"),
        ("cases.newthing", "import os", "no row"),
    ],
)
def test_the_check_catches_each_kind_of_broken_rule(module, source, problem):
    found = violations(module, source, RULES)
    assert len(found) == 1 and problem in found[0], found


def test_the_check_lets_allowed_imports_through():
    allowed = (
        "from cases.core import events as ev\n"
        "from cases.documents.rules import match_documents\n"
        "from cases.intake.projections import x\n"  # its own package
        "from cases.models import Case\n"
    )
    assert violations("cases.intake.handlers", allowed, RULES) == []


def _module_level_imports(source: str) -> set[str]:
    """Imports that run when the module loads (not inside functions or TYPE_CHECKING)."""
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_kafka_edge_has_no_import_circle():
    """ingest and tracing imported each other (issue #24); records.py holds what they share."""
    package = ROOT / EDGE
    modules = {
        f"{EDGE}.{path.stem}": path.read_text(encoding="utf-8") for path in package.glob("*.py")
    }
    graph = {
        name: {target for target in _module_level_imports(source) if target in modules} - {name}
        for name, source in modules.items()
    }
    circles = [
        (name, target)
        for name, targets in graph.items()
        for target in targets
        if name in graph[target]
    ]
    assert "kafka_integration.tracing" in modules and "kafka_integration.ingest" in modules
    assert circles == []


SCREENING = "screening"


def screening_violations(module: str, source: str) -> list[str]:
    """Imports of `cases` in a module of the screening app, which must never know cases."""
    return [
        f"{module}:{line} imports {target}: screening never imports cases"
        for line, target in imported_modules(source, module)
        if target == "cases" or target.startswith("cases.")
    ]


def test_screening_never_imports_cases():
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / SCREENING).rglob("*.py"))
    }
    assert f"{SCREENING}.services" in modules  # the walk found the app
    broken = [
        problem
        for name, source in modules.items()
        for problem in screening_violations(name, source)
    ]
    assert broken == [], "\n".join(broken)


@pytest.mark.parametrize(
    "source",
    ["from cases.models import Case", "import cases", "def f():\n    from cases import core"],
)
def test_the_screening_check_catches_an_import_of_cases(source):
    assert len(screening_violations("screening.services", source)) == 1
