"""The Lambda zips: reproducible, and every handler imports with only what the Lambda runtime provides.

Each zip is unpacked into a folder and every handler module is imported by a clean CPython 3.12
(``python -I``: no site-packages, no PYTHONPATH) whose only other path entry holds boto3, as the
python3.12 runtime does. A handler importing a package its service did not declare fails here, as it
would on Lambda.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import package  # noqa: E402  (tools/package.py, the same code `make package` runs)

SERVICES = package.services_with_handlers()


def _python312() -> str:
    candidates = [os.environ.get("PYTHON312", ""), shutil.which("python3.12") or ""]
    candidates += sorted(str(path) for path in Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "import sys"], capture_output=True).returncode == 0:
            return candidate
    if os.environ.get("CI"):
        pytest.fail("no CPython 3.12 found (the Lambda runtime's version); set PYTHON312")
    pytest.skip("no CPython 3.12 found (the Lambda runtime's version); set PYTHON312")


@pytest.fixture(scope="session")
def python312() -> str:
    return _python312()


@pytest.fixture(scope="session")
def lambda_runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the python3.12 runtime adds to a function's path: boto3 and its dependencies."""
    runtime = tmp_path_factory.mktemp("runtime")
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", "install", "--no-compile",
         "--only-binary=:all:", "--platform", package.PLATFORM, "--implementation", "cp",
         "--python-version", package.RUNTIME_PYTHON, "--target", str(runtime), "boto3"],
        check=True, capture_output=True,
    )  # fmt: skip
    return runtime


def _build(service_dir: Path, out: Path, work: Path) -> Path:
    return package.build(service_dir, out, work)


@pytest.fixture(scope="session")
def built_zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every service's zip, built once for the session."""
    base = tmp_path_factory.mktemp("first")
    return {path.name: _build(path, base / "dist", base / "work") for path in SERVICES}


def _handler_modules(unpacked: Path) -> list[str]:
    return sorted(
        ".".join(path.relative_to(unpacked).with_suffix("").parts)
        for path in unpacked.glob("pizza_*/handlers/*.py")
        if path.name != "__init__.py"
    )


def _import_in_clean_runtime(
    python312: str, unpacked: Path, runtime: Path, modules: list[str]
) -> subprocess.CompletedProcess:
    script = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(unpacked)!r}, {str(runtime)!r}]\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    print('imported', name)\n"
    )
    # What a Lambda function's environment holds before its own variables; no endpoint, no credentials.
    env = {
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": "package-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run([python312, "-I", "-c", script], capture_output=True, text=True, env=env, cwd=unpacked)


@pytest.mark.skipif(not SERVICES, reason="no service has handlers yet")
@pytest.mark.parametrize("service_dir", SERVICES, ids=[path.name for path in SERVICES])
def test_every_handler_imports_from_the_zip_alone(service_dir, built_zips, python312, lambda_runtime, tmp_path):
    zip_path = built_zips[service_dir.name]
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert not any(name.split("/")[0] in package.PROVIDED_BY_RUNTIME for name in names), "boto3 is the runtime's"
    assert not any("__pycache__" in name for name in names)
    modules = _handler_modules(unpacked)
    assert modules, f"{zip_path.name} holds no handler modules"

    done = _import_in_clean_runtime(python312, unpacked, lambda_runtime, modules)

    assert done.returncode == 0, f"a handler of {service_dir.name} does not import on Lambda:\n{done.stderr}"
    assert done.stdout.count("imported") == len(modules)


@pytest.mark.skipif(not SERVICES, reason="no service has handlers yet")
def test_two_builds_give_the_same_bytes(built_zips, tmp_path):
    second = {path.name: _build(path, tmp_path / "second", tmp_path / "work") for path in SERVICES}

    for name, first in built_zips.items():
        assert _sha256(first) == _sha256(second[name]), f"{name}.zip differs between two builds"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_handler_importing_an_undeclared_package_is_caught(python312, lambda_runtime, tmp_path):
    fixture = ROOT / "tests" / "package" / "fixtures" / "undeclared"
    zip_path = _build(fixture, tmp_path / "dist", tmp_path / "work")
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(unpacked)

    done = _import_in_clean_runtime(python312, unpacked, lambda_runtime, _handler_modules(unpacked))

    assert done.returncode != 0
    assert "No module named 'yaml'" in done.stderr


def test_zip_entries_are_sorted_stamped_and_without_bytecode(tmp_path):
    source = tmp_path / "source"
    (source / "pkg" / "__pycache__").mkdir(parents=True)
    (source / "pkg" / "b.py").write_text("B = 2\n")
    (source / "pkg" / "a.py").write_text("A = 1\n")
    (source / "pkg" / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"\0")
    os.utime(source / "pkg" / "a.py", (2_000_000_000, 2_000_000_000))

    package.write_zip(source, tmp_path / "out.zip")

    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == ["pkg/a.py", "pkg/b.py"]
    assert {info.date_time for info in infos} == {package.FIXED_TIME}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
