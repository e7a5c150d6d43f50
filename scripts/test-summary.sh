#!/usr/bin/env bash
# Sum the <Counters .../> of all TRX files under a results dir and print
#   Tests: X passed, Y failed, Z skipped
# Exit non-zero if no TRX file was found, no test ran, or any test failed.
set -euo pipefail

DIR="${1:-TestResults}"
mapfile -t files < <(find "$DIR" -type f -name '*.trx' 2>/dev/null | sort)

total=0 executed=0 passed=0 failed=0
attr() { # attr NAME COUNTERS_ELEMENT -> integer value (0 if absent)
  local v
  v="$(grep -o " $1=\"[0-9]*\"" <<<"$2" | head -n 1 | tr -dc '0-9')"
  echo "${v:-0}"
}
for f in "${files[@]}"; do
  # the Counters element may span lines; flatten the file first
  c="$(tr '\n\r' '  ' <"$f" | grep -o '<Counters [^>]*>' | head -n 1 || true)"
  [[ -n "$c" ]] || { echo "warning: no <Counters> in $f" >&2; continue; }
  total=$((total + $(attr total "$c")))
  executed=$((executed + $(attr executed "$c")))
  passed=$((passed + $(attr passed "$c")))
  failed=$((failed + $(attr failed "$c") + $(attr error "$c") + $(attr timeout "$c") + $(attr aborted "$c")))
done
skipped=$((total - executed))
if (( skipped < 0 )); then skipped=0; fi

# Name each failed test with the first lines of its message, so a CI log's tail says which one failed and why.
for f in "${files[@]}"; do
  python3 - "$f" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
for r in root.iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") in ("Passed", "NotExecuted"):
        continue
    message = r.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip()
    stack = r.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=ns).strip()
    print(f"FAILED {r.get('testName')} ({r.get('duration')})")
    for line in (message.splitlines()[:12] + stack.splitlines()[:6]):
        print("    " + line[:300])
PY
done

rc=0
if (( ${#files[@]} == 0 )); then
  echo "error: no .trx files found under $DIR" >&2; rc=1
elif (( passed + failed == 0 )); then
  echo "error: zero tests ran" >&2; rc=1
elif (( failed > 0 )); then
  rc=1
fi
# keep this the last line of output
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$rc"
