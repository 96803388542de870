# lit configuration for kiln's IR tests: textual IR in, FileCheck out.
import os
import lit.formats

config.name = "kiln"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_binary_dir, "tests", "lit")
config.environment["PATH"] = os.pathsep.join(
    [config.kiln_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.environment["KILN_CACHE_DIR"] = os.path.join(config.test_exec_root, "cache")
config.substitutions.append(("%examples", os.path.join(config.kiln_source_dir, "examples")))
config.substitutions.append(("%inputs", os.path.join(config.kiln_source_dir, "tests", "inputs")))
# The Python that runs lit, for tests that generate their inputs (a 1 MB
# line, deep nesting) rather than check them in.
import sys
config.substitutions.append(("%python", sys.executable))
