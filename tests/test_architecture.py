"""The house rules: layers, no import cycles, no engine registries, a complete public API, docs that match the tree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import aatd

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "aatd"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# The public names of aatd 0.1 (before the domain packages): none may disappear.
NAMES_OF_0_1 = [
    "AatdError",
    "Allele",
    "DataError",
    "Genotype",
    "InputError",
    "Level",
    "Method",
    "Pedigree",
    "PedigreeError",
    "Phenotype",
    "Severity",
    "Unit",
    "__version__",
    "allele_catalogue",
    "allele_frequencies",
    "as_canonical",
    "augmentation_eligibility",
    "build_pedigree",
    "cascade_plan",
    "classify_umol_l",
    "country_allele_frequencies",
    "data_version",
    "describe_interpretation",
    "describe_risk",
    "describe_should_test",
    "expected_counts",
    "expected_level",
    "gametes",
    "genotype_posteriors",
    "genotype_severity",
    "get_allele",
    "hardy_weinberg",
    "interpret_result",
    "knowledge",
    "known_allele_names",
    "level_distribution",
    "level_likelihood",
    "offspring_distribution",
    "parse_genotype",
    "parse_phenotype",
    "parse_result",
    "pedigree_from_json",
    "pedigree_from_ped",
    "pedigree_report",
    "should_test",
]


def packages() -> list[str]:
    """Every package under src/aatd, dotted (``aatd.family``, ``aatd.web.api``...)."""
    found = []
    for init in sorted(SRC.rglob("__init__.py")):
        rel = init.parent.relative_to(SRC.parent)
        if "migrations" in rel.parts:
            continue
        found.append(".".join(rel.parts))
    return found


def import_cycles(package: str = "aatd") -> list[list[str]]:
    """Strongly connected components (size > 1) of the module import graph (Tarjan)."""
    graph = grimp.build_graph(package)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
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

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_public_api__keeps_every_name_of_0_1_and_each_resolves() -> None:
    assert set(NAMES_OF_0_1) <= set(aatd.__all__)
    assert len(aatd.__all__) == len(set(aatd.__all__))
    for name in aatd.__all__:
        assert getattr(aatd, name) is not None, name


def test_public_api__unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        aatd.nonsense  # noqa: B018


def test_docs__every_package_is_described_in_architecture_md() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [p for p in packages() if f"`{p}`" not in text]
    assert not missing, f"packages not described in docs/architecture.md: {missing}"


def test_no_engine_registries__aatd_modules_are_never_imported_by_name() -> None:
    pattern = re.compile(r"import_module\(\s*f?[\"']aatd|__import__\(\s*f?[\"']aatd|capabilities")
    offenders = [str(p.relative_to(ROOT)) for p in SRC.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_import_cycles() -> None:
    assert import_cycles() == []


def test_layers__contract_is_kept() -> None:
    out = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_layers__contract_breaks_when_the_core_imports_fastapi(tmp_path: Path) -> None:
    """The contract is not vacuous: a core module that imports fastapi fails it."""
    shutil.copytree(
        SRC,
        tmp_path / "aatd",
        ignore=shutil.ignore_patterns("__pycache__", "data", "content", "locale", "templates", "static"),
    )
    level_model = tmp_path / "aatd" / "genetics" / "levels.py"
    level_model.write_text(level_model.read_text(encoding="utf-8") + "\nimport fastapi  # noqa\n", encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    out = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)},
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "aatd.genetics.levels -> fastapi" in out.stdout
