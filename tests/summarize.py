#!/usr/bin/env python3
"""Print one closing line for meson test runs: 'tests: N passed, N failed, N skipped',
preceded by the name of every test that did not pass. Takes one or more testlog.json files
(the plain and the sanitizer build in CI) and adds them up."""
import json
import sys

counts = {"passed": 0, "failed": 0, "skipped": 0}
notes = []
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            r = t.get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                counts["passed"] += 1
            elif r == "SKIP":
                counts["skipped"] += 1
                notes.append(f"skipped: {t['name']} ({path})")
            else:
                counts["failed"] += 1
                notes.append(f"failed: {t['name']} ({r}, {path})")
for n in notes:
    print(n)
print(f"tests: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
sys.exit(1 if counts["failed"] else 0)
