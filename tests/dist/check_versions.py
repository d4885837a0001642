"""One version everywhere: the crates, the C header, the Python package, its wheel and the changelog agree.

    python tests/dist/check_versions.py [--wheel dist/alipay_marketing-....whl] [--installed]

The reference is `[workspace.package] version` in Cargo.toml (every crate inherits it; pyproject.toml declares the
version dynamic, so maturin takes it from the Python crate). With --installed, the interpreter running this script
must have the package installed (from the wheel, not the repository) and its `__version__` is checked too.
Exits non-zero with one line per disagreement, naming the file to fix.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The crates that must exist; every other workspace member (the campaign runner) is held to the same version too.
CRATES = ("alipay-marketing", "alipay-marketing-sandbox", "alipay-marketing-ffi", "alipay-marketing-python")


def workspace_version() -> str:
    manifest = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    section = manifest.split("[workspace.package]", 1)[1].split("\n[", 1)[0]
    found = re.search(r'^version\s*=\s*"([^"]+)"', section, re.MULTILINE)
    if not found:
        sys.exit("Cargo.toml: [workspace.package] has no version")
    return found.group(1)


def crate_versions() -> dict[str, str]:
    """The version of every workspace member, by crate name."""
    metadata = subprocess.run(
        ["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return {package["name"]: package["version"] for package in json.loads(metadata.stdout)["packages"]}


def header_version() -> str:
    header = (ROOT / "include" / "alipay_marketing.h").read_text(encoding="utf-8")
    parts = []
    for name in ("MAJOR", "MINOR", "PATCH"):
        found = re.search(rf"^#define ALIPAY_VERSION_{name}\s+(\d+)\s*$", header, re.MULTILINE)
        parts.append(found.group(1) if found else f"<no ALIPAY_VERSION_{name}>")
    return ".".join(parts)


def changelog_version() -> str:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d[^\]]*)\]", changelog, re.MULTILINE)
    return released[0] if released else "<no released version>"


def pyproject_declares_dynamic_version() -> bool:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    static = re.search(r"^version\s*=", project, re.MULTILINE)
    dynamic = re.search(r"^dynamic\s*=\s*\[[^\]]*\"version\"", project, re.MULTILINE)
    return dynamic is not None and static is None


def wheel_version(wheel: pathlib.Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        for line in archive.read(metadata).decode("utf-8").splitlines():
            if line.startswith("Version: "):
                return line.removeprefix("Version: ")
    return "<no Version in METADATA>"


def python_version_of(cargo_version: str) -> str:
    """The PEP 440 spelling maturin gives a Cargo version (`0.2.0-rc.1` -> `0.2.0rc1`)."""
    found = re.fullmatch(r"(\d+\.\d+\.\d+)(?:-(alpha|beta|rc)\.?(\d+))?", cargo_version)
    if not found:
        return cargo_version
    release, phase, number = found.groups()
    if phase is None:
        return release
    short = {"alpha": "a", "beta": "b", "rc": "rc"}[phase]
    return f"{release}{short}{number}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=pathlib.Path, help="a built wheel whose METADATA version is checked")
    parser.add_argument("--installed", action="store_true", help="check alipay_marketing.__version__ as installed")
    args = parser.parse_args()

    expected = workspace_version()
    problems = []
    versions = crate_versions()
    for crate in sorted(set(CRATES) | set(versions)):
        if versions.get(crate) != expected:
            problems.append(f"crate {crate}: {versions.get(crate, '<missing>')} (use version.workspace = true)")
    release = expected.split("-")[0].split("+")[0]
    if header_version() != release:
        problems.append(
            f"include/alipay_marketing.h: ALIPAY_VERSION_* say {header_version()}; update the constants in "
            "ffi/src/lib.rs and regenerate the header (ALIPAY_UPDATE_HEADER=1 cargo test -p alipay-marketing-ffi "
            "--test header)"
        )
    if changelog_version() != expected:
        problems.append(f"CHANGELOG.md: the latest released section is [{changelog_version()}]")
    if not pyproject_declares_dynamic_version():
        problems.append('pyproject.toml: [project] must say dynamic = ["version"] and set no version of its own')
    python_expected = python_version_of(expected)
    if args.wheel is not None and wheel_version(args.wheel) != python_expected:
        problems.append(f"{args.wheel.name}: METADATA says {wheel_version(args.wheel)}")
    if args.installed:
        import alipay_marketing

        if "site-packages" not in (alipay_marketing.__file__ or ""):
            problems.append(f"alipay_marketing imported from {alipay_marketing.__file__}, not an installed wheel")
        if alipay_marketing.__version__ != expected:
            problems.append(f"alipay_marketing.__version__ is {alipay_marketing.__version__}")

    if problems:
        print(f"versions disagree with Cargo.toml's {expected}:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    checked = "crates, header, changelog, pyproject"
    checked += ", wheel" if args.wheel else ""
    checked += ", __version__" if args.installed else ""
    print(f"one version everywhere: {expected} ({checked})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
