#!/usr/bin/env python3
"""Layering check: a lower layer of kiln never includes or links a higher one.

kiln's layers, lowest first: runtime/support, runtime, ir, frontend, passes,
codegen (its Halide core; codegen/ir and codegen/tune are its IR side), tools.
The rules below say, per folder, which folders and external libraries its
sources may not #include and its CMake targets may not link (transitively).
The most specific folder wins. tools/ and tests/ may use anything.

Inputs: --source (the checkout) for the #include lines, and --links, a file
CMake writes at configure time (tests/layering/CMakeLists.txt) with each
target's folder and its transitive link closure. --self-test runs the checker
on a small made-up tree with one violation of each kind and fails unless it
reports all of them, so this test cannot pass by finding nothing.
"""
import argparse
import os
import re
import sys
import tempfile

# Folder -> (include prefixes it must not use, link names it must not reach).
# Include prefixes are matched against the include's path as written (after
# resolving "..", relative to the including file); link names are regular
# expressions matched against each item of the target's link closure
# (target names, library names or paths).
COMPILER_TARGETS = [r"KilnIR", r"KilnPasses", r"KilnFrontend\w*", r"KilnCodegen",
                    r"KilnKernelLowering", r"KilnTune", r"KilnTools"]
MLIR_LLVM = [r"MLIR", r"LLVM", r"kiln_mlir", r"kiln_llvm_support",
             r".*lib(LLVM|MLIR)[^/]*\.(so|a)[.0-9]*"]
HALIDE_COMPILER = [r"Halide::Halide", r"Halide::Generator",
                   r".*libHalide\.(so|a)[.0-9]*"]

RULES = {
    "runtime/support": (
        ["runtime/exec/", "runtime/exe/", "runtime/train/", "ir/", "passes/",
         "codegen/", "frontend/", "tools/", "mlir/", "llvm/", "Halide.h"],
        COMPILER_TARGETS + MLIR_LLVM + HALIDE_COMPILER +
        [r"KilnRuntime", r"KilnTrainer", r"KilnExec", r"KilnExe\w*"]),
    "runtime": (
        ["ir/", "passes/", "codegen/", "frontend/", "tools/", "mlir/", "llvm/",
         "Halide.h"],
        COMPILER_TARGETS + MLIR_LLVM + HALIDE_COMPILER),
    "ir": (["frontend/", "passes/", "codegen/", "tools/"],
           [r"KilnFrontend\w*", r"KilnPasses", r"KilnCodegen",
            r"KilnKernelLowering", r"KilnTune", r"KilnTools"]),
    "frontend": (["passes/", "codegen/", "tools/"],
                 [r"KilnPasses", r"KilnCodegen", r"KilnKernelLowering",
                  r"KilnTune", r"KilnTools"]),
    "passes": (["frontend/", "codegen/", "tools/"],
               [r"KilnFrontend\w*", r"KilnCodegen", r"KilnKernelLowering",
                r"KilnTune", r"KilnTools"]),
    # codegen's core knows nothing of MLIR: KernelSpec + Schedule -> Halide.
    "codegen": (["frontend/", "tools/", "ir/", "passes/", "codegen/ir/",
                 "codegen/tune/", "mlir/", "llvm/"],
                [r"KilnFrontend\w*", r"KilnTools", r"KilnIR", r"KilnPasses",
                 r"KilnKernelLowering", r"KilnTune"] + MLIR_LLVM),
    "codegen/ir": (["frontend/", "tools/", "codegen/tune/"],
                   [r"KilnFrontend\w*", r"KilnTools", r"KilnTune"]),
    "codegen/tune": (["frontend/", "tools/"], [r"KilnFrontend\w*", r"KilnTools"]),
}

# runtime/support is the bottom layer: every layer may include it.
ALLOWED_EVERYWHERE = ["runtime/support/"]

