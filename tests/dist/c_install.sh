#!/usr/bin/env bash
# The C library as a user gets it: `make install-c` into a scratch prefix, then a small program built against that
# prefix with pkg-config and with CMake (find_package), shared and static, each run against a sandbox.
#
#   tests/dist/c_install.sh [debug|release]     (default debug: the profile whose libraries are installed)
#
# Checks on the way: the file layout and symlinks (.so -> .so.0 -> .so.0.1.0), the soname recorded in the library
# and in the programs linked to it, that the loader finds the library by its soname alone, the versions in the .pc
# file and the CMake version file, CMake refusing a version it does not satisfy, and one voucher per program in the
# sandbox's own state.
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=${1:-debug}
work=$PWD/target/dist-check/c-install
prefix=$work/prefix
lib=$prefix/lib
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
major=${version%%.*}
cc=${CC:-cc}

fail() {
    echo "c_install: $*" >&2
    exit 1
}

rm -rf "$work" && mkdir -p "$work"
make --no-print-directory install-c PREFIX="$prefix" C_PROFILE="$profile" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "make install-c PREFIX=$prefix failed"; }

# Layout: one real file named by the full version, the loader's name and the linker's name as symlinks.
[ -f "$lib/libalipay_marketing.so.$version" ] && [ ! -L "$lib/libalipay_marketing.so.$version" ] ||
    fail "$lib/libalipay_marketing.so.$version is not a regular file"
[ "$(readlink "$lib/libalipay_marketing.so.$major")" = "libalipay_marketing.so.$version" ] ||
    fail "libalipay_marketing.so.$major should link to libalipay_marketing.so.$version"
[ "$(readlink "$lib/libalipay_marketing.so")" = "libalipay_marketing.so.$major" ] ||
    fail "libalipay_marketing.so should link to libalipay_marketing.so.$major"
for file in include/alipay_marketing.h lib/libalipay_marketing.a lib/pkgconfig/alipay_marketing.pc \
    lib/cmake/alipay_marketing/alipay_marketingConfig.cmake \
    lib/cmake/alipay_marketing/alipay_marketingConfigVersion.cmake; do
    [ -f "$prefix/$file" ] || fail "make install-c did not install $file"
done
soname() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(libalipay_marketing[^]]*\)\]/\1/p'; }
[ "$(soname "$lib/libalipay_marketing.so.$version")" = "libalipay_marketing.so.$major" ] ||
    fail "the installed library's soname is '$(soname "$lib/libalipay_marketing.so.$version")'"

# pkg-config: shared (found at run time by soname, through LD_LIBRARY_PATH only) and static.
export PKG_CONFIG_PATH=$lib/pkgconfig
[ "$(pkg-config --modversion alipay_marketing)" = "$version" ] ||
    fail "alipay_marketing.pc says version $(pkg-config --modversion alipay_marketing)"
src=tests/dist/c/installed_voucher.c
flags=(-std=c99 -Wall -Wextra -Wpedantic -Werror)
# shellcheck disable=SC2046 # pkg-config prints several flags
"$cc" "${flags[@]}" "$src" $(pkg-config --cflags --libs alipay_marketing) -o "$work/pkgconfig_shared"
# shellcheck disable=SC2046
"$cc" "${flags[@]}" "$src" $(pkg-config --cflags alipay_marketing) -Wl,-Bstatic $(pkg-config --libs alipay_marketing) \
    -Wl,-Bdynamic $(pkg-config --static --libs-only-l alipay_marketing | sed 's/-lalipay_marketing//') \
    -o "$work/pkgconfig_static"
[ "$(needed "$work/pkgconfig_shared")" = "libalipay_marketing.so.$major" ] ||
    fail "the shared program needs '$(needed "$work/pkgconfig_shared")', not the soname"
[ -z "$(needed "$work/pkgconfig_static")" ] || fail "the static program still needs the shared library"

# CMake: find_package with the exact version asked for, from a consumer project outside the repository's build.
cmake_build() {
    cmake -S tests/dist/c -B "$work/$1" -DCMAKE_PREFIX_PATH="$prefix" -DALIPAY_MARKETING_REQUIRED_VERSION="$2" \
        >"$work/$1.log" 2>&1
}
cmake_build cmake "$version" || { cat "$work/cmake.log" >&2; fail "CMake could not configure against $prefix"; }
cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log" >&2; fail "CMake build failed"; }
grep -q "alipay_marketing $version from $lib/cmake/alipay_marketing" "$work/cmake.log" ||
    fail "find_package did not report version $version from $lib/cmake/alipay_marketing"
[ "$(needed "$work/cmake/installed_voucher_shared")" = "libalipay_marketing.so.$major" ] ||
    fail "the CMake shared program needs '$(needed "$work/cmake/installed_voucher_shared")'"
[ -z "$(needed "$work/cmake/installed_voucher_static")" ] || fail "the CMake static program needs the shared library"
# A request the installed version cannot satisfy (the next major) must be refused.
if cmake_build cmake-next-major "$((major + 1)).0"; then
    fail "find_package(alipay_marketing $((major + 1)).0) accepted version $version"
fi
grep -q "alipay_marketingConfig.cmake, version: $version" "$work/cmake-next-major.log" ||
    { cat "$work/cmake-next-major.log" >&2; fail "CMake's refusal does not name the installed version"; }

# The four programs against one sandbox, each sending its own voucher. The sandbox prints its env file's path once
# it has written the file (and is listening): the script reads its output up to that line.
exec {sandbox_out}< <(exec target/debug/alipay-sandbox --port 0 --keys-dir "$work/keys" \
    --env-file "$work/sandbox.env" --quiet 2>"$work/sandbox.log")
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true' EXIT
ready=
while IFS= read -r -t 120 line <&"$sandbox_out"; do
    echo "$line" >>"$work/sandbox.log"
    case $line in "  env file:"*) ready=yes && break ;; esac
done
[ -n "$ready" ] || { cat "$work/sandbox.log" >&2; fail "the sandbox did not start"; }
set -a
# shellcheck disable=SC1091
. "$work/sandbox.env"
set +a

programs=(pkgconfig_shared pkgconfig_static cmake/installed_voucher_shared cmake/installed_voucher_static)
for program in "${programs[@]}"; do
    key="c-install-${program//\//-}"
    out=$(LD_LIBRARY_PATH=$lib "$work/$program" "$key") || fail "$program failed: $out"
    case $out in
    "library $version sent voucher "?*) echo "  $program: $out" ;;
    *) fail "$program printed '$out'" ;;
    esac
done
issued=$(curl -sf "$ALIPAY_ADMIN_URL/state" | python3 -c '
import json, sys
print(sorted(v["out_biz_no"] for v in json.load(sys.stdin)["vouchers"]["issued"] if v["out_biz_no"].startswith("c-install-")))')
[ "$issued" = "['c-install-cmake-installed_voucher_shared', 'c-install-cmake-installed_voucher_static', 'c-install-pkgconfig_shared', 'c-install-pkgconfig_static']" ] ||
    fail "the sandbox issued $issued"
echo "C install check: $version installed to a prefix; pkg-config and CMake builds (shared and static) each sent one voucher"
