/// The inline style sheet and script every page carries (no external resources).
enum Style {
    static let css = """
    :root { --text: #1d1f23; --muted: #5b6069; --line: #e3e5e8; --accent: #0b5cad; --bg-soft: #f6f7f9;
            --note: #0072b2; --warn: #d55e00; --good: #007a55; --bad: #b33c00; }
    * { box-sizing: border-box; }
    html { font-size: 17px; -webkit-text-size-adjust: 100%; }
    body { margin: 0; color: var(--text); background: #fff; line-height: 1.62;
           font-family: Charter, "Bitstream Charter", "Iowan Old Style", Georgia, "DejaVu Serif", serif; }
    main, .topbar, footer { max-width: 46rem; margin: 0 auto; padding: 0 1.25rem; }
    h1, h2, h3, h4, .topbar, .card, figcaption, table, .callout-title, .quiz, .toc, footer, .kicker, .subtitle,
    .chapters .num, .status, .slider-control, .slider-ticks {
        font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
    .topbar { display: flex; justify-content: space-between; gap: 1rem; padding-top: .9rem; padding-bottom: .9rem;
              font-size: .8rem; border-bottom: 1px solid var(--line); max-width: none; }
    .topbar a { color: var(--muted); text-decoration: none; } .topbar a:hover { color: var(--accent); }
    header { margin: 2.4rem 0 1.6rem; }
    .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: .78rem; color: var(--accent); font-weight: 600; }
    h1 { font-size: 2.1rem; line-height: 1.2; margin: .3rem 0 .5rem; letter-spacing: -.01em; }
    .subtitle { color: var(--muted); font-size: 1.05rem; margin: 0; }
    h2 { font-size: 1.45rem; margin: 2.6rem 0 .6rem; padding-top: .4rem; line-height: 1.3; }
    h3 { font-size: 1.15rem; margin: 1.8rem 0 .4rem; }
    h2 a.anchor, h3 a.anchor { color: var(--line); text-decoration: none; margin-left: .35rem; font-weight: 400; }
    p, li { hyphens: auto; }
    a { color: var(--accent); }
    code, pre { font-family: "DejaVu Sans Mono", "SF Mono", Menlo, Consolas, monospace; font-size: .82em; }
    p code, li code { background: var(--bg-soft); padding: .08em .3em; border-radius: 3px; }
    pre { background: #f7f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .85rem 1rem;
          overflow-x: auto; line-height: 1.5; margin: 0; }
    .codecell { margin: 1.2rem 0; }
    .codecell .label { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: .72rem; color: var(--muted);
                       margin-bottom: .25rem; }
    .k { color: #8a2d9c; } .s { color: #0a7a3a; } .c { color: #6b7280; font-style: italic; } .n { color: #a04b00; }
    .t { color: #0b5cad; }
    math { font-family: "DejaVu Math TeX Gyre", "STIX Two Math", "Latin Modern Math", "Cambria Math", math; font-size: 1.05em; }
    math[display="block"] { margin: 1rem 0; overflow-x: auto; overflow-y: hidden; }
    figure { margin: 1.8rem 0; text-align: center; }
    figure img { max-width: 100%; height: auto; display: inline-block; }
    figure img.pixels { image-rendering: pixelated; image-rendering: crisp-edges; }
    figcaption { font-size: .84rem; color: var(--muted); margin-top: .5rem; text-align: left; line-height: 1.45; }
    figcaption b { color: var(--text); }
    table { border-collapse: collapse; margin: 1.4rem auto; font-size: .86rem; min-width: 60%; }
    .table-wrap { max-width: 100%; overflow-x: auto; }
    @media (min-width: 64rem) {
        .table-wrap.wide { width: min(74rem, calc(100vw - 3rem)); max-width: none; margin-left: calc(50% - min(37rem, 50vw - 1.5rem)); }
    }
    @media print { .table-wrap.wide { width: auto; margin-left: 0; } }
    caption { caption-side: bottom; font-size: .8rem; color: var(--muted); padding-top: .5rem; text-align: left; }
    th, td { padding: .38rem .8rem; border-bottom: 1px solid var(--line); text-align: left; }
    th { border-bottom: 2px solid #c9ccd1; font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    tbody tr:hover { background: var(--bg-soft); }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: .7rem; margin: 1.5rem 0; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: .7rem .9rem; background: #fbfbfc; }
    .card .label { font-size: .74rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
    .card .value { font-size: 1.45rem; font-weight: 600; font-variant-numeric: tabular-nums; line-height: 1.3; }
    .card .unit { font-size: .85rem; font-weight: 400; color: var(--muted); }
    .card .note { font-size: .75rem; color: var(--muted); }
    .callout { border-left: 4px solid var(--note); background: #f1f7fc; padding: .7rem 1rem; margin: 1.4rem 0;
               border-radius: 0 6px 6px 0; }
    .callout.warning { border-color: var(--warn); background: #fdf4ee; }
    .callout.tip { border-color: var(--good); background: #eef8f3; }
    .callout p { margin: .3rem 0; } .callout > :first-child { margin-top: 0; } .callout > :last-child { margin-bottom: 0; }
    .callout-title { font-weight: 600; font-size: .85rem; margin-bottom: .2rem; }
    .callout.note .callout-title { color: var(--note); } .callout.warning .callout-title { color: var(--warn); }
    .callout.tip .callout-title { color: var(--good); }
    .toc { background: var(--bg-soft); border-radius: 8px; padding: .8rem 1.1rem; font-size: .88rem; margin: 1.5rem 0 2rem; }
    .toc strong { font-size: .75rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
    .toc ol { margin: .3rem 0 0; padding-left: 1.2rem; } .toc li { margin: .1rem 0; }
    .toc ol ol { padding-left: 1rem; list-style: none; font-size: .95em; }
    .toc a { text-decoration: none; }
    .quiz { border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.1rem; margin: 1.8rem 0; font-size: .95rem; }
    .quiz .tag { display: inline-block; font-size: .7rem; font-weight: 700; text-transform: uppercase; letter-spacing: .06em;
                 color: #fff; background: var(--accent); border-radius: 4px; padding: .1rem .45rem; margin-right: .5rem; }
    .quiz .question { font-weight: 600; margin: 0 0 .6rem; }
    .quiz ol { list-style: none; padding: 0; margin: 0; }
    .quiz li { margin: .35rem 0; }
    .quiz .choice { width: 100%; text-align: left; font: inherit; color: inherit; background: #fff; cursor: pointer;
                    border: 1px solid #cfd3d8; border-radius: 6px; padding: .45rem .7rem; }
    html:not(.js) .quiz .choice { cursor: default; }
    .quiz .choice:hover { border-color: var(--accent); }
    .quiz .choice .letter { font-weight: 700; color: var(--muted); margin-right: .5rem; }
    .quiz .choice.right { border-color: var(--good); background: #e9f6ef; }
    .quiz .choice.wrong { border-color: var(--bad); background: #fbece6; }
    .quiz .verdict { min-height: 1.2em; margin: .5rem 0 0; font-weight: 600; }
    .quiz .verdict.right { color: var(--good); } .quiz .verdict.wrong { color: var(--bad); }
    .quiz details { margin-top: .4rem; font-size: .9rem; } .quiz summary { cursor: pointer; color: var(--muted); }
    .slider { border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.1rem .6rem; margin: 1.8rem 0;
              background: #fcfcfd; }
    .slider-control { display: flex; align-items: baseline; gap: .8rem; flex-wrap: wrap; }
    .slider-control label { font-weight: 600; font-size: .9rem; }
    .slider input[type=range] { display: block; width: 100%; margin: .5rem 0 0; accent-color: var(--accent); }
    .slider-value { font-weight: 600; color: var(--accent); }
    .slider-ticks { display: flex; justify-content: space-between; list-style: none; padding: 0; margin: .1rem 0 0;
                    font-size: .72rem; color: var(--muted); }
    .slider .cards { margin: 1rem 0 .4rem; }
    .slider-panels { display: flex; flex-wrap: wrap; gap: 1rem; justify-content: center; align-items: flex-start; }
    .slider-panels figure { margin: .4rem 0; }
    .slider-note { font-size: .95rem; border-top: 1px solid var(--line); margin-top: .6rem; padding-top: .3rem; }
    footer { margin-top: 4rem; padding-top: 1rem; padding-bottom: 2.5rem; border-top: 1px solid var(--line);
             font-size: .78rem; color: var(--muted); }
    footer code { font-size: .95em; }
    .chapters { list-style: none; padding: 0; }
    .chapters li { border: 1px solid var(--line); border-radius: 10px; padding: .9rem 1.1rem; margin: .8rem 0; }
    .chapters .num { color: var(--accent); font-weight: 700; font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; }
    .chapters h2 { margin: .1rem 0 .2rem; font-size: 1.2rem; padding: 0; }
    .chapters h2 a { text-decoration: none; }
    .status { font-size: .82rem; color: var(--muted); }
    .status.pending { font-style: italic; }
    .chapters .cards { margin: .6rem 0 0; }
    .chapters .card .value { font-size: 1.1rem; }
    @media (max-width: 600px) { html { font-size: 16px; } h1 { font-size: 1.7rem; } }
    @media print {
        html { font-size: 11pt; } .topbar, .toc, .quiz .verdict { display: none; }
        main { max-width: none; } a { color: inherit; text-decoration: none; }
        figure, table, .cards, .quiz, pre { break-inside: avoid; }
        .quiz .choice { border: none; padding: .1rem 0; }
        h2, h3 { break-after: avoid; }
        /* Nothing clipped on paper: no scroll boxes (they print as cut-off boxes), code lines wrap,
           wide tables and images shrink to the page. */
        * { overflow: visible !important; }
        pre, pre code { white-space: pre-wrap; overflow-wrap: anywhere; }
        table { font-size: 8pt; min-width: 0; max-width: 100%; }
        th, td { padding-left: .3rem; padding-right: .3rem; }
        td { overflow-wrap: anywhere; } td code { overflow-wrap: normal; }
        img, svg { max-width: 100% !important; height: auto !important; }
    }
    """

    /// Marks the page as scripted, runs the sliders and opens every <details> before printing.
    /// (Quiz behaviour is in Quiz.swift.)
    static let script = """
    document.documentElement.classList.add('js');
    document.querySelectorAll('.slider').forEach(function (box) {
      var data = JSON.parse(box.querySelector('.slider-data').textContent), range = box.querySelector('input[type=range]');
      data.stops.forEach(function (s) { s.images.forEach(function (src) { new Image().src = src; }); });
      function show() {
        var s = data.stops[+range.value];
        box.querySelector('.slider-value').textContent = s.label;
        range.setAttribute('aria-valuetext', s.label);
        box.querySelectorAll('img[data-panel]').forEach(function (img) { img.src = s.images[+img.dataset.panel]; });
        box.querySelectorAll('[data-number]').forEach(function (v) { v.textContent = s.values[+v.dataset.number]; });
      }
      range.addEventListener('input', show);
      show();
    });
    window.addEventListener('beforeprint', function () {
      document.querySelectorAll('details').forEach(function (d) { d.open = true; });
    });
    """
}
