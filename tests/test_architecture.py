"""The shape of the package: imports run down the layers, never in a cycle; modules stay small.

Read with plain ``ast`` (every ``import`` in a module, function-level ones included), so a new edge shows up
here before a reviewer has to find it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "littrack"

# Lower layers never import higher ones. A module's layer is that of the longest prefix listed here.
LAYERS: dict[str, int] = {
    # 0: records and helpers every layer may use
    "littrack": 0,
    "littrack.errors": 0,
    "littrack.markup": 0,
    "littrack.models": 0,
    # 1: configuration and process-wide utilities
    "littrack.config": 1,
    "littrack.schedule": 1,
    "littrack.progress": 1,
    "littrack.lock": 1,
    "littrack.redact": 1,
    "littrack.pg": 1,
    "littrack.ratelimit": 1,
    "littrack.http": 1,
    "littrack.jsonapi": 1,
    # 2: the parts: network clients, parsers, storage, pure domain logic
    "littrack.eutils": 2,
    "littrack.store": 2,
    "littrack.evidence": 2,
    "littrack.background": 2,
    "littrack.trials.parse": 2,
    "littrack.trials.changes": 2,
    "littrack.trials.client": 2,
    "littrack.export": 2,
    "littrack.replay": 2,
    "littrack.evidence_page.model": 2,
    "littrack.evidence_page.conditions": 2,
    "littrack.evidence_page.tables": 2,
    "littrack.evidence_page.claims": 2,
    "littrack.sources": 2,
    # 3: where a part meets the store
    "littrack.trials": 3,
    "littrack.classified": 3,  # the classifier meets the store: the evidence cache
    # 4: the jobs
    "littrack.fetch": 4,
    "littrack.digest": 4,
    "littrack.evidence_page": 4,  # reads the store, renders with the digest's templates, writes beside the digests
    # 5: entry points
    "littrack.service": 5,
    "littrack.standby": 5,
    "littrack.service_jobs": 5,
    "littrack.status": 5,
    "littrack.demo": 5,
    "littrack.cli": 5,
    "littrack.__main__": 5,
}

# Parts that must never reach up to a job, whatever the layer numbers say.
FORBIDDEN = {
    ("littrack.store", "littrack.digest"),
    ("littrack.store", "littrack.fetch"),
    ("littrack.store", "littrack.trials"),
    ("littrack.eutils", "littrack.digest"),
    ("littrack.eutils", "littrack.fetch"),
    ("littrack.eutils", "littrack.store"),
    ("littrack.trials.client", "littrack.store"),
    ("littrack.sources", "littrack.store"),
    ("littrack.models", "littrack.config"),
}
FORBIDDEN |= {  # the page's pure assembly never reads the store itself: gather.py does
    ("littrack.evidence_page.tables", "littrack.store"),
    ("littrack.evidence_page.claims", "littrack.store"),
    ("littrack.evidence_page.model", "littrack.store"),
}
for _low in (
    "littrack.store",
    "littrack.eutils",
    "littrack.trials.client",
    "littrack.sources",
    "littrack.models",
    "littrack.evidence",
):
    FORBIDDEN |= {(_low, "littrack.cli"), (_low, "littrack.fetch"), (_low, "littrack.digest")}

MAX_LINES = 400
ONE_PIECE = "one piece:"  # a module longer than MAX_LINES says why in a comment starting with this


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """The littrack modules ``path`` imports (``from pkg import submodule`` counts as the submodule)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("littrack")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("littrack"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in known else node.module)
    return out & known


def layer(name: str) -> int:
    best = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return LAYERS[best]


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(path, set(mods)) - {name} for name, path in mods.items()}


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    unplaced = [m for m in graph if not any(m == p or m.startswith(p + ".") for p in LAYERS if p != "littrack")]
    assert unplaced == ["littrack"]  # only the package itself sits in layer 0 by the catch-all


def test_no_module_imports_a_higher_layer(graph: dict[str, set[str]]) -> None:
    upward = sorted(
        f"{m} (layer {layer(m)}) imports {t} (layer {layer(t)})"
        for m, targets in graph.items()
        for t in targets
        if layer(t) > layer(m)
    )
    assert upward == []


def test_no_part_imports_a_job_or_the_cli(graph: dict[str, set[str]]) -> None:
    bad = sorted(
        f"{m} imports {t}"
        for m, targets in graph.items()
        for t in targets
        for low, high in FORBIDDEN
        if under(m, low) and under(t, high)
    )
    assert bad == []


def test_there_is_no_import_cycle(graph: dict[str, set[str]]) -> None:
    # Tarjan's strongly connected components; a component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_modules_stay_small_or_say_why_they_are_one_piece() -> None:
    long = [
        f"{module_name(p)}: {n} lines"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and ONE_PIECE not in p.read_text(encoding="utf-8")
    ]
    assert long == []


def test_the_checks_see_a_planted_upward_import(tmp_path: Path) -> None:
    # The graph reader must notice an import inside a function too, or the layer tests above prove nothing.
    planted = tmp_path / "m.py"
    planted.write_text("def f():\n    from littrack.digest.job import digest_job\n    return digest_job\n")
    assert imports(planted, {"littrack.digest.job", "littrack.digest"}) == {"littrack.digest.job"}
    assert layer("littrack.store.papers") < layer("littrack.digest.job")
