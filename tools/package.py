"""Build one Lambda zip per service, byte-for-byte reproducible, for the python3.12 x86_64 runtime.

    python tools/package.py                 # every service under services/ that has handlers
    python tools/package.py stock oven      # some of them
    python tools/package.py --service-dir tests/package/fixtures/undeclared --out build/fixture

Each zip holds the service package, ``pizza_common`` and every dependency they declare, taken as
manylinux wheels for CPython 3.12 (never built here, so what runs on Lambda is what was tested). boto3,
botocore and s3transfer are left out: the Lambda runtime provides them. Entries are sorted, stamped
1980-01-01, with fixed permissions and no ``__pycache__``, so two builds give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMON = ROOT / "libs" / "common"
RUNTIME_PYTHON = "3.12"
PLATFORM = "manylinux2014_x86_64"
# Provided by the python3.12 Lambda runtime; shipping them would only add 20 MB and shadow the runtime's.
PROVIDED_BY_RUNTIME = ("boto3", "botocore", "s3transfer")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _pip(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"pip {args[0]} failed:\n{done.stdout}{done.stderr}")


def _wheel(project: Path, wheel_dir: Path) -> None:
    """A wheel of one of our own projects (pure Python), so the manylinux install below can take it."""
    _pip("wheel", "--no-deps", "--wheel-dir", str(wheel_dir), str(project))


def _install(target: Path, wheel_dir: Path) -> None:
    # Our own wheels are named by file, so a same-named project on PyPI can never be taken instead.
    own_wheels = sorted(str(wheel) for wheel in wheel_dir.glob("*.whl"))
    _pip(
        "install",
        "--no-compile",
        "--only-binary=:all:",
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        RUNTIME_PYTHON,
        "--target",
        str(target),
        *own_wheels,
    )


# Written by pip about this machine (where the wheel was found, which tool installed it): not reproducible.
INSTALL_RECORDS = ("direct_url.json", "INSTALLER", "REQUESTED")


def _prune(target: Path) -> None:
    for entry in list(target.iterdir()):
        provided = entry.name.split("-")[0].lower() in PROVIDED_BY_RUNTIME
        if provided or entry.name == "bin":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for dist_info in target.glob("*.dist-info"):
        for name in INSTALL_RECORDS:
            (dist_info / name).unlink(missing_ok=True)
        record = dist_info / "RECORD"
        if record.exists():
            kept = [
                line
                for line in record.read_text().splitlines()
                if line.split(",")[0].split("/")[-1] not in INSTALL_RECORDS
            ]
            record.write_text("\n".join(kept) + "\n")


def _files(target: Path) -> Iterator[Path]:
    for path in sorted(target.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        yield path


def write_zip(source: Path, zip_path: Path) -> None:
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in _files(source):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=FIXED_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)


def build(service_dir: Path, out_dir: Path, work_dir: Path) -> Path:
    name = service_dir.name
    target = work_dir / name
    wheel_dir = work_dir / f"{name}-wheels"
    for folder in (target, wheel_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    _wheel(COMMON, wheel_dir)
    _wheel(service_dir, wheel_dir)
    _install(target, wheel_dir)
    _prune(target)
    zip_path = out_dir / f"{name}.zip"
    write_zip(target, zip_path)
    return zip_path


def services_with_handlers() -> list[Path]:
    return sorted(path.parents[3] for path in (ROOT / "services").glob("*/src/*/handlers/__init__.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("services", nargs="*", help="service names under services/ (default: all with handlers)")
    parser.add_argument("--service-dir", type=Path, action="append", default=[], help="a service folder elsewhere")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the zips go (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "lambda", help="scratch folder")
    args = parser.parse_args(argv)

    service_dirs = [ROOT / "services" / name for name in args.services] + list(args.service_dir)
    if not service_dirs:
        service_dirs = services_with_handlers()
    for service_dir in service_dirs:
        if not (service_dir / "pyproject.toml").exists():
            parser.error(f"{service_dir} is not a service folder (no pyproject.toml)")
        zip_path = build(service_dir.resolve(), args.out, args.work)
        digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
        size_mb = zip_path.stat().st_size / 1_000_000
        print(
            f"{zip_path.relative_to(Path.cwd()) if zip_path.is_relative_to(Path.cwd()) else zip_path}"
            f"  {size_mb:.1f} MB  sha256 {digest}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
