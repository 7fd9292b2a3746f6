#!/usr/bin/env python3
"""Answer two quizzes of a report in headless Chromium, reload, and check that the score was kept.

    python3 scripts/check_quiz_persist.py [output/student/chapter1/index.html] [--shots DIR] [--browser chromium]

Opens the page (file://, offline) with a fresh browser profile, clears this page's stored answers,
clicks a wrong choice of the first quiz and the right choice of the second with the mouse (the
right one found through the page's own check, which in the student edition is a salted hash),
reads the score, reloads the page, and checks that the score, the marked choices and the top
bar's badge came back. Then clicks "Save my answers" and checks the downloaded JSON (chapter, both
answers, first-try score, time). Works on both editions. Drives Chromium over the DevTools protocol
with the Python standard library only (check_slider.py's client). Exit status 0: every check held;
1: one failed (one line says which); 2: the browser or page could not be used.
"""
import glob
import json
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_slider import Checks, open_browser, page_from_args  # noqa: E402

STATE = """(() => {
  const qs = [...document.querySelectorAll('.quiz')];
  return {
    score: window.quizScore ? window.quizScore() : null,
    key: window.quizStorageKey || null,
    marked: qs.slice(0, 2).map(q => [...q.querySelectorAll('.choice')].map(c => c.classList.contains('right') ? 'right' : c.classList.contains('wrong') ? 'wrong' : '')),
    badge: (document.querySelector('.quiz-badge') || {}).textContent || '',
    scoreLine: (document.querySelector('.quiz-score') || {}).textContent || '',
  };
})()"""

# The index of a wrong choice of quiz 1 and of the right choice of quiz 2, asked of the page's own
# check (window.quizCheck: data-correct in the instructor edition, the salted hash in the student's);
# it only compares, it neither marks nor stores anything.
PICK = """(() => {
  const qs = [...document.querySelectorAll('.quiz')];
  if (qs.length < 2 || !window.quizCheck) return null;
  const cfg = JSON.parse(document.getElementById('quiz-config').textContent);
  const n1 = qs[0].querySelectorAll('.choice').length, n2 = qs[1].querySelectorAll('.choice').length;
  let wrong = -1, good = -1;
  for (let i = 0; i < n1; i++) if (!window.quizCheck(qs[0], i)) { wrong = i; break; }
  for (let i = 0; i < n2; i++) if (window.quizCheck(qs[1], i)) { good = i; break; }
  return { wrong, good, edition: cfg.edition };
})()"""

BOX = """((q, i) => {
  const b = document.querySelectorAll('.quiz')[q].querySelectorAll('.choice')[i];
  b.scrollIntoView({block: 'center'});
  const r = b.getBoundingClientRect();
  return {x: r.left + r.width / 2, y: r.top + r.height / 2};
})(%d, %d)"""


