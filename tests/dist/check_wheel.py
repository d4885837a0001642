"""A built wheel runs where its tag says: the tag is abi3 for CPython >= 3.9 and the platform asked for, the native
module asks for nothing newer than that platform allows, and auditwheel agrees.

    python tests/dist/check_wheel.py WHEEL manylinux_2_17    # glibc >= 2.17 (manylinux2014)
    python tests/dist/check_wheel.py WHEEL musllinux_1_2     # musl >= 1.2

Run it with the interpreter of the venv that has auditwheel. Two independent readings: the symbol versions in the module (`objdump -T`: the newest GLIBC_x.y it needs, or
that it links musl and not glibc) and `auditwheel show`'s own verdict. Exits non-zero naming what is off.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

ARCH = "x86_64"
MUSL_LIBDIR = "/lib/x86_64-linux-musl"


def wheel_tags(archive: zipfile.ZipFile) -> list[str]:
    name = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
    return [line.removeprefix("Tag: ") for line in archive.read(name).decode().splitlines() if line.startswith("Tag: ")]


def native_module(archive: zipfile.ZipFile, into: pathlib.Path) -> pathlib.Path:
    names = [n for n in archive.namelist() if re.search(r"/_native[^/]*\.so$", n)]
    if len(names) != 1:
        sys.exit(f"expected one native module in the wheel, found {names}")
    return pathlib.Path(archive.extract(names[0], into))


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def check_glibc(module: pathlib.Path, minor: int, problems: list[str]) -> str:
    dynamic = subprocess.run(["objdump", "-T", str(module)], check=True, capture_output=True, text=True).stdout
    needed = sorted({version_tuple(v) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", dynamic)})
    if not needed:
        problems.append(f"{module.name} needs no GLIBC symbol version at all: not a glibc build?")
        return "none"
    newest = ".".join(map(str, needed[-1]))
    if needed[-1] > (2, minor):
        problems.append(f"{module.name} needs GLIBC_{newest}, newer than the tag's 2.{minor}")
    return f"GLIBC_{newest}"


def check_musl(module: pathlib.Path, problems: list[str]) -> str:
    dynamic = subprocess.run(["readelf", "-d", str(module)], check=True, capture_output=True, text=True).stdout
    libraries = re.findall(r"\(NEEDED\).*\[(.*)\]", dynamic)
    # glibc's sonames carry a number (libc.so.6, libpthread.so.0, libm.so.6); musl's libc is libc.so or, as
    # Alpine and auditwheel name it, libc.musl-<arch>.so.1.
    glibc = re.compile(r"lib(c|pthread|m|dl|rt)\.so\.\d+$")
    if any(glibc.match(lib) for lib in libraries):
        problems.append(f"{module.name} links glibc: {libraries}")
    return "musl, needs " + (", ".join(libraries) or "no shared library")


def main() -> int:
    if len(sys.argv) != 3 or not re.fullmatch(r"(manylinux|musllinux)_\d+_\d+", sys.argv[2]):
        sys.exit(__doc__)
    wheel, policy = pathlib.Path(sys.argv[1]), sys.argv[2]
    family, _major, minor = policy.split("_")
    platform = f"{policy}_{ARCH}"
    problems: list[str] = []
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as scratch:
        tags = wheel_tags(archive)
        if f"cp39-abi3-{platform}" not in tags:
            problems.append(f"WHEEL tags {tags} lack cp39-abi3-{platform}")
        module = native_module(archive, pathlib.Path(scratch))
        if family == "manylinux":
            found = check_glibc(module, int(minor), problems)
        else:
            found = check_musl(module, problems)
    # On this glibc host, auditwheel finds musl's libc only where Debian's `musl` package puts it.
    ldpaths = ["--ldpaths", MUSL_LIBDIR] if family == "musllinux" else []
    audit = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", *ldpaths, str(wheel)], check=False, capture_output=True, text=True
    )
    verdict = " ".join((audit.stdout + audit.stderr).split())
    if audit.returncode != 0 or f'platform tag: "{platform}"' not in verdict:
        problems.append(f"auditwheel show does not place it on {platform}: {verdict}")
    if problems:
        print(f"{wheel.name}:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{wheel.name}: {platform} abi3 (module: {found}; auditwheel agrees)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
