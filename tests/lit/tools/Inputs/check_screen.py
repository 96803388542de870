# Fails unless the file named by argv[1] (a tool's stderr) fits on one
# screen: at most 25 rows of an 80-column terminal (long lines wrap) and
# 2,000 characters. The test's own output folder, which names the input
# files, is not counted.
import os
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8", errors="replace").read()
text = text.replace(os.path.dirname(os.path.abspath(path)) + "/", "")
rows = sum(max(1, -(-len(line) // 80)) for line in text.splitlines())
if len(text) > 2000 or rows > 25:
    sys.exit(f"{path}: {len(text)} characters in {rows} rows of 80 columns: "
             "does not fit on a screen")
