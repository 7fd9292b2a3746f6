// Quizzes that grade and keep a per-chapter score.
//
// A choice is a <button>, so Tab reaches it and Enter/Space choose it; inside a quiz the number
// keys 1-9 and the letters A-J choose too, and the arrow keys move between choices. A chosen
// answer is marked right or wrong; the chapter's score (answered, and right at the first try)
// is shown under every quiz and in the top bar, and updates as the reader answers. The first
// answer to a quiz is the one that counts; trying again still shows right/wrong.
//
// Two editions (`Edition`): the instructor's page marks the right choice (`data-correct`) and has
// the answer and its explanation behind "Show the answer"; the student's page has neither. There a
// quiz carries `data-key`, the first 16 hex digits of SHA-256(salt|quiz number|right choice index)
// with a salt drawn for each written page, and the script hashes the chosen index the same way, so
// the answer cannot be read from the page (trying a choice still says right or wrong, and only the
// first try counts).
//
// The answers persist: the script keeps them in localStorage, keyed by edition, chapter and run
// (`quiz-config`: a fresh id each time the page is written), so the score survives a reload, and
// "Save my answers" downloads them as chapterN-quiz-answers.json (chapter, answers, first-try
// score, time) for a student to hand in.
//
// Self-test: opening a page as `index.html?selftest-quiz` (or `#selftest-quiz`) clicks a wrong answer of the first
// quiz (a scripted click through the page's own handler), chooses the right answer of the
// second by a key press, and writes what happened into <pre id="quiz-selftest"
// data-result="pass|fail"> (read it with `chromium --headless --dump-dom`; scripts/quizcheck.sh).
// It keeps its answers apart from the reader's (its own storage key, cleared first).

import COpenSSL
import Foundation

/// Which answers a written page carries.
public enum Edition: String, Sendable {
    /// Answers and explanations in the page (the default); the book adds the instructor page.
    case instructor
    /// No answer in the page: a choice is checked against a salted hash.
    case student
}

/// One quiz as a chapter asked it; the instructor edition writes them to `quizzes.json`.
public struct QuizRecord: Codable, Equatable, Sendable {
    public var number: Int
    public var question: String
    public var choices: [String]
    public var answer: Int
    public var explanation: String

    public init(number: Int, question: String, choices: [String], answer: Int, explanation: String) {
        self.number = number; self.question = question; self.choices = choices; self.answer = answer
        self.explanation = explanation
    }

    /// The answer's letter (A, B, ...).
    public var answerLetter: String { Quiz.letter(answer) }

    /// Reads `directory/quizzes.json`; empty if missing or malformed.
    public static func read(directory: String) -> [QuizRecord] {
        guard let data = FileManager.default.contents(atPath: directory + "/quizzes.json") else { return [] }
        return (try? JSONDecoder().decode([QuizRecord].self, from: data)) ?? []
    }
}

enum Quiz {
    static let letters = Array("ABCDEFGHIJ")

    static func letter(_ i: Int) -> String { i >= 0 && i < letters.count ? String(letters[i]) : String(i + 1) }

