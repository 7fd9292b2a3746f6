/// The live page: one self-contained HTML file (inline CSS and JS, no CDN) that
/// listens to `/events` and draws what a training run publishes.
///
/// Events it understands (the `data:` JSON; the SSE event name is not needed):
/// - `{"type":"metric","chart":"ELBO","series":"train_elbo_nats","x":120,"y":-95.3}`
///   adds a point; charts and series are created as new names appear.
/// - `{"type":"progress","text":"epoch 3/10 ...","fraction":0.42}` sets the progress line.
/// - `{"type":"log","text":"..."}` appends to the log list.
/// - `{"type":"done","url":"/chapter1/index.html"}` opens the final report.
public enum LivePage {
    /// The page for one chapter's run; `chapter` 0 leaves the chapter out of the heading.
    public static func html(title: String, chapter: Int) -> String {
        let heading = chapter > 0 ? "Chapter \(chapter) · \(title)" : title
        return template
            .replacingOccurrences(of: "{{TITLE}}", with: escape(heading))
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let template = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} (live)</title>
<style>
  :root { --fg:#1d2330; --muted:#6b7280; --line:#e5e7eb; --bg:#f6f7f9; --card:#fff; --accent:#2563eb; }
  * { box-sizing: border-box; }
  body { margin:0; background:var(--bg); color:var(--fg);
         font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
  main { max-width:1200px; margin:0 auto; padding:20px 24px 40px; }
  header { display:flex; align-items:center; gap:12px; margin-bottom:14px; }
  h1 { font-size:20px; font-weight:600; margin:0; flex:1; }
  .pill { font-size:12px; padding:3px 10px; border-radius:999px; background:#e5e7eb; color:#374151; }
  .pill.live { background:#dcfce7; color:#166534; }
  .pill.lost { background:#fee2e2; color:#991b1b; }
  .pill.done { background:#dbeafe; color:#1e40af; }
  .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
  #progress { margin-bottom:16px; }
  #ptext { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:13px;
           white-space:pre-wrap; min-height:1.4em; }
  .bar { height:6px; background:#eef0f3; border-radius:3px; margin-top:8px; overflow:hidden; }
  .bar > div { height:100%; width:0; background:var(--accent); transition:width .3s; }
  #charts { display:grid; grid-template-columns:repeat(auto-fill,minmax(520px,1fr)); gap:16px; }
  .chart h2 { font-size:14px; font-weight:600; margin:0 0 6px; }
  .chart canvas { width:100%; height:260px; display:block; }
  .legend { display:flex; flex-wrap:wrap; gap:4px 16px; margin-top:6px; font-size:12px; color:#374151; }
  .legend span.sw { display:inline-block; width:14px; height:3px; border-radius:2px;
                    vertical-align:middle; margin-right:6px; }
  .legend b { font-weight:500; font-variant-numeric:tabular-nums; color:var(--muted); margin-left:4px; }
  #empty { color:var(--muted); padding:28px; text-align:center; }
  #logcard { margin-top:16px; }
  #logcard h2 { font-size:14px; font-weight:600; margin:0 0 6px; }
  #log { list-style:none; margin:0; padding:0; max-height:220px; overflow:auto;
         font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12px; }
  #log li { padding:2px 0; border-bottom:1px solid #f1f2f4; white-space:pre-wrap; }
  #log li time { color:var(--muted); margin-right:8px; }
  #banner { display:none; margin-bottom:16px; }
  #banner a { color:var(--accent); }
</style>
</head>
<body>
<main>
  <header><h1>{{TITLE}}</h1><span id="status" class="pill">connecting…</span></header>
  <div id="banner" class="card"></div>
  <div id="progress" class="card"><div id="ptext">waiting for the run…</div>
    <div class="bar"><div id="pbar"></div></div></div>
  <div id="charts"><div id="empty" class="card">No curves yet: they appear as the run reports them.</div></div>
  <div id="logcard" class="card"><h2>Log</h2><ul id="log"></ul></div>
</main>
<script>
"use strict";
const palette = ["#2563eb","#dc2626","#059669","#d97706","#7c3aed","#0891b2","#db2777","#4b5563"];
const charts = new Map();
let runId = null, drawQueued = false, finished = false;

const $ = id => document.getElementById(id);
function setStatus(text, cls) { const s = $("status"); s.textContent = text; s.className = "pill " + (cls || ""); }

function fmt(v) {
  if (!isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

function niceStep(range, count) {
  const raw = range / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}
/** A formatter for tick labels that are `step` apart: the same number of digits on every tick. */
function tickFormat(step, maxAbs) {
  const e = Math.floor(Math.log10(step));
  if (e >= 7 || e <= -4) {
    const digits = Math.max(0, Math.min(6, Math.floor(Math.log10(maxAbs || step)) - e));
    return v => v === 0 ? "0" : v.toExponential(digits);
  }
  return v => v.toFixed(Math.max(0, -e));
}
function ticks(lo, hi, count) {
  const step = niceStep(hi - lo, count), out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

function chartFor(name) {
  let c = charts.get(name);
  if (c) return c;
  $("empty")?.remove();
  const card = document.createElement("div");
  card.className = "card chart";
  const h = document.createElement("h2"); h.textContent = name;
  const canvas = document.createElement("canvas");
  const legend = document.createElement("div"); legend.className = "legend";
  card.append(h, canvas, legend);
  $("charts").append(card);
  c = { card, canvas, legend, series: new Map(), xlabel: "", dirty: true };
  charts.set(name, c);
  return c;
}

function seriesFor(chart, name) {
  let s = chart.series.get(name);
  if (s) return s;
  s = { name, xs: [], ys: [], color: palette[chart.series.size % palette.length] };
  chart.series.set(name, s);
  return s;
}

function addMetric(d) {
  if (typeof d.x !== "number" || typeof d.y !== "number" || !isFinite(d.x) || !isFinite(d.y)) return;
  const chart = chartFor(String(d.chart || d.series || "metric"));
  if (d.xlabel) chart.xlabel = String(d.xlabel);
  const s = seriesFor(chart, String(d.series || "value"));
  s.xs.push(d.x); s.ys.push(d.y);
  chart.dirty = true;
  queueDraw();
}

function queueDraw() {
  if (drawQueued) return;
  drawQueued = true;
  const run = () => { drawQueued = false; for (const c of charts.values()) if (c.dirty) draw(c); };
  if (document.hidden) setTimeout(run, 250); else requestAnimationFrame(run);
}

function draw(c) {
  c.dirty = false;
  const dpr = window.devicePixelRatio || 1;
  const W = c.canvas.clientWidth, H = c.canvas.clientHeight;
  if (c.canvas.width !== Math.round(W * dpr) || c.canvas.height !== Math.round(H * dpr)) {
    c.canvas.width = Math.round(W * dpr); c.canvas.height = Math.round(H * dpr);
  }
  const g = c.canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, W, H);

  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of c.series.values()) for (let i = 0; i < s.xs.length; i++) {
    const x = s.xs[i], y = s.ys[i];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  if (!isFinite(x0)) return;
  if (x1 === x0) { x1 = x0 + 1; }
  if (y1 === y0) { const p = Math.abs(y0) * 0.05 || 1; y0 -= p; y1 += p; }
  const pad = (y1 - y0) * 0.06; y0 -= pad; y1 += pad;

  const yt = ticks(y0, y1, 5), xt = ticks(x0, x1, 6);
  const yf = tickFormat(niceStep(y1 - y0, 5), Math.max(Math.abs(y0), Math.abs(y1)));
  const xf = tickFormat(niceStep(x1 - x0, 6), Math.max(Math.abs(x0), Math.abs(x1)));
  g.font = "11px system-ui, sans-serif";
  const L = Math.max(...yt.map(t => g.measureText(yf(t)).width)) + 14, R = 12, T = 8, B = c.xlabel ? 36 : 24;
  const pw = W - L - R, ph = H - T - B;
  const X = x => L + (x - x0) / (x1 - x0) * pw, Y = y => T + (1 - (y - y0) / (y1 - y0)) * ph;

  g.strokeStyle = "#eef0f3"; g.lineWidth = 1; g.fillStyle = "#6b7280";
  g.textAlign = "right"; g.textBaseline = "middle";
  for (const t of yt) {
    const y = Math.round(Y(t)) + 0.5;
    g.beginPath(); g.moveTo(L, y); g.lineTo(L + pw, y); g.stroke();
    g.fillText(yf(t), L - 6, y);
  }
  g.textAlign = "center"; g.textBaseline = "top";
  for (const t of xt) {
    const x = Math.round(X(t)) + 0.5;
    g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + ph); g.stroke();
    const label = xf(t), half = g.measureText(label).width / 2;
    g.fillText(label, Math.min(x, W - 2 - half), T + ph + 6);   // keep the last label inside
  }
  if (c.xlabel) g.fillText(c.xlabel, L + pw / 2, T + ph + 20);
  g.strokeStyle = "#9ca3af";
  g.beginPath(); g.moveTo(L + 0.5, T); g.lineTo(L + 0.5, T + ph + 0.5); g.lineTo(L + pw, T + ph + 0.5); g.stroke();

  g.save();
  g.beginPath(); g.rect(L, T, pw, ph); g.clip();
  g.lineWidth = 1.6; g.lineJoin = "round";
  for (const s of c.series.values()) {
    g.strokeStyle = s.color;
    g.beginPath();
    for (let i = 0; i < s.xs.length; i++) {
      const x = X(s.xs[i]), y = Y(s.ys[i]);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    }
    g.stroke();
    if (s.xs.length === 1) { g.fillStyle = s.color; g.beginPath(); g.arc(X(s.xs[0]), Y(s.ys[0]), 2.5, 0, 7); g.fill(); }
  }
  g.restore();

  c.legend.replaceChildren(...[...c.series.values()].map(s => {
    const item = document.createElement("span");
    const sw = document.createElement("span"); sw.className = "sw"; sw.style.background = s.color;
    const last = document.createElement("b"); last.textContent = fmt(s.ys[s.ys.length - 1]);
    item.append(sw, document.createTextNode(s.name), last);
    return item;
  }));
}

function setProgress(d) {
  $("ptext").textContent = String(d.text ?? "");
  if (typeof d.fraction === "number" && isFinite(d.fraction))
    $("pbar").style.width = (Math.min(1, Math.max(0, d.fraction)) * 100).toFixed(1) + "%";
}

function addLog(d) {
  const li = document.createElement("li");
  const t = document.createElement("time");
  t.textContent = new Date().toLocaleTimeString();
  li.append(t, document.createTextNode(String(d.text ?? "")));
  const log = $("log");
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.append(li);
  while (log.children.length > 500) log.firstChild.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function reset() {
  charts.clear();
  $("charts").innerHTML = '<div id="empty" class="card">No curves yet: they appear as the run reports them.</div>';
  $("log").replaceChildren();
  setProgress({ text: "waiting for the run…", fraction: 0 });
}

function finish(d) {
  finished = true;
  setStatus("finished", "done");
  es.close();
  const url = typeof d.url === "string" && d.url.startsWith("/") && !d.url.startsWith("//") ? d.url : null;
  const b = $("banner");
  b.style.display = "block";
  if (url) {
    b.innerHTML = 'Run finished: opening <a></a>…';
    const a = b.querySelector("a"); a.href = url; a.textContent = url;
    setTimeout(() => { location.href = url; }, 1200);
  } else {
    b.textContent = "Run finished.";
  }
}

function handle(e) {
  let d;
  try { d = JSON.parse(e.data); } catch { return; }
  switch (d && d.type) {
    case "hello": if (runId !== null && runId !== d.run) reset(); runId = d.run; break;
    case "metric": addMetric(d); break;
    case "progress": setProgress(d); break;
    case "log": addLog(d); break;
    case "done": finish(d); break;
  }
}

const es = new EventSource("/events");
for (const name of ["message", "hello", "metric", "progress", "log", "done"]) es.addEventListener(name, handle);
es.onopen = () => { if (!finished) setStatus("live", "live"); };
es.onerror = () => { if (!finished) setStatus(es.readyState === 2 ? "disconnected" : "reconnecting…", "lost"); };
window.addEventListener("resize", () => { for (const c of charts.values()) c.dirty = true; queueDraw(); });
</script>
</body>
</html>
"""#
}
