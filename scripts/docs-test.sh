#!/usr/bin/env bash
# docs-test.sh — the public headers are documented, every part of them.
#
# usage: scripts/docs-test.sh   (make test-docs)
#
#   doxygen      docs/Doxyfile over crates/capi/include/network/netstack/ (HTML and XML into
#                build/docs/) prints no warning: no undocumented file, function, struct, field,
#                typedef, macro, parameter or return value, no documentation error
#   documented   in doxygen's XML, every file, struct, member and enum value has a description
#                (doxygen itself does not warn about undocumented enum values)
# Prints `ok NAME` or `FAILED NAME` (with what is wrong) and ends with
# `docs-test: N passed, M failed`; exits non-zero if anything failed.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=build/docs
if ! command -v doxygen >/dev/null; then
    echo "docs-test: doxygen not found (apt-get install doxygen)" >&2
    exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT"

passed=0
failed=0
report() { # report NAME STATUS LOG
    if (($2 == 0)); then
        echo "ok $1"
        passed=$((passed + 1))
    else
        echo "FAILED $1"
        failed=$((failed + 1))
        sed 's/^/    /' "$3" | tail -n 60
    fi
}

status=0
doxygen docs/Doxyfile >"$OUT/doxygen.log" 2>&1 || status=$?
# Any output at all is a warning (QUIET = YES), whatever the exit status says.
if [[ -s $OUT/doxygen.log ]] && ((status == 0)); then status=1; fi
report doxygen "$status" "$OUT/doxygen.log"

status=0
python3 - "$OUT/xml" >"$OUT/documented.log" 2>&1 <<'PY' || status=$?
import glob
import sys
import xml.etree.ElementTree as ET


def described(element):
    return any(
        "".join(part.itertext()).strip()
        for part in (element.find("briefdescription"), element.find("detaileddescription"))
        if part is not None
    )


missing = []
files = glob.glob(sys.argv[1] + "/*.xml")
for path in sorted(files):
    for compound in ET.parse(path).getroot().iter("compounddef"):
        if compound.get("kind") not in ("file", "struct"):
            continue
        where = compound.findtext("compoundname")
        if not described(compound):
            missing.append(f"{compound.get('kind')} {where}")
        for member in compound.iter("memberdef"):
            if not described(member):
                missing.append(f"{where}: {member.get('kind')} {member.findtext('name')}")
            for value in member.iter("enumvalue"):
                if not described(value):
                    missing.append(f"{where}: enum value {value.findtext('name')}")
if not files:
    missing.append("no XML output from doxygen")
for line in missing:
    print("not documented:", line)
sys.exit(1 if missing else 0)
PY
report documented "$status" "$OUT/documented.log"

echo "docs-test: $passed passed, $failed failed"
((failed == 0))
