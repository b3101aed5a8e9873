// The training player: scrub across a recorded training run. Every number was recorded in Python from the
// engine (loss, accuracy, boundary grid, parameters, one sample's forward and backward); this script draws them.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("player-data").textContent);
  const $ = (id) => document.getElementById(id);
  const SVGNS = "http://www.w3.org/2000/svg";
  const last = D.steps;
  const snaps = D.snapshots;
  let current = -1;
  let picked = 0; // index into D.picks

  const fmt = (x) => (x === null ? "nan" : x.toFixed(4));
  function el(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  // blue (negative) - white (0) - red (positive), saturating at +-scale
  function diverging(v, scale) {
    const t = Math.max(-1, Math.min(1, v / (scale || 1)));
    const a = Math.abs(t);
    const [r, g, b] = t < 0 ? [43, 95, 217] : [214, 39, 40];
    const mix = (c) => Math.round(255 + (c - 255) * a);
    return "rgb(" + mix(r) + "," + mix(g) + "," + mix(b) + ")";
  }
  function snapshotAt(k) { // the latest snapshot at or before step k
    let s = 0;
    for (let i = 0; i < snaps.length; i++) if (snaps[i].step <= k) s = i;
    return s;
  }

  // ---- boundary picture: the grid as an image (one pixel per grid point), then the points on top
  const canvas = $("boundary");
  const ctx = canvas.getContext("2d");
  const G = D.grid;
  const grid = document.createElement("canvas");
  grid.width = G.n;
  grid.height = G.n;
  const gctx = grid.getContext("2d");
  const decoded = snaps.map((s) => Uint8Array.from(atob(s.boundary), (c) => c.charCodeAt(0)));
  const X = D.X;
  const toPx = (x, y) => [(x - G.x0) / (G.x1 - G.x0) * canvas.width,
                          canvas.height - (y - G.y0) / (G.y1 - G.y0) * canvas.height];
  const positive = (label) => label > 0;

  function drawBoundary(si) {
    const img = gctx.createImageData(G.n, G.n);
    const v = decoded[si];
    for (let row = 0; row < G.n; row++) {
      for (let col = 0; col < G.n; col++) {
        const src = row * G.n + col; // row 0 is the lowest y
        const dst = ((G.n - 1 - row) * G.n + col) * 4;
        const t = v[src] / 255; // 0: class 0 / -1, 1: class 1 / +1
        const c = t < 0.5 ? [120, 160, 230] : [240, 150, 120];
        const a = Math.abs(t - 0.5) * 2;
        img.data[dst] = Math.round(255 + (c[0] - 255) * a * 0.8);
        img.data[dst + 1] = Math.round(255 + (c[1] - 255) * a * 0.8);
        img.data[dst + 2] = Math.round(255 + (c[2] - 255) * a * 0.8);
        img.data[dst + 3] = 255;
      }
    }
    gctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(grid, 0, 0, canvas.width, canvas.height);
    for (let i = 0; i < D.y.length; i++) {
      const [px, py] = toPx(X[2 * i], X[2 * i + 1]);
      ctx.beginPath();
      ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = positive(D.y[i]) ? "#b3261e" : "#1f4fa8";
      ctx.fill();
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 0.8;
      ctx.stroke();
    }
    D.picks.forEach((i, j) => {
      const [px, py] = toPx(X[2 * i], X[2 * i + 1]);
      ctx.beginPath();
      ctx.arc(px, py, j === picked ? 9 : 7, 0, 2 * Math.PI);
      ctx.strokeStyle = j === picked ? "#f28e00" : "#222";
      ctx.lineWidth = j === picked ? 3 : 1.5;
      ctx.stroke();
    });
  }
  canvas.addEventListener("click", (e) => {
    const r = canvas.getBoundingClientRect();
    const mx = (e.clientX - r.left) * canvas.width / r.width;
    const my = (e.clientY - r.top) * canvas.height / r.height;
    let best = -1, dist = 14 * 14;
    D.picks.forEach((i, j) => {
      const [px, py] = toPx(X[2 * i], X[2 * i + 1]);
      const d = (px - mx) ** 2 + (py - my) ** 2;
      if (d < dist) { best = j; dist = d; }
    });
    if (best >= 0) { picked = best; render(current, true); }
  });

  // ---- loss curve with a cursor
  const svg = $("curve");
  const W = 440, H = 300, L = 52, R = 40, T = 12, B = 34;
  const finite = D.loss.filter((v) => v !== null);
  const lmax = Math.max(...finite), lmin = Math.min(0, ...finite);
  const sx = (k) => L + (k / Math.max(1, last)) * (W - L - R);
  const sy = (v) => T + (1 - (v - lmin) / ((lmax - lmin) || 1)) * (H - T - B);
  const sa = (a) => T + (1 - a) * (H - T - B);
  el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }, svg);
  el("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#888" }, svg);
  el("line", { x1: W - R, y1: T, x2: W - R, y2: H - B, stroke: "#9bc49b" }, svg);
  for (const v of [lmin, (lmin + lmax) / 2, lmax]) {
    const t = el("text", { x: L - 5, y: sy(v) + 4, "text-anchor": "end", class: "tick" }, svg);
    t.textContent = v.toFixed(2);
  }
  for (const a of [0, 0.5, 1]) {
    const t = el("text", { x: W - R + 4, y: sa(a) + 4, class: "tick acc" }, svg);
    t.textContent = Math.round(a * 100) + "%";
  }
  for (const k of [0, Math.round(last / 2), last]) {
    const t = el("text", { x: sx(k), y: H - B + 15, "text-anchor": "middle", class: "tick" }, svg);
    t.textContent = String(k);
  }
  el("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle", class: "tick" }, svg).textContent = "step";
  el("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle", class: "tick",
               transform: "rotate(-90 12 " + (T + H - B) / 2 + ")" }, svg).textContent = "loss";
  const pts = (arr, f) => arr.map((v, k) => (v === null ? null : sx(k).toFixed(1) + "," + f(v).toFixed(1)))
    .filter((p) => p !== null).join(" ");
  el("polyline", { points: pts(D.accuracy, sa), fill: "none", stroke: "#2e8b57", "stroke-width": 1.5 }, svg);
  el("polyline", { points: pts(D.loss, sy), fill: "none", stroke: "#222", "stroke-width": 2 }, svg);
  snaps.forEach((s) => el("line", { x1: sx(s.step), x2: sx(s.step), y1: H - B, y2: H - B + 4, stroke: "#f28e00" }, svg));
  const cursor = el("line", { id: "cursor", x1: L, x2: L, y1: T, y2: H - B, stroke: "#f28e00", "stroke-width": 2 }, svg);
  const dot = el("circle", { r: 4, fill: "#f28e00" }, svg);

  // ---- a labelled row of coloured squares, one block per [numbers, colour scale, kind]
  function squareRow(name, blocks, cellClass, cols, title) {
    const row = document.createElement("div");
    row.className = "prow";
    const label = document.createElement("span");
    label.className = "pname";
    label.textContent = name;
    row.appendChild(label);
    for (const [arr, scale, what] of blocks) {
      const cells = document.createElement("span");
      cells.className = cellClass + " " + what;
      if (cols) cells.style.gridTemplateColumns = "repeat(" + cols + ", 9px)";
      arr.forEach((v, j) => {
        const c = document.createElement("i");
        c.style.background = diverging(v, scale);
        c.title = title(what, j, v);
        cells.appendChild(c);
      });
      row.appendChild(cells);
    }
    return row;
  }

  // ---- parameters: one square per parameter, value and gradient
  function drawParams(si) {
    const s = snaps[si];
    const box = $("paramgrid");
    box.replaceChildren();
    const vmax = Math.max(1e-12, ...s.data.flat().map(Math.abs));
    const gmax = Math.max(1e-12, ...s.grad.flat().map(Math.abs));
    D.params.forEach(([name, cols], p) => box.appendChild(squareRow(
      name, [[s.data[p], vmax, "value"], [s.grad[p], gmax, "grad"]], "cells", cols,
      (what, i, v) => name.split(" ")[0] + " [" + Math.floor(i / cols) + ", " + (i % cols) + "] " + what + " " + fmt(v))));
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = "colour scale: values up to ±" + vmax.toFixed(3) + ", gradients up to ±" + gmax.toPrecision(3);
    box.appendChild(note);
  }

  // ---- one sample, layer by layer
  function drawSample(si) {
    const s = snaps[si];
    const i = D.picks[picked];
    const rec = s.samples[picked];
    $("samplename").textContent = "#" + i + " at (" + X[2 * i].toFixed(2) + ", " + X[2 * i + 1].toFixed(2) +
      "), label " + D.y[i] + " (snapshot step " + s.step + ")";
    const out = rec.data[rec.data.length - 1];
    const gout = rec.grad[rec.grad.length - 1];
    const lines = [
      "forward: output " + out.map(fmt).join(", ") + ";  this sample's loss " + fmt(rec.loss),
      "backward: d loss/d output = " + gout.map(fmt).join(", "),
    ];
    const t = $("sampletext");
    t.replaceChildren();
    lines.forEach((l) => { const d = document.createElement("div"); d.textContent = l; t.appendChild(d); });
    const box = $("samplelayers");
    box.replaceChildren();
    rec.layers.forEach((name, k) => {
      const dmax = Math.max(1e-12, ...rec.data[k].map(Math.abs));
      const gmax = Math.max(1e-12, ...rec.grad[k].map(Math.abs));
      box.appendChild(squareRow(name, [[rec.data[k], dmax, "forward"], [rec.grad[k], gmax, "backward"]], "cells big",
        null, (what, j, v) => name + "[" + j + "] " + (what === "forward" ? "output " : "d loss/d output ") + fmt(v)));
    });
  }

  function render(k, force) {
    k = Math.max(0, Math.min(last, k));
    const si = snapshotAt(k);
    const moved = force || current < 0 || snapshotAt(current) !== si;
    current = k;
    cursor.setAttribute("x1", sx(k));
    cursor.setAttribute("x2", sx(k));
    if (D.loss[k] !== null) { dot.setAttribute("cx", sx(k)); dot.setAttribute("cy", sy(D.loss[k])); }
    if (moved) {
      drawBoundary(si);
      drawParams(si);
      drawSample(si);
    }
    $("boundarycap").textContent = "decision boundary at step " + snaps[si].step +
      (snaps[si].step !== k ? " (the latest snapshot before step " + k + ")" : "");
    $("boundarynote").textContent = "colour: " + D.boundary_meaning + "; dots: the data (red: class " +
      (D.model === "scalar" ? "+1" : "1") + "); rings: samples you can pick";
    $("curvenote").textContent = "step " + k + ": loss " + fmt(D.loss[k]) + ", training accuracy " +
      (D.accuracy[k] * 100).toFixed(1) + "%";
    $("slider").value = String(k);
    $("counter").textContent = "step " + k + " / " + last;
    $("prev").disabled = k === 0;
    $("next").disabled = k === last;
    if (k === last) ctl.stop();
  }
  const ctl = tgControls(last, render, () => current);  // controls.js
  window.tgPlayer = { go: render, frame: () => current, count: last + 1, data: D,
                      pick: (j) => { picked = j; render(current, true); } };
  render(0);
  window.tgPlayer.ready = performance.now(); // ms since navigation started: the first frame is drawn
})();
