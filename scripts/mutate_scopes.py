#!/usr/bin/env python3
"""Prove the tenancy tests catch a forgotten filter: remove each visible_to() in turn.

For every `.visible_to(...)` call in the code that reads rows for a page or an API
response (views, API modules, dashboard panels, context processors, forms), this script
removes that one call — `X.objects.visible_to(org)` becomes `X.objects`, `qs.visible_to(org)`
becomes `qs` — runs the tenancy sweep and the view and API tests (stopping at the first
failure), puts the file back, and prints CAUGHT or MISSED for the site, with the test
that caught it. The file is restored whatever happens (Ctrl-C included).

    .venv/bin/python scripts/mutate_scopes.py            # every site, the default tests
    .venv/bin/python scripts/mutate_scopes.py --list     # the sites only
    .venv/bin/python scripts/mutate_scopes.py --extended # services and tasks too

Slow (one test run per site): not part of CI. Standard library only.
"""

from __future__ import annotations

import argparse
import glob
import io
import os
import py_compile
import re
import signal
import subprocess
import sys
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The code that reads rows to show them: where a forgotten filter leaks.
READ_SITES = [
    "accounts/views.py",
    "events/views/*.py",
    "agreements/views/*.py",
    "partnerships/views.py",
    "*/api.py",
    "*/panels.py",
    "*/context_processors.py",
    "*/forms.py",
    "*/selectors.py",  # the reads pages show (counts, pickers, waiting lists)
    "events/services/exports.py",  # the attendee CSV and badge sheets the export pages serve
]
# With --extended: the services and tasks behind them (their own tests catch these).
EXTENDED_SITES = [
    "*/services.py",
    "*/services/*.py",
    "*/policy.py",
    "accounts/tenancy.py",
]
TESTS = [
    "tests/test_tenant_sweep.py",
    "tests/*/test_views.py",
    "tests/*/test_api.py",
]
EXTENDED_TESTS = ["tests/accounts", "tests/events", "tests/agreements", "tests/core"]


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    start: int  # offsets in the file's text: the "." before visible_to ... the ")"
    end: int
    source: str  # the line, for the report

    def mutate(self, text: str) -> str:
        return text[: self.start] + text[self.end :]

    @property
    def shown(self) -> str:
        return self.source if len(self.source) <= 72 else self.source[:69] + "..."


def _offsets(text: str) -> list[int]:
    starts, position = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(position)
        position += len(line)
    return starts


def find_sites(path: str) -> list[Site]:
    """Every `.visible_to(` call in a file (not its definition, comments or strings)."""
    text = (ROOT / path).read_text(encoding="utf-8")
    line_starts = _offsets(text)
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    sites = []
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string != "visible_to":
            continue
        before, after = tokens[index - 1], tokens[index + 1]
        if before.string != "." or after.string != "(":
            continue  # `def visible_to(` or a bare name
        depth = 0
        for closing in tokens[index + 1 :]:
            if closing.type == tokenize.OP and closing.string in "([{":
                depth += 1
            elif closing.type == tokenize.OP and closing.string in ")]}":
                depth -= 1
                if depth == 0:
                    break
        start = line_starts[before.start[0] - 1] + before.start[1]
        end = line_starts[closing.end[0] - 1] + closing.end[1]
        sites.append(
            Site(
                path=path,
                line=token.start[0],
                start=start,
                end=end,
                source=text.splitlines()[token.start[0] - 1].strip(),
            )
        )
    return sites


def expand(patterns: list[str]) -> list[str]:
    paths = []
    for pattern in patterns:
        for match in sorted(glob.glob(str(ROOT / pattern))):
            relative = os.path.relpath(match, ROOT)
            if relative.startswith(("tests", ".venv", "scripts")) or "migrations" in relative:
                continue
            if relative not in paths:
                paths.append(relative)
    return paths


