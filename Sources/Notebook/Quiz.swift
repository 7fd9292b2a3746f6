// Quizzes that grade and keep a per-chapter score.
//
// A choice is a <button>, so Tab reaches it and Enter/Space choose it; inside a quiz the number
// keys 1-9 and the letters A-J choose too, and the arrow keys move between choices. A chosen
// answer is marked right or wrong; the chapter's score (answered, and right at the first try)
// is shown under every quiz and in the top bar, and updates as the reader answers. The first
// answer to a quiz is the one that counts; trying again still shows right/wrong.
//
// Self-test: opening a page as `index.html?selftest-quiz` (or `#selftest-quiz`) clicks a wrong answer of the first
// quiz (a scripted click through the page's own handler), chooses the right answer of the
// second by a key press, and writes what happened into <pre id="quiz-selftest"
// data-result="pass|fail"> (read it with `chromium --headless --dump-dom`; scripts/quizcheck.sh).

enum Quiz {
    static let letters = Array("ABCDEFGHIJ")

    static func html(number: Int, question: String, choices: [String], answer: Int, explanation: String) -> String {
        func letter(_ i: Int) -> String { i >= 0 && i < letters.count ? String(letters[i]) : String(i + 1) }
        var h = "<section class=\"quiz\" id=\"quiz-\(number)\" aria-labelledby=\"quiz-\(number)-q\">"
        h += "<p class=\"question\" id=\"quiz-\(number)-q\"><span class=\"tag\">Quiz \(number)</span>\(Markdown.inlineHTML(question))</p><ol>"
        for (i, c) in choices.enumerated() {
            h += "<li><button type=\"button\" class=\"choice\" aria-pressed=\"false\" data-correct=\"\(i == answer)\">"
            h += "<span class=\"letter\">\(letter(i))</span>\(Markdown.inlineHTML(c))</button></li>"
        }
        h += "</ol><p class=\"verdict\" aria-live=\"polite\"></p>"
        let n = min(choices.count, 9)
        h += "<p class=\"quiz-foot\"><span class=\"quiz-score\"></span><span class=\"quiz-keys\">keys: 1–\(n) or A–\(letter(n - 1)) choose · ↑ ↓ move</span></p>"
        h += "<details><summary>Show the answer</summary><p><b>Answer: \(letter(answer)).</b> \(Markdown.inlineHTML(explanation))</p></details></section>"
        return h
    }

    /// The score in the top bar (filled in by the script).
    static func badge(count: Int) -> String {
        "<a class=\"quiz-badge\" href=\"#quiz-1\" data-quiz-total=\"\(count)\">\(count) quiz\(count == 1 ? "" : "zes")</a>"
    }

    static let css = """
    .quiz .choice:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
    .quiz .choice.right .letter { color: var(--good); } .quiz .choice.wrong .letter { color: var(--bad); }
    .quiz .choice.right::after { content: " \\2714"; color: var(--good); font-weight: 700; }
    .quiz .choice.wrong::after { content: " \\2718"; color: var(--bad); font-weight: 700; }
    .quiz .quiz-foot { display: flex; justify-content: space-between; flex-wrap: wrap; gap: .3rem 1rem; margin: .3rem 0 0;
                       font-size: .76rem; color: var(--muted); }
    html:not(.js) .quiz .quiz-foot { display: none; }
    .quiz .quiz-score { font-weight: 600; }
    .quiz.first-right { border-color: #9fd3bd; } .quiz.first-wrong { border-color: #e9b9a3; }
    .topbar .quiz-badge { font-variant-numeric: tabular-nums; }
    .topbar .quiz-badge.done { color: var(--good); font-weight: 600; }
    #quiz-selftest { white-space: pre-wrap; font-size: .72rem; margin: .6rem 0 0; padding: .4rem .6rem; border-radius: 6px; }
    #quiz-selftest[data-result="pass"] { background: #e9f6ef; } #quiz-selftest[data-result="fail"] { background: #fbece6; }
    html.quiz-only main > :not(.quiz):not(header), html.quiz-only .toc { display: none; }
    @media print { .quiz .quiz-foot, .topbar .quiz-badge { display: none; } }
    """

