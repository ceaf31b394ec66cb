"""The built wheel ships every module and every file the code reads at run time, and runs.

An editable install reads the checkout, so it hides a subpackage or a data file that the wheel
leaves out (issue 16: the wheel lacked `rag/guards/`, `api/routes/`, the widget and the golden
sets). These tests build the wheel from a copy of the sources, compare it with the files tracked
under the packages, and run the installed package from a folder outside the checkout.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rag", "ingest", "api", "eval", "cli")
# Notes for readers of the repository, never read at run time.
NOT_SHIPPED = frozenset({"README.md"})

# Imported directly but pinned by the dependency that brings them: declaring them would only
# add a second, looser pin.
PINNED_BY_THEIR_PARENT = {"starlette": "fastapi", "pydantic_core": "pydantic"}


def _tracked_files() -> list[str]:
    """Files under the packages, as git tracks them (outputs such as eval/results/ are not)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", *PACKAGES],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    except (FileNotFoundError, subprocess.CalledProcessError):  # a source tree without git
        names = [
            p.relative_to(ROOT).as_posix()
            for package in PACKAGES
            for p in (ROOT / package).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and "results" not in p.parts
        ]
    return sorted(n for n in names if Path(n).name not in NOT_SHIPPED)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip wheel` builds from a clean copy (no stale build/ folder can fill gaps)."""
    source = tmp_path_factory.mktemp("source")
    for name in ["pyproject.toml", "README.md", *_tracked_files()]:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(out), "-q"],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("okienko-*.whl")
    return built


@pytest.mark.slow  # builds a wheel: a few seconds, more on a busy machine
def test_the_wheel_holds_every_module_and_data_file(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    missing = [name for name in _tracked_files() if name not in shipped]
    # A new data file fails here until pyproject.toml's package-data declares it.
    assert missing == []
    # Only our packages: tests, benchmarks and the knowledge base stay out of the wheel.
    tops = {name.split("/")[0] for name in shipped}
    assert {top for top in tops if not top.endswith(".dist-info")} == set(PACKAGES)


@pytest.mark.slow  # builds and installs a wheel, then starts the command three times
def test_the_installed_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), wheel],
        check=True,
        capture_output=True,
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "dodatek.md").write_text(
        "# Dodatek mieszkaniowy\n\n## Wniosek\n\n"
        "Wniosek o dodatek mieszkaniowy składa się w Centrum Usług Społecznych.\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKIENKO_")}
    env |= {
        "PYTHONPATH": str(site),
        "OKIENKO_DATA_DIR": str(tmp_path / "data"),
        "OKIENKO_CACHE_DIR": str(tmp_path / "cache"),
        "OKIENKO_EMBEDDING_MODEL": "hash:64",
        "OKIENKO_CRISIS_CLASSIFIER": "false",
    }

    def okienko(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(site / "bin" / "okienko"), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "ingest" in okienko("--help")
    okienko("ingest", str(docs))
    answer = okienko("ask", "--json", "Gdzie złożyć wniosek o dodatek mieszkaniowy?")
    assert '"refused": false' in answer
    assert "Centrum Usług Społecznych" in answer
    # The code comes from the installed wheel, and finds its files there.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import api.routes.static as s, eval.gates as g, rag.calculators.rules as r;"
            "print(s.STATIC_DIR, (s.STATIC_DIR / 'okienko-widget.js').is_file(),"
            " g.GATES_PATH.is_file(), len(r.rules_files()))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    static_dir, widget, gates, rules = probe.stdout.split()
    assert Path(static_dir).is_relative_to(site)
    assert (widget, gates) == ("True", "True")
    assert int(rules) > 0


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = (re.match(r"[A-Za-z0-9._-]+", spec) for spec in project["dependencies"])
    return {_normalise(m.group()) for m in names if m}


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def test_every_third_party_import_is_a_declared_dependency() -> None:
    """The image installs pyproject.toml's dependencies only, not the lock's development tools:
    a module the code imports that arrives only through the lock fails in production."""
    imported: set[str] = set()
    for name in _tracked_files():
        if name.endswith(".py"):
            tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__"}
    providers = metadata.packages_distributions()
    declared = _declared()
    undeclared = {
        module: providers.get(module)
        for module in sorted(third_party)
        if module not in PINNED_BY_THEIR_PARENT
        and not any(_normalise(d) in declared for d in providers.get(module, []))
    }
    assert undeclared == {}