def run_tests(tests: list[str], timeout: int) -> tuple[str, str, float]:
    """(outcome, first failing test, seconds): CAUGHT when a test fails, MISSED when all
    pass, ERROR when pytest could not run them."""
    command = [
        str(ROOT / ".venv/bin/python"),
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:logging",
        "-m",
        "not browser and not worker",
        "-rfE",
        *[path for pattern in tests for path in sorted(glob.glob(str(ROOT / pattern)))],
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "ERROR", f"timed out after {timeout} s", time.monotonic() - started
    seconds = time.monotonic() - started
    failed = re.search(r"^(?:FAILED|ERROR) (\S+)", done.stdout, flags=re.MULTILINE)
    if done.returncode == 0:
        return "MISSED", "", seconds
    if done.returncode == 1 and failed:
        return "CAUGHT", failed[1], seconds
    tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["?"]
    return "ERROR", f"pytest exit {done.returncode}: {tail[0]}", seconds


def mutate_and_run(site: Site, tests: list[str], timeout: int) -> tuple[str, str, float]:
    path = ROOT / site.path
    original = path.read_bytes()
    try:
        path.write_text(site.mutate(original.decode("utf-8")), encoding="utf-8")
        py_compile.compile(str(path), doraise=True)
        return run_tests(tests, timeout)
    except py_compile.PyCompileError as exc:
        return "ERROR", f"the mutation does not compile: {exc.msg.splitlines()[-1]}", 0.0
    finally:
        path.write_bytes(original)  # always put the file back, even on Ctrl-C


def _terminate_as_interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the sites and stop")
    parser.add_argument(
        "--extended", action="store_true", help="services and tasks too, with their tests"
    )
    parser.add_argument("--only", help="only sites in files matching this substring")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per test run")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)

    patterns = READ_SITES + (EXTENDED_SITES if args.extended else [])
    tests = TESTS + (EXTENDED_TESTS if args.extended else [])
    sites = [site for path in expand(patterns) for site in find_sites(path)]
    if args.only:
        sites = [site for site in sites if args.only in site.path]
    for number, site in enumerate(sites, start=1):
        if args.list:
            print(f"{number:3} {site.path}:{site.line}  {site.shown}")
    if args.list:
        print(f"{len(sites)} sites")
        return 0

    print(f"{len(sites)} sites; tests: {' '.join(tests)}", flush=True)
    outcome, detail, seconds = run_tests(tests, args.timeout)
    if outcome != "MISSED":
        print(f"the tests must pass before mutating: {outcome} {detail}")
        return 2
    print(f"unmutated run: all pass in {seconds:.0f} s", flush=True)

    results, started = [], time.monotonic()
    try:
        for number, site in enumerate(sites, start=1):
            outcome, detail, seconds = mutate_and_run(site, tests, args.timeout)
            results.append((site, outcome, detail))
            by = f"by {detail}" if outcome == "CAUGHT" else detail
            print(
                f"{number:3}/{len(sites)} {outcome:6} {site.path}:{site.line}  "
                f"{site.shown}  {by} ({seconds:.0f} s)",
                flush=True,
            )
    except KeyboardInterrupt:
        print("\ninterrupted; every file is restored", flush=True)
    caught = [r for r in results if r[1] == "CAUGHT"]
    by_sweep = [r for r in caught if r[2].startswith("tests/test_tenant_sweep.py")]
    missed = [r for r in results if r[1] == "MISSED"]
    errors = [r for r in results if r[1] == "ERROR"]
    minutes = (time.monotonic() - started) / 60
    print(
        f"\nsites mutated: {len(results)} of {len(sites)}; caught: {len(caught)} "
        f"(first by the sweep: {len(by_sweep)}); missed: {len(missed)}; "
        f"errors: {len(errors)}; {minutes:.1f} min"
    )
    for site, _outcome, _detail in missed:
        print(f"  MISSED {site.path}:{site.line}  {site.source}")
    return 1 if missed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
