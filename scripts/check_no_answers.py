#!/usr/bin/env python3
"""Prove that the student edition holds no quiz answer: grep its pages and PDFs for every answer.

    python3 scripts/check_no_answers.py [OUTPUT]        (default: output)

Reads the answers from the instructor edition, OUTPUT/chapterN/quizzes.json (question, choices,
right choice, explanation), and searches the student edition, OUTPUT/student/: every chapter page
(index.html, its markup and scripts) and every PDF (text by pdftotext, poppler-utils), for

  - the answer markers: data-correct, "Show the answer", "Answer: X.", a <details> in a quiz;
  - each quiz's explanation (its longest plain-text stretch, which is also searched for in the
    instructor page as a control: a search that cannot find it there proves nothing);
  - anything that tells the right choice from the others: every choice button of a student quiz
    must have the same markup, and the only answer-dependent attribute allowed is the quiz's
    data-key (a salted SHA-256, see Sources/Notebook/Quiz.swift);
  - files that carry answers: quizzes.json, instructor.html, a link to the instructor's guide.

Standard library only. Exit status 0: nothing found; 1: an answer was found (each finding on one
line); 2: nothing to check (no student pages, or no instructor quizzes to take the answers from).
"""
import glob
import html
import json
import os
import re
import shutil
import subprocess
import sys


def text_of(markup):
    """Visible text of HTML (tags, scripts and styles dropped), whitespace folded."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return fold(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def fold(s):
    return re.sub(r"\s+", " ", s).strip()


def snippet(explanation):
    """The explanation's longest stretch without Markdown or math markup (what any rendering keeps)."""
    parts = re.split(r"\$[^$]*\$|[*`_\[\]()|\\\\{}^$<>]", explanation)
    best = max((fold(p) for p in parts), key=len, default="")
    return best if len(best) >= 25 else None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "output"
    student = os.path.join(root, "student")
    pages = sorted(glob.glob(os.path.join(student, "chapter*", "index.html")))
    if not pages:
        print(f"error: no student pages in {student} (run `swift run book --student --quick --output {root}` first)", file=sys.stderr)
        return 2
    findings, checked, controls = [], 0, 0

    def found(where, what):
        findings.append(f"{where}: {what}")

    snippets = {}   # chapter folder name -> [(quiz number, snippet)]
    for page in pages:
        chapter = os.path.basename(os.path.dirname(page))
        src = open(page, encoding="utf-8").read()
        quizzes_json = os.path.join(root, chapter, "quizzes.json")
        answers = json.load(open(quizzes_json)) if os.path.exists(quizzes_json) else []
        n_quiz = src.count('<section class="quiz"')
        if n_quiz and not answers:
            found(page, f"{n_quiz} quizzes but no {quizzes_json} to take the answers from (run the instructor edition too)")
        for marker, pattern in (("data-correct", r"data-correct"), ("Show the answer", r"Show the answer"),
                                ("an 'Answer: X.' line", r"Answer:\s*(<[^>]*>\s*)*[A-J]\."),
                                ("a <details> in a quiz", r'<section class="quiz"(?:(?!</section>).)*<details')):
            if re.search(pattern, src, re.S):
                found(page, f"contains {marker}")
        for m in re.finditer(r'<section class="quiz"(.*?)</section>', src, re.S):
            buttons = re.findall(r'<button[^>]*class="choice"[^>]*>', m.group(1))
            if len(set(buttons)) > 1:
                found(page, f"the choice buttons of a quiz differ in markup: {sorted(set(buttons))}")
        for attr in set(re.findall(r'\sdata-([a-z-]+)=', src)) - {"key", "number", "quiz-total", "panel"}:
            found(page, f"an unexpected data-{attr} attribute (could it carry an answer?)")
        if os.path.exists(os.path.join(os.path.dirname(page), "quizzes.json")):
            found(page, "a quizzes.json beside the student page")
        text = text_of(src)
        instructor_page = os.path.join(root, chapter, "index.html")
        instructor_text = text_of(open(instructor_page, encoding="utf-8").read()) if os.path.exists(instructor_page) else ""
        snippets[chapter] = []
        for q in answers:
            s = snippet(q["explanation"])
            if not s:
                continue
            snippets[chapter].append((q["number"], s))
            if s in instructor_text:
                controls += 1
            if s in text or s in src:
                found(page, f"quiz {q['number']}'s explanation: '{s[:70]}…'")
            checked += 1
        print(f"{page}: {n_quiz} quizzes, {len(snippets[chapter])} explanations searched")
    for extra in ("instructor.html", "quizzes.json"):
        if glob.glob(os.path.join(student, "**", extra), recursive=True):
            found(student, f"holds {extra}")
    index = os.path.join(student, "index.html")
    if os.path.exists(index) and "instructor.html" in open(index, encoding="utf-8").read():
        found(index, "links to the instructor's guide")

    pdfs = sorted(glob.glob(os.path.join(student, "pdf", "*.pdf")))
    if pdfs and not shutil.which("pdftotext"):
        print("error: pdftotext not found: apt-get install -y poppler-utils", file=sys.stderr)
        return 2
    for pdf in pdfs:
        text = fold(subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True, text=True).stdout)
        if re.search(r"Answer:\s*[A-J]\.", text) or "Show the answer" in text:
            found(pdf, "contains an answer line or 'Show the answer'")
        name = os.path.splitext(os.path.basename(pdf))[0]
        for chapter, items in snippets.items():
            if name not in (chapter, "book"):
                continue
            for number, s in items:
                if s in text:
                    found(pdf, f"{chapter} quiz {number}'s explanation: '{s[:70]}…'")
        print(f"{pdf}: {len(text)} characters of text searched")

    if checked == 0:
        print("error: no quiz explanation to search for (no instructor quizzes.json in the chapters)", file=sys.stderr)
        return 2
    print(f"{checked} explanations searched for in {len(pages)} student pages and {len(pdfs)} PDFs; "
          f"control: {controls} of {checked} found in the instructor pages")
    if controls < checked * 0.9:
        print(f"error: the search found too few explanations in the instructor pages ({controls} of {checked}): it cannot be trusted", file=sys.stderr)
        return 2
    for f in findings:
        print("FOUND " + f)
    if findings:
        print(f"no-answer check FAILED: {len(findings)} findings", file=sys.stderr)
        return 1
    print("no-answer check passed: no answer in the student edition")
    return 0


if __name__ == "__main__":
    sys.exit(main())
