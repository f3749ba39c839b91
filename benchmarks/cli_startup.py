"""How long ``lookout --help`` takes to start, against ``python -c "import boto3"``.

Both commands run as fresh processes, alternately, ``ROUNDS`` times; the report gives
each one's median wall time and the ratio of the medians (``lookout --help`` over
``import boto3``) against the target, from this one run. ``lookout --help`` must not
load boto3, the SDK or the service model to print its help.

Usage::

    python benchmarks/cli_startup.py            # print the report, exit 0
    python benchmarks/cli_startup.py --check    # exit 1 if the target is missed
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = 21
TARGET = 1.5
_SCRIPT = Path(sys.executable).parent / "lookout"  # the console script pip installed
LOOKOUT = (
    [str(_SCRIPT), "--help"]
    if _SCRIPT.exists()
    else [sys.executable, "-m", "lookout_sdk.cli", "--help"]
)
BOTO3 = [sys.executable, "-c", "import boto3"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    options = parser.parse_args()
    timed(LOOKOUT), timed(BOTO3)  # warm the file cache for both
    lookout, boto3 = [], []
    for _ in range(ROUNDS):
        lookout.append(timed(LOOKOUT))
        boto3.append(timed(BOTO3))
    ratio = statistics.median(lookout) / statistics.median(boto3)
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(
        f"lookout --help startup, {ROUNDS} alternating runs each (Python {sys.version.split()[0]})"
    )
    print(f"  lookout --help        {statistics.median(lookout) * 1000:7.1f} ms (median)")
    print(f"  python -c import boto3 {statistics.median(boto3) * 1000:6.1f} ms (median)")
    print(f"  ratio                 {ratio:7.2f}    target <= {TARGET}   {verdict}")
    if options.check and verdict == "FAIL":
        sys.exit(1)


if __name__ == "__main__":
    main()
