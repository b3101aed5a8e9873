// The graph player: shows recorded frames over Graphviz's SVG. Every number was recorded in Python from the
// engine; this script only decides what is visible, highlighted and written at the current frame.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("player-data").textContent);
  const $ = (id) => document.getElementById(id);
  const svg = document.querySelector("#graph svg");
  const frames = D.frames;
  const last = frames.length - 1;

  // Zoom: Graphviz's natural size is in points (1.33 px). "auto" fits the page's width unless the text would get
  // smaller than 75%; then the picture scrolls sideways and follows the current step.
  const vb = svg.viewBox.baseVal;
  const natural = vb.width * 4 / 3;
  const box = $("graph");
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  function applyZoom() {
    const choice = $("zoom").value;
    const fit = (box.clientWidth - 12) / natural;
    const scale = choice === "auto" ? Math.min(1, Math.max(fit, 0.75)) : choice === "fit" ? Math.min(1, fit)
      : parseFloat(choice);
    svg.style.width = Math.round(natural * scale) + "px";
  }
  function follow(keys) { // scroll the picture so the current step is in view
    const wide = box.scrollWidth > box.clientWidth, tall = box.scrollHeight > box.clientHeight;
    if (!(wide || tall) || !keys.length) return;
    const g = nodes[keys[0]] || edges[keys[0]];
    if (!g) return;
    const r = g.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (wide && (r.left < b.left + 20 || r.right > b.right - 20)) {
      box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
    }
    if (tall && (r.top < b.top + 20 || r.bottom > b.bottom - 20)) {
      box.scrollTop += (r.top + r.bottom) / 2 - (b.top + b.bottom) / 2;
    }
  }

  const nodes = {};
  svg.querySelectorAll("g.node").forEach((g) => { nodes[g.querySelector("title").textContent] = g; });
  const edges = {};
  const seen = {};
  svg.querySelectorAll("g.edge").forEach((g) => {
    const t = g.querySelector("title").textContent;
    const k = seen[t] || 0;
    seen[t] = k + 1;
    edges[t + "#" + k] = g;
  });

  // Each recorded text: the SVG <text> elements it fills (found by how they start in the final picture).
  const slots = [];
  for (const key in D.texts) {
    const g = nodes[key];
    if (!g) continue;
    const texts = Array.from(g.querySelectorAll("text"));
    const start = texts.map((t) => t.textContent);
    for (const [prefix, n, events] of D.texts[key]) {
      const i = start.findIndex((s) => s.startsWith(prefix));
      if (i >= 0) slots.push({ els: texts.slice(i, i + n), events: events, shown: -1, changed: false });
    }
  }

  const nodeKeys = Object.keys(nodes);
  const edgeKeys = Object.keys(edges);
  let current = -1;

  function eventAt(events, k) { // the last event at or before frame k (events are in frame order)
    let lo = 0, hi = events.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid][0] <= k) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best;
  }

  function setLines(el, lines) {
    el.replaceChildren();
    lines.forEach((line) => {
      const div = document.createElement("div");
      div.textContent = line;
      if (/^\s/.test(line)) div.className = "indent";
      el.appendChild(div);
    });
  }

  const states = new Map();
  function setState(el, want) {
    const had = states.get(el) || {};
    for (const c in want) if (!!had[c] !== want[c]) el.classList.toggle(c, want[c]);
    states.set(el, want);
  }

  function render(k) {
    k = Math.max(0, Math.min(last, k));
    current = k;
    const f = frames[k];
    const focus = new Set(f.f);
    const active = new Set(f.e);
    // Only elements whose state changes are touched, so a step costs little even on a big picture.
    for (const key of nodeKeys) {
      const a = D.appear[key];
      setState(nodes[key], { faded: a !== undefined && k < a, focus: focus.has(key) });
    }
    for (const key of edgeKeys) {
      const a = D.edgeAppear[key];
      const lit = D.edgeLit[key];
      setState(edges[key], { faded: a !== undefined && k < a, unlit: a !== undefined && (lit === undefined || k < lit),
                             active: active.has(key) });
    }
    for (const s of slots) {
      const i = eventAt(s.events, k);
      const changed = i >= 0 && s.events[i][0] === k && k > 0;
      if (i !== s.shown) {
        const lines = i >= 0 ? s.events[i][1] : null;
        if (lines) s.els.forEach((el, j) => { el.textContent = lines[j] || ""; });
        s.shown = i;
      }
      if (changed !== s.changed) {
        s.els.forEach((el) => el.classList.toggle("changed", changed));
        s.changed = changed;
      }
    }
    follow(f.f);
    $("phase").textContent = f.p;
    $("phase").className = "badge " + f.p;
    $("steptitle").textContent = f.t;
    setLines($("steptext"), f.x);
    $("slider").value = String(k);
    $("counter").textContent = "step " + k + " / " + last;
    $("prev").disabled = k === 0;
    $("next").disabled = k === last;
    document.querySelectorAll("#phases button").forEach((b) => {
      const start = D.phases[b.dataset.phase];
      const next = Math.min(...Object.values(D.phases).filter((v) => v > start).concat([last + 1]));
      b.classList.toggle("on", k >= start && k < next);
    });
    if (k === last) ctl.stop();
  }



  for (const phase of ["start", "forward", "backward", "update"]) {
    if (D.phases[phase] === undefined) continue;
    const b = document.createElement("button");
    b.textContent = phase;
    b.dataset.phase = phase;
    b.title = "jump to the start of the " + phase + " phase";
    b.addEventListener("click", () => { ctl.stop(); render(D.phases[phase]); });
    $("phases").appendChild(b);
  }
  $("zoom").addEventListener("change", () => { applyZoom(); follow(frames[current].f); });
  window.addEventListener("resize", applyZoom);
  applyZoom();
  const ctl = tgControls(last, render, () => current);  // controls.js

  function showInfo(key) {
    if (!D.info[key]) return;
    const lines = []; // a line, or [heading, frame]: that frame's text under the heading
    for (const item of D.info[key]) {
      if (typeof item === "string") lines.push(item);
      else lines.push(item[0], ...frames[item[1]].x);
    }
    $("infohint").textContent = "";
    setLines($("infotext"), lines);
    nodeKeys.forEach((k) => nodes[k].classList.toggle("picked", k === key));
  }
  for (const key of nodeKeys) {
    if (D.info[key]) {
      nodes[key].classList.add("clickable");
      nodes[key].addEventListener("click", () => showInfo(key));
    }
  }

  window.tgPlayer = { go: render, frame: () => current, count: frames.length, data: D };
  render(0);
  window.tgPlayer.ready = performance.now(); // ms since navigation started: the first frame is drawn
})();
