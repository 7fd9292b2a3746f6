#!/usr/bin/env bash
# Checks a report's quizzes in headless Chromium, offline (file://): the page's own self-test
# (index.html?selftest-quiz) clicks a wrong answer of the first quiz and chooses the right answer
# of the second with a key press, then writes what happened into the DOM; this script reads it
# with --dump-dom and takes a screenshot before (?quiz-view) and after (a #fragment would give a
# blank headless screenshot).
#   scripts/quizcheck.sh [path/to/index.html] [screenshot-prefix]
# Defaults: output/chapter1/index.html, quizcheck -> quizcheck-before.png, quizcheck-after.png.
# Exit status 0 when the self-test passes, 1 when it fails or cannot run.
set -euo pipefail
page="${1:-output/chapter1/index.html}"
prefix="${2:-quizcheck}"
source "$(dirname "$0")/chromium.sh"
[ -f "$page" ] || { echo "no such page: $page (run the chapter first)" >&2; exit 1; }
find_chromium
abs_page="$(abs_file "$page")"
abs_prefix="$(abs_path "$prefix")"
grep -q 'class="quiz"' "$abs_page" || { echo "no quiz on $page" >&2; exit 1; }
flags=("${chromium_flags[@]}" --virtual-time-budget=3000)

"$browser" "${flags[@]}" --window-size=1000,900 --screenshot="$abs_prefix-before.png" "file://$abs_page?quiz-view" >/dev/null 2>&1 || true
"$browser" "${flags[@]}" --window-size=1000,900 --screenshot="$abs_prefix-after.png" "file://$abs_page?selftest-quiz" >/dev/null 2>&1 || true
dom="$("$browser" "${flags[@]}" --dump-dom "file://$abs_page?selftest-quiz" 2>/dev/null || true)"

result="$(printf '%s' "$dom" | python3 -c '
import html, re, sys
d = sys.stdin.read()
m = re.search(r"<pre id=\"quiz-selftest\" data-result=\"(\w+)\">(.*?)</pre>", d, re.S)
if not m:
    print("missing"); sys.exit()
print(m.group(1)); print(html.unescape(m.group(2)))
')"
status="$(printf '%s\n' "$result" | head -1)"
printf '%s\n' "$result" | tail -n +2
echo "screenshots: $abs_prefix-before.png $abs_prefix-after.png"
case "$status" in
  pass) echo "quizcheck: PASS ($page)" ;;
  fail) echo "quizcheck: FAIL ($page): see the result above" >&2; exit 1 ;;
  *) echo "quizcheck: the self-test did not run on $page (no #quiz-selftest in the DOM; is the page from an older build?)" >&2; exit 1 ;;
esac