    static let script = """
    (function () {
      var quizzes = Array.prototype.slice.call(document.querySelectorAll('.quiz'));
      if (!quizzes.length) return;
      var first = {};   // quiz id -> was its first answer right?
      function score() {
        var s = { answered: 0, right: 0, total: quizzes.length };
        quizzes.forEach(function (q) { if (q.id in first) { s.answered++; if (first[q.id]) s.right++; } });
        return s;
      }
      function show() {
        var s = score();
        var t = 'Chapter score: ' + s.right + ' right first time, ' + s.answered + ' of ' + s.total + ' answered';
        quizzes.forEach(function (q) { var e = q.querySelector('.quiz-score'); if (e) e.textContent = t; });
        document.querySelectorAll('.quiz-badge').forEach(function (b) {
          b.textContent = 'Quizzes: ' + s.answered + ' of ' + s.total + ' answered, ' + s.right + ' right';
          b.title = t;
          b.classList.toggle('done', s.answered === s.total);
        });
      }
      function choose(b) {
        var quiz = b.closest('.quiz'), right = b.dataset.correct === 'true';
        quiz.querySelectorAll('.choice').forEach(function (c) {
          c.classList.remove('right', 'wrong'); c.setAttribute('aria-pressed', 'false');
        });
        b.classList.add(right ? 'right' : 'wrong');
        b.setAttribute('aria-pressed', 'true');
        var v = quiz.querySelector('.verdict');
        v.className = 'verdict ' + (right ? 'right' : 'wrong');
        v.textContent = right ? 'Correct.' : 'Not quite \\u2014 try another answer, or open the explanation.';
        if (right) quiz.querySelector('details').open = true;
        if (!(quiz.id in first)) { first[quiz.id] = right; quiz.classList.add(right ? 'first-right' : 'first-wrong'); }
        show();
      }
      document.addEventListener('click', function (e) {
        var b = e.target.closest && e.target.closest('.quiz .choice'); if (b) choose(b);
      });
      document.addEventListener('keydown', function (e) {
        if (e.altKey || e.ctrlKey || e.metaKey) return;
        var quiz = e.target.closest && e.target.closest('.quiz'); if (!quiz) return;
        var choices = Array.prototype.slice.call(quiz.querySelectorAll('.choice'));
        var k = e.key || '', i = -1;
        if (/^[1-9]$/.test(k)) i = +k - 1;
        else if (/^[a-jA-J]$/.test(k)) i = k.toUpperCase().charCodeAt(0) - 65;
        if (i >= 0 && i < choices.length) { e.preventDefault(); choices[i].focus(); choose(choices[i]); return; }
        var at = choices.indexOf(document.activeElement);
        if (k === 'ArrowDown' || k === 'ArrowRight' || k === 'ArrowUp' || k === 'ArrowLeft') {
          var step = (k === 'ArrowDown' || k === 'ArrowRight') ? 1 : -1;
          var next = at < 0 ? 0 : (at + step + choices.length) % choices.length;
          e.preventDefault(); choices[next].focus();
        }
      });
      window.quizScore = score;
      show();
      // Headless Chromium draws a blank screenshot of a scrolled page, so the checks do not scroll:
      // ?quiz-view shows the quizzes alone at the top, ?selftest-quiz also runs the self-test.
      var query = location.search || '';
      var selftest = location.hash === '#selftest-quiz' || /[?&]selftest-quiz(&|$)/.test(query);
      if (selftest || /[?&]quiz-view(&|$)/.test(query)) document.documentElement.classList.add('quiz-only');
      if (selftest) {
        var out = { quizzes: quizzes.length, before: score() }, ok = true;
        var q1 = quizzes[0], wrong = q1.querySelector('.choice[data-correct="false"]');
        if (!wrong) { ok = false; out.error = 'the first quiz has no wrong choice'; }
        else {
          wrong.click();
          out.afterWrongClick = score();
          out.wrongMarkedWrong = wrong.classList.contains('wrong') && !wrong.classList.contains('right');
          out.verdict = q1.querySelector('.verdict').textContent;
          out.scoreLine = q1.querySelector('.quiz-score').textContent;
          ok = ok && out.wrongMarkedWrong && q1.querySelector('.verdict').classList.contains('wrong')
                  && out.afterWrongClick.answered === out.before.answered + 1 && out.afterWrongClick.right === out.before.right;
        }
        if (quizzes.length > 1) {
          var q2 = quizzes[1], cs = Array.prototype.slice.call(q2.querySelectorAll('.choice'));
          var idx = cs.findIndex(function (c) { return c.dataset.correct === 'true'; });
          cs[0].focus();
          document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: String(idx + 1), bubbles: true }));
          out.afterKey = score();
          out.keyChoseRight = cs[idx].classList.contains('right');
          ok = ok && out.keyChoseRight && out.afterKey.answered === out.afterWrongClick.answered + 1
                  && out.afterKey.right === out.afterWrongClick.right + 1;
        }
        out.badge = (document.querySelector('.quiz-badge') || {}).textContent;
        var pre = document.createElement('pre');
        pre.id = 'quiz-selftest';
        pre.setAttribute('data-result', ok ? 'pass' : 'fail');
        pre.textContent = 'quiz self-test: ' + (ok ? 'PASS' : 'FAIL') + '\\n' + JSON.stringify(out, null, 1);
        q1.appendChild(pre);
      }
    })();
    """
}