SOURCE_EXTS = (".h", ".hpp", ".cpp", ".cc", ".c", ".def", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')


def rule_for(rel):
    """The rule of the most specific folder holding `rel`, or None."""
    best = None
    for folder in RULES:
        if rel == folder or rel.startswith(folder + "/"):
            if best is None or len(folder) > len(best):
                best = folder
    return best


def include_target(rel_file, written):
    """A relative include ("../../tools/X.h") as a path from the checkout's
    root, so that it cannot slip past the prefixes."""
    resolved = os.path.normpath(os.path.join(os.path.dirname(rel_file), written))
    return written if resolved.startswith("..") else resolved


def check_includes(source):
    problems = []
    for top in RULES:
        if "/" in top:
            continue
        for root, dirs, files in os.walk(os.path.join(source, top)):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if not name.endswith(SOURCE_EXTS):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, source)
                rule = rule_for(rel)
                if rule is None:
                    continue
                forbidden = RULES[rule][0]
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        written = m.group(1)
                        target = written
                        if written.startswith("."):
                            target = include_target(rel, written)
                        if any(target.startswith(a) for a in ALLOWED_EVERYWHERE):
                            continue
                        for prefix in forbidden:
                            if target == prefix or target.startswith(prefix):
                                problems.append(
                                    f"{rel}:{lineno}: {rule}/ must not include "
                                    f"\"{written}\" ({prefix} is a higher layer)")
                                break
    return problems


def check_links(links_file, source):
    problems = []
    with open(links_file, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            target, folder, deps = (line.split("\t") + ["", ""])[:3]
            rel = os.path.relpath(folder, source) if os.path.isabs(folder) else folder
            rule = rule_for(rel)
            if rule is None:
                continue
            for dep in filter(None, deps.split(";")):
                for pattern in RULES[rule][1]:
                    if re.fullmatch(pattern, dep):
                        problems.append(f"target {target} ({rel}/) links {dep}, "
                                        f"which {rule}/ must not reach")
                        break
    return problems


def self_test():
    """Runs the checker on a made-up tree; fails unless every planted
    violation is found and the clean files pass."""
    with tempfile.TemporaryDirectory() as tmp:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "w") as f:
                f.write(text)
        write("tools/Thing.h", "")
        write("runtime/Ok.cpp", '#include "runtime/Tensor.h"\n#include <vector>\n'
              '#include "HalideRuntime.h"\n')
        write("runtime/exe/Bad.cpp", '#include "tools/Thing.h"\n')
        write("runtime/exe/Relative.cpp", '#include "../../tools/Thing.h"\n')
        write("runtime/Mlir.cpp", '#include "mlir/IR/Operation.h"\n')
        write("codegen/kernels/Bad.cpp", '#include "frontend/ModelSpec.h"\n')
        write("codegen/ir/Ok.cpp", '#include "ir/NNDialect.h"\n')
        write("frontend/Ok.cpp", '#include "runtime/support/Messages.h"\n'
              '#include "runtime/Tensor.h"\n')
        write("runtime/support/Bad.h", '#include "runtime/exec/Plan.h"\n')
        links = os.path.join(tmp, "links.txt")
        with open(links, "w") as f:
            f.write(f"KilnRuntime\t{tmp}/runtime\tKilnSupport;ZLIB::ZLIB\n")
            f.write(f"KilnExe\t{tmp}/runtime/exe\tKilnRuntime;LLVM\n")
            f.write(f"KilnCodegen\t{tmp}/codegen\tHalide::Halide;KilnTools\n")
            f.write(f"KilnTune\t{tmp}/codegen/tune\tKilnKernelLowering;MLIR\n")
        found = check_includes(tmp) + check_links(links, tmp)
        expected = ["runtime/exe/Bad.cpp:1", "runtime/exe/Relative.cpp:1",
                    "runtime/Mlir.cpp:1", "codegen/kernels/Bad.cpp:1",
                    "runtime/support/Bad.h:1", "KilnExe (runtime/exe/) links LLVM",
                    "KilnCodegen (codegen/) links KilnTools"]
        missing = [e for e in expected if not any(e in p for p in found)]
        extra = [p for p in found if not any(e in p for e in expected)]
        for m in missing:
            print(f"self-test: the checker missed {m}")
        for x in extra:
            print(f"self-test: the checker wrongly reported: {x}")
        return 1 if missing or extra else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", help="the checkout's root")
    ap.add_argument("--links", help="link closures written by CMake")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.source:
        ap.error("--source is required")
    problems = check_includes(args.source)
    if args.links:
        problems += check_links(args.links, args.source)
    for p in problems:
        print("layering: " + p)
    if problems:
        print(f"layering: {len(problems)} violation(s); see the rules in "
              "tests/layering/check_layering.py")
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
