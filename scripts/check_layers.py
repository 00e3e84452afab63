#!/usr/bin/env python3
"""Checks that no file includes a layer it may not see (docs/design.md §2).

The layers and what each may see are read from one place, src/CMakeLists.txt:
every `merhan_layer(NAME ... DEPS merhan_a merhan_b ...)` declares a layer, in
order, and the layers it links. A layer sees itself and everything its DEPS
reach; a DEPS entry must name a layer declared before it. Checked:
  src/NAME/**, include/merhan/NAME/**   may include merhan/X/ only for X it sees
  tests/NAME/**                         only for X its test binary's DEPS reach
                                        (`merhan_test_binary(NAME DEPS ...)` in
                                        tests/CMakeLists.txt; fixtures may be read
                                        through a later layer, e.g. audio's NPY files)

  scripts/check_layers.py [ROOT]      exit 1 listing every violation
  scripts/check_layers.py --self-test plants a violation in a copy of a small tree
                                      and exits 0 only if it is found
Standard library only.
"""
import pathlib
import re
import sys
import tempfile

LAYER = re.compile(r"^\s*merhan_layer\((\w+)([^)]*)\)", re.M)
TEST_BINARY = re.compile(r"^\s*merhan_test_binary\((\w+)([^)]*)\)", re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]merhan/(\w+)/', re.M)


def read_layers(root, cmake="src/CMakeLists.txt", pattern=LAYER):
    """[(name, deps)] in declaration order from a CMakeLists.txt."""
    path = root / cmake
    text = path.read_text() if path.exists() else ""
    layers = []
    for name, rest in pattern.findall(text):
        deps = rest.split("DEPS", 1)[1].split() if "DEPS" in rest else []
        layers.append((name, [d[len("merhan_"):] for d in deps if d.startswith("merhan_")]))
    return layers


def visible(layers):
    """Layer -> the set of layers it may include; errors for a DEPS on a later layer."""
    seen, errors = {}, []
    for name, deps in layers:
        allowed = {name}
        for d in deps:
            if d not in seen:
                errors.append(f"src/CMakeLists.txt: layer {name} links {d}, which is not declared before it")
                continue
            allowed |= seen[d]
        seen[name] = allowed
    return seen, errors


def files_of(bases):
    for base in bases:
        if base.is_dir():
            yield from (p for p in sorted(base.rglob("*")) if p.suffix in (".h", ".cc", ".cpp"))


def checked_files(root, layers, allowed):
    """(path, layer, what it sees) for every layer's sources and test sources."""
    for name, _ in layers:
        for path in files_of([root / "src" / name, root / "include" / "merhan" / name]):
            yield path, name, allowed[name]
    for name, deps in read_layers(root, "tests/CMakeLists.txt", TEST_BINARY):
        sees = set().union(*(allowed.get(d, {d}) for d in deps)) if deps else set()
        for path in files_of([root / "tests" / name]):
            yield path, f"{name} (tests)", sees


def check(root):
    layers = read_layers(root)
    if not layers:
        return [f"{root}/src/CMakeLists.txt: no merhan_layer() declarations"]
    allowed, errors = visible(layers)
    for path, name, sees in checked_files(root, layers, allowed):
        text = path.read_text(errors="replace")
        for match in INCLUDE.finditer(text):
            target = match.group(1)
            if target in allowed and target not in sees:
                line = text.count("\n", 0, match.start()) + 1
                errors.append(f"{path.relative_to(root)}:{line}: layer {name} includes merhan/{target}/, "
                              f"which it does not see (it sees {', '.join(sorted(sees))})")
    return errors


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        (root / "src" / "low").mkdir(parents=True)
        (root / "src" / "high").mkdir(parents=True)
        (root / "src" / "CMakeLists.txt").write_text(
            "merhan_layer(util)\nmerhan_layer(low DEPS merhan_util)\nmerhan_layer(high TORCH DEPS merhan_low)\n")
        (root / "src" / "high" / "a.cc").write_text('#include "merhan/low/b.h"\n')
        (root / "src" / "low" / "b.cc").write_text('#include "merhan/low/b.h"\n')
        if check(root):
            print("self-test: a clean tree was reported:", check(root))
            return 1
        (root / "src" / "low" / "b.cc").write_text('#include "merhan/low/b.h"\n#include "merhan/high/a.h"\n')
        found = check(root)
        if len(found) != 1 or "src/low/b.cc:2: layer low includes merhan/high/" not in found[0]:
            print("self-test: the planted include of a later layer was not found:", found)
            return 1
        print("self-test: planted violation found:", found[0])
        return 0


def main(argv):
    if argv[1:2] == ["--self-test"]:
        return self_test()
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    errors = check(root)
    for e in errors:
        print(e)
    layers = [name for name, _ in read_layers(root)]
    print(f"{len(errors)} violation(s) in {len(layers)} layers ({' -> '.join(layers)})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
