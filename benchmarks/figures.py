"""Security and fault figures: a report, not a test.

Run with `make figures` (or `.venv/bin/python benchmarks/figures.py` from the
project root with scripts/common.sh sourced). It

* runs the attack tests (`tests/security/`) and the fault tests
  (`tests/faults/`) against the real servers and counts, per file, the attacks
  tried and held and the faults injected and survived (a test that passes is
  an attack that failed, or a fault the assistant survived);
* runs the retry drill (`benchmarks/resilience.py`): conversations whose
  confirming turn is dropped, then the resident asks for the reference; it
  prints references expected versus given and cases expected versus stored.

It prints one table and the totals "lost" and "duplicated", and exits 0 even
when something did not hold (1 only when a measurement could not be made).
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = {"security": "attacks tried / held", "faults": "faults injected / survived"}


@dataclass
class FileTally:
    """Outcomes of one test file."""

    tried: int = 0
    held: int = 0
    failures: list[str] = field(default_factory=list)


def run_suite(folder: str) -> dict[str, FileTally]:
    """Run one test folder with pytest and tally its outcomes per file."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"tests/{folder}",
                        f"--junitxml={report}"], cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
        if not report.exists():
            raise RuntimeError(f"pytest wrote no report for tests/{folder}")
        tree = ElementTree.parse(report)
    tallies: dict[str, FileTally] = {}
    for case in tree.iter("testcase"):
        module = case.get("classname", "").split(".")  # tests.<folder>.<file>[.<class>]
        file_name = module[2] if len(module) > 2 else folder
        outcome = {child.tag for child in case}
        if "skipped" in outcome:
            continue
        tally = tallies.setdefault(file_name, FileTally())
        tally.tried += 1
        if outcome & {"failure", "error"}:
            tally.failures.append(case.get("name", "?"))
        else:
            tally.held += 1
    return tallies


REFERENCES = re.compile(r"references expected / given: (\d+) / (\d+)")
CASES = re.compile(r"cases expected / stored: (\d+) / (\d+) \(duplicates (\d+), lost (\d+)\)")


def run_drill() -> dict[str, int]:
    """The retry drill's figures, read from what benchmarks/resilience.py prints."""
    completed = subprocess.run([sys.executable, "benchmarks/resilience.py"], cwd=ROOT,
                               capture_output=True, text=True, check=False)
    references, cases = REFERENCES.search(completed.stdout), CASES.search(completed.stdout)
    if completed.returncode != 0 or not references or not cases:
        raise RuntimeError(f"the retry drill failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
    expected, given = map(int, references.groups())
    cases_expected, stored, duplicated, lost = map(int, cases.groups())
    return {"references expected": expected, "references given": given,
            "references not given": expected - given, "cases expected": cases_expected,
            "cases stored": stored, "cases duplicated": duplicated, "cases lost": lost}


def main() -> int:
    totals: Counter[str] = Counter()
    print(f"{'suite / file':58} {'tried':>6} {'held':>6}")
    for folder, label in SUITES.items():
        try:
            tallies = run_suite(folder)
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"{folder}: {label}")
        for file_name, tally in sorted(tallies.items()):
            print(f"  {file_name:56} {tally.tried:6} {tally.held:6}")
            for failure in tally.failures:
                print(f"      did not hold: {failure}")
            totals[f"{folder} tried"] += tally.tried
            totals[f"{folder} held"] += tally.held
        print(f"  {'total':56} {totals[folder + ' tried']:6} {totals[folder + ' held']:6}")
    try:
        drill = run_drill()
    except (RuntimeError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    print("retry drill (dropped confirmations, then 'what's my reference?')")
    for key, value in drill.items():
        print(f"  {key:56} {value:6}")
    lost = drill.get("cases lost", 0) + drill.get("references not given", 0)
    duplicated = drill.get("cases duplicated", 0)
    print(f"lost: {lost}   duplicated: {duplicated}   "
          f"attacks held: {totals['security held']}/{totals['security tried']}   "
          f"faults survived: {totals['faults held']}/{totals['faults tried']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
