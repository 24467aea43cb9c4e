"""Run one command and write its wall time and its own peak memory to a JSON file.

    python -m benchmarks.heldout.measure RESULT.json COMMAND...

A small process of its own between the benchmark and the linker: Linux carries a
process's peak resident memory across fork and exec, so a linker started straight
from the benchmark (which holds pandas and the data sets) would report the
benchmark's peak as its own. Started from here, it reports its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> None:
    result, command = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    process = subprocess.Popen(command)  # noqa: S603 - the benchmark's own commands
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="utf-8") as f:
        json.dump({"seconds": seconds, "peak_kb": usage.ru_maxrss, "returncode": code}, f)
    sys.exit(code)


if __name__ == "__main__":
    main()
