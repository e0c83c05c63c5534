#!/usr/bin/env bash
# The cross-language comparison of the conformance table
# (tests/conformance/scenarios.json). Each language's test script runs its
# driver, which writes one outcome line per scenario to
# $CONCUR_CONFORMANCE_OUT/<lang>.txt (default target/conformance). This script
# builds nothing: it fails when a language is missing, when any line differs
# from the table's expectation, or when two languages disagree.
# With $CONCUR_TEST_SUMMARY set, appends "conformance: N passed, M failed"
# (one check per language and scenario).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="${CONCUR_CONFORMANCE_OUT:-$root/target/conformance}"
langs=${CONCUR_CONFORMANCE_LANGS:-"rust c dotnet python node"}

python3 - "$root/tests/conformance/scenarios.json" "$out" "${CONCUR_TEST_SUMMARY:-}" $langs <<'PY'
import json
import sys
from pathlib import Path

table_path, out, summary, *langs = sys.argv[1:]
table = json.loads(Path(table_path).read_text())["scenarios"]
expected = {s["id"]: " ".join([s["id"], *s["expect"]]) for s in table}
passed = failed = 0
seen: dict[str, dict[str, str]] = {}
for lang in langs:
    path = Path(out) / f"{lang}.txt"
    lines = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                lines[line.split(" ", 1)[0]] = line
    seen[lang] = lines
    for sid, want in expected.items():
        got = lines.get(sid)
        if got == want:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {lang} {sid}\n  expected {want}\n       got {got or '(no line: the driver did not run it)'}")
    for sid in lines.keys() - expected.keys():
        failed += 1
        print(f"FAIL {lang} prints {sid}, which the table does not have")
for sid in expected:
    outcomes = {lang: seen[lang].get(sid) for lang in langs}
    if len(set(outcomes.values())) > 1:
        print(f"DIFFER {sid}: " + "; ".join(f"{lang}: {line}" for lang, line in outcomes.items()))
print(f"conformance: {passed} passed, {failed} failed ({len(expected)} scenarios x {len(langs)} languages)")
if summary:
    with open(summary, "a") as f:
        f.write(f"conformance: {passed} passed, {failed} failed\n")
sys.exit(1 if failed else 0)
PY