    /// SHA-256 of the text's UTF-8 bytes, lowercase hex (OpenSSL's libcrypto).
    static func sha256(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        let bytes = Array(text.utf8)
        _ = EVP_Digest(bytes, bytes.count, &digest, nil, EVP_sha256(), nil)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// What a student page stores for choice `choice` of quiz `number` (and the script recomputes).
    static func key(salt: String, number: Int, choice: Int) -> String {
        String(sha256("\(salt)|\(number)|\(choice)").prefix(16))
    }

    /// 16 random hex digits: a page's salt, and its run id for the stored answers.
    static func randomHex() -> String {
        var g = SystemRandomNumberGenerator()
        return String(format: "%016llx", g.next() as UInt64)
    }

    static func html(_ q: QuizRecord, edition: Edition, salt: String) -> String {
        let number = q.number
        let student = edition == .student
        var h = "<section class=\"quiz\" id=\"quiz-\(number)\" data-number=\"\(number)\" aria-labelledby=\"quiz-\(number)-q\""
        h += student ? " data-key=\"\(key(salt: salt, number: number, choice: q.answer))\">" : ">"
        h += "<p class=\"question\" id=\"quiz-\(number)-q\"><span class=\"tag\">Quiz \(number)</span>\(Markdown.inlineHTML(q.question))</p><ol>"
        for (i, c) in q.choices.enumerated() {
            h += "<li><button type=\"button\" class=\"choice\" aria-pressed=\"false\"" + (student ? ">" : " data-correct=\"\(i == q.answer)\">")
            h += "<span class=\"letter\">\(letter(i))</span>\(Markdown.inlineHTML(c))</button></li>"
        }
        h += "</ol><p class=\"verdict\" aria-live=\"polite\"></p>"
        let n = min(q.choices.count, 9)
        h += "<p class=\"quiz-foot\"><span class=\"quiz-score\"></span><button type=\"button\" class=\"quiz-export\" "
        h += "title=\"Download this chapter's answers and first-try score as a JSON file to hand in\">Save my answers</button>"
        h += "<span class=\"quiz-keys\">keys: 1–\(n) or A–\(letter(n - 1)) choose · ↑ ↓ move</span></p>"
        if !student {
            h += "<details><summary>Show the answer</summary><p><b>Answer: \(letter(q.answer)).</b> \(Markdown.inlineHTML(q.explanation))</p></details>"
        }
        return h + "</section>"
    }

    /// What the script needs to know of the page: its chapter, run id, edition and (student) salt.
    static func config(chapter: Int, title: String, run: String, edition: Edition, salt: String) -> String {
        var o: [String: Any] = ["chapter": chapter, "title": title, "run": run, "edition": edition.rawValue]
        if edition == .student { o["salt"] = salt }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8)
        let json = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
        return "<script type=\"application/json\" id=\"quiz-config\">\(json)</script>"
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
    .quiz .quiz-export { font: inherit; color: var(--accent); background: none; border: 1px solid var(--line); border-radius: 5px;
                         padding: 0 .45rem; cursor: pointer; }
    @media print { .quiz .quiz-foot, .topbar .quiz-badge { display: none; } }
    """

    static let script = """
    (function () {
      var quizzes = Array.prototype.slice.call(document.querySelectorAll('.quiz'));
      if (!quizzes.length) return;
      var configNode = document.getElementById('quiz-config');
      var cfg = configNode ? JSON.parse(configNode.textContent) : {};
      var query = location.search || '';
      var selftest = location.hash === '#selftest-quiz' || /[?&]selftest-quiz(&|$)/.test(query);
      // The answers persist in localStorage under one key per edition, chapter and run; the self-test
      // uses a key of its own, cleared first, so it neither reads nor spoils a reader's answers.
      var storeKey = 'vlae-quiz|' + (cfg.edition || 'instructor') + '|chapter' + cfg.chapter + '|' + (cfg.run || '') + (selftest ? '|selftest' : '');
      function sha256(ascii) {   // SHA-256 of an ASCII string, lowercase hex
        function rr(v, n) { return (v >>> n) | (v << (32 - n)); }
        var maxWord = Math.pow(2, 32), i, j, result = '', words = [], bitLength = ascii.length * 8;
        var hash = [], k = [], primes = 0, composite = {};
        for (var c = 2; primes < 64; c++) {
          if (!composite[c]) {
            for (i = 0; i < 313; i += c) composite[i] = c;
            hash[primes] = (Math.pow(c, .5) * maxWord) | 0;
            k[primes++] = (Math.pow(c, 1 / 3) * maxWord) | 0;
          }
        }
        ascii += '\\x80';
        while (ascii.length % 64 - 56) ascii += '\\x00';
        for (i = 0; i < ascii.length; i++) {
          j = ascii.charCodeAt(i);
          if (j >> 8) return '';
          words[i >> 2] |= j << ((3 - i) % 4) * 8;
        }
        words[words.length] = (bitLength / maxWord) | 0;
        words[words.length] = bitLength;
        for (j = 0; j < words.length;) {
          var w = words.slice(j, j += 16), old = hash;
          hash = hash.slice(0, 8);
          for (i = 0; i < 64; i++) {
            var w15 = w[i - 15], w2 = w[i - 2], a = hash[0], e = hash[4];
            var t1 = hash[7] + (rr(e, 6) ^ rr(e, 11) ^ rr(e, 25)) + ((e & hash[5]) ^ (~e & hash[6])) + k[i]
              + (w[i] = i < 16 ? w[i] : (w[i - 16] + (rr(w15, 7) ^ rr(w15, 18) ^ (w15 >>> 3)) + w[i - 7]
                                         + (rr(w2, 17) ^ rr(w2, 19) ^ (w2 >>> 10))) | 0);
            var t2 = (rr(a, 2) ^ rr(a, 13) ^ rr(a, 22)) + ((a & hash[1]) ^ (a & hash[2]) ^ (hash[1] & hash[2]));
            hash = [(t1 + t2) | 0].concat(hash);
            hash[4] = (hash[4] + t1) | 0;
          }
          for (i = 0; i < 8; i++) hash[i] = (hash[i] + old[i]) | 0;
        }
        for (i = 0; i < 8; i++) for (j = 3; j + 1; j--) { var b = (hash[i] >> (j * 8)) & 255; result += (b < 16 ? '0' : '') + b.toString(16); }
        return result;
      }
      function choicesOf(quiz) { return Array.prototype.slice.call(quiz.querySelectorAll('.choice')); }
      function isRight(b) {
        if ('correct' in b.dataset) return b.dataset.correct === 'true';   // the instructor edition
        var quiz = b.closest('.quiz');
        return sha256(cfg.salt + '|' + quiz.dataset.number + '|' + choicesOf(quiz).indexOf(b)).slice(0, 16) === quiz.dataset.key;
      }
      function load() {
        try { var s = JSON.parse(localStorage.getItem(storeKey)); if (s && s.answers) return s; } catch (e) {}
        return null;
      }
      if (selftest) { try { localStorage.removeItem(storeKey); } catch (e) {} }
      var state = load() || { opened: new Date().toISOString(), answers: {} };
      function save() { try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) {} }
      function score() {
        var s = { answered: 0, right: 0, total: quizzes.length };
        quizzes.forEach(function (q) { var a = state.answers[q.id]; if (a) { s.answered++; if (a.firstRight) s.right++; } });
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
      function mark(quiz, b, right) {
        choicesOf(quiz).forEach(function (c) { c.classList.remove('right', 'wrong'); c.setAttribute('aria-pressed', 'false'); });
        b.classList.add(right ? 'right' : 'wrong');
        b.setAttribute('aria-pressed', 'true');
        var v = quiz.querySelector('.verdict'), details = quiz.querySelector('details');
        v.className = 'verdict ' + (right ? 'right' : 'wrong');
        v.textContent = right ? 'Correct.' : 'Not quite \\u2014 try another answer' + (details ? ', or open the explanation.' : '.');
        if (right && details) details.open = true;
      }
      function choose(b) {
        var quiz = b.closest('.quiz'), right = isRight(b), i = choicesOf(quiz).indexOf(b), now = new Date().toISOString();
        mark(quiz, b, right);
        var a = state.answers[quiz.id];
        if (!a) {
          a = state.answers[quiz.id] = { first: i, firstRight: right, firstAt: now, tries: 0 };
          quiz.classList.add(right ? 'first-right' : 'first-wrong');
        }
        a.last = i; a.lastRight = right; a.lastAt = now; a.tries++;
        save();
        show();
      }
      // What "Save my answers" downloads: the chapter, each answer, the first-try score and the time.
      function exported() {
        var last = null;
        var answers = quizzes.map(function (q) {
          var a = state.answers[q.id], cs = choicesOf(q);
          var letterOf = function (i) { var l = cs[i] && cs[i].querySelector('.letter'); return l ? l.textContent : String(i + 1); };
          var item = { quiz: +q.dataset.number, question: q.querySelector('.question').textContent.replace(/^Quiz \\d+/, '').trim() };
          if (!a) { item.answered = false; return item; }
          if (!last || a.lastAt > last) last = a.lastAt;
          item.answered = true; item.first_choice = letterOf(a.first); item.first_right = a.firstRight;
          item.last_choice = letterOf(a.last); item.last_right = a.lastRight; item.tries = a.tries;
          item.first_answered_at = a.firstAt;
          return item;
        });
        var now = new Date().toISOString();
        return { chapter: cfg.chapter, title: cfg.title, edition: cfg.edition, run: cfg.run, page: location.pathname.split('/').slice(-2).join('/'),
                 opened_at: state.opened, last_answer_at: last, exported_at: now,
                 time_seconds: last ? Math.round((Date.parse(last) - Date.parse(state.opened)) / 1000) : 0,
                 first_try_score: score(), answers: answers };
      }
      function download() {
        var blob = new Blob([JSON.stringify(exported(), null, 1) + '\\n'], { type: 'application/json' });
        var link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = 'chapter' + cfg.chapter + '-quiz-answers.json';
        document.body.appendChild(link); link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      }
      document.addEventListener('click', function (e) {
        if (!e.target.closest) return;
        if (e.target.closest('.quiz .quiz-export')) { download(); return; }
        var b = e.target.closest('.quiz .choice'); if (b) choose(b);
      });
      document.addEventListener('keydown', function (e) {
        if (e.altKey || e.ctrlKey || e.metaKey) return;
        var quiz = e.target.closest && e.target.closest('.quiz'); if (!quiz) return;
        var choices = choicesOf(quiz);
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
      // Answers kept from an earlier visit: marked as they were left.
      quizzes.forEach(function (q) {
        var a = state.answers[q.id], cs = choicesOf(q); if (!a || !cs[a.last]) return;
        mark(q, cs[a.last], isRight(cs[a.last]));
        q.classList.add(a.firstRight ? 'first-right' : 'first-wrong');
      });
      window.quizScore = score;
      window.quizExport = exported;
      window.quizCheck = function (quiz, i) { return isRight(choicesOf(quiz)[i]); };
      window.quizStorageKey = storeKey;
      show();
      // Headless Chromium draws a blank screenshot of a scrolled page, so the checks do not scroll:
      // ?quiz-view shows the quizzes alone at the top, ?selftest-quiz also runs the self-test.
      if (selftest || /[?&]quiz-view(&|$)/.test(query)) document.documentElement.classList.add('quiz-only');
      if (selftest) {
        var out = { edition: cfg.edition, quizzes: quizzes.length, before: score() }, ok = true;
        out.sha256 = sha256('abc') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
        out.answerMarksInPage = quizzes.filter(function (q) {
          return q.querySelector('details') || choicesOf(q).some(function (c) { return 'correct' in c.dataset; });
        }).length;
        ok = out.sha256 && (cfg.edition !== 'student' || out.answerMarksInPage === 0);
        quizzes.forEach(function (q) {   // each quiz has exactly one right choice
          if (choicesOf(q).filter(isRight).length !== 1) { ok = false; out.error = q.id + ' has not exactly one right choice'; }
        });
        var q1 = quizzes[0], wrong = choicesOf(q1).filter(function (c) { return !isRight(c); })[0];
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
          var q2 = quizzes[1], cs = choicesOf(q2);
          var idx = cs.findIndex(isRight);
          cs[0].focus();
          document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: String(idx + 1), bubbles: true }));
          out.afterKey = score();
          out.keyChoseRight = cs[idx].classList.contains('right');
          ok = ok && out.keyChoseRight && out.afterKey.answered === out.afterWrongClick.answered + 1
                  && out.afterKey.right === out.afterWrongClick.right + 1;
        }
        out.stored = load() !== null && Object.keys(load().answers).length === Math.min(2, quizzes.length);
        ok = ok && out.stored;
        try { localStorage.removeItem(storeKey); } catch (e) {}
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