def main():
    given = page_from_args(__doc__, "output/student/chapter1/index.html", "quiz-persist-shots",
                           "run the chapter first, e.g. `swift run chapter1 --quick --student`")
    if given is None:
        return 2
    args, url = given
    check = Checks()
    b = open_browser(args.browser, 1100, 900)
    if b is None:
        return 2
    downloads = tempfile.mkdtemp(prefix="quiz-persist-downloads-")
    try:
        b.call("Page.enable")

        def load(navigate):
            # A marker on the old document tells a finished reload from a late event of the last one.
            b.js("window.__oldDocument = true")
            b.events.clear()
            if navigate:
                b.call("Page.navigate", url=url)
            else:
                b.call("Page.reload", ignoreCache=True)
            b.wait_event("Page.loadEventFired")
            deadline = time.time() + 30
            while b.js("!!window.__oldDocument || document.readyState !== 'complete' || !window.quizStorageKey"):
                if time.time() > deadline:
                    raise OSError("the page did not finish loading its quiz script (is it a page with quizzes, from this build?)")
                time.sleep(0.1)

        load(True)
        first = b.js(STATE)
        if not first or first["key"] is None:
            print(f"error: no quiz script on {args.page} (is the page from an older build?)", file=sys.stderr)
            return 2
        b.js("localStorage.removeItem(window.quizStorageKey)")
        load(False)
        pick = b.js(PICK)
        if pick is None:
            print(f"error: {args.page} has fewer than two quizzes", file=sys.stderr)
            return 2
        check(pick["wrong"] >= 0 and pick["good"] >= 0, f"the page's check finds a wrong choice of quiz 1 and the right one of quiz 2 ({pick['edition']} edition)")
        fresh = b.js(STATE)
        check(fresh["score"]["answered"] == 0, f"a cleared page starts with nothing answered ({fresh['scoreLine']})")

        for q, i in ((0, pick["wrong"]), (1, pick["good"])):
            p = b.js(BOX % (q, i))
            b.call("Input.dispatchMouseEvent", type="mousePressed", x=p["x"], y=p["y"], button="left", clickCount=1)
            b.call("Input.dispatchMouseEvent", type="mouseReleased", x=p["x"], y=p["y"], button="left", clickCount=1)
        before = b.js(STATE)
        check(before["score"]["answered"] == 2 and before["score"]["right"] == 1,
              f"after two answers (quiz 1 wrong, quiz 2 right): {before['scoreLine']}")
        b.js("window.scrollTo(0, 0)")
        b.screenshot(os.path.join(args.shots, "before-reload.png"))

        load(False)
        after = b.js(STATE)
        check(after["score"] == before["score"], f"the score survives a reload: {before['score']} -> {after['score']}")
        check(after["marked"] == before["marked"], f"the chosen answers are marked again after the reload: {after['marked']}")
        check(after["badge"] == before["badge"] and after["badge"] != "", f"the top bar's badge is kept: '{after['badge']}'")
        b.screenshot(os.path.join(args.shots, "after-reload.png"))

        # "Save my answers": a real click on the button, the browser's download caught in a folder.
        b.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=downloads)
        p = b.js("""(() => { const e = document.querySelector('.quiz .quiz-export'); e.scrollIntoView({block: 'center'});
                    const r = e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()""")
        b.call("Input.dispatchMouseEvent", type="mousePressed", x=p["x"], y=p["y"], button="left", clickCount=1)
        b.call("Input.dispatchMouseEvent", type="mouseReleased", x=p["x"], y=p["y"], button="left", clickCount=1)
        deadline = time.time() + 15
        files = []
        while time.time() < deadline:
            files = [f for f in glob.glob(os.path.join(downloads, "*.json"))]
            if files:
                break
            time.sleep(0.2)
        check(len(files) == 1, f"'Save my answers' downloads one JSON file: {[os.path.basename(f) for f in files]}")
        if files:
            time.sleep(0.3)
            data = json.load(open(files[0]))
            answered = [a for a in data.get("answers", []) if a.get("answered")]
            check(data.get("first_try_score") == after["score"], f"the file's first-try score is the page's: {data.get('first_try_score')}")
            check(len(answered) == 2 and answered[0]["first_right"] is False and answered[1]["first_right"] is True,
                  f"the file holds both answers: {[(a['quiz'], a['first_choice'], a['first_right']) for a in answered]}")
            check(isinstance(data.get("chapter"), int) and data.get("time_seconds", -1) >= 0 and data.get("exported_at"),
                  f"the file names the chapter ({data.get('chapter')}) and the time ({data.get('time_seconds')} s, exported {data.get('exported_at')})")
            shutil.copy(files[0], os.path.join(args.shots, os.path.basename(files[0])))
        b.js("localStorage.removeItem(window.quizStorageKey)")
        print(f"screenshots: {os.path.abspath(os.path.join(args.shots, 'before-reload.png'))}, "
              f"{os.path.abspath(os.path.join(args.shots, 'after-reload.png'))}")
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        b.close()
        shutil.rmtree(downloads, ignore_errors=True)
    return check.verdict(f"quiz persistence check ({args.page})")

if __name__ == "__main__":
    sys.exit(main())
