// The controls both players share: play/pause on a timer at the chosen speed, the slider, prev/next, and the
// keyboard (arrows step, Home/End jump, space plays or pauses). `render(k)` shows step k, `current()` the step
// on screen, `last` the final step. Returns { play, stop } for the page's own buttons.
function tgControls(last, render, current) {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let timer = null;
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $("playpause").textContent = "▶ play";
  }
  function play() {
    if (current() === last) render(0);
    timer = setInterval(() => render(current() + 1), 1000 / parseFloat($("speed").value));
    $("playpause").textContent = "❚❚ pause";
  }
  $("slider").max = String(last);
  $("slider").addEventListener("input", (e) => { stop(); render(parseInt(e.target.value, 10)); });
  $("prev").addEventListener("click", () => { stop(); render(current() - 1); });
  $("next").addEventListener("click", () => { stop(); render(current() + 1); });
  $("playpause").addEventListener("click", () => (timer === null ? play() : stop()));
  $("speed").addEventListener("change", () => { if (timer !== null) { stop(); play(); } });
  document.addEventListener("keydown", (e) => {
    const tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || (tag === "BUTTON" && (e.key === " " || e.key === "Enter"))) return;
    const moves = { ArrowRight: current() + 1, ArrowLeft: current() - 1, Home: 0, End: last };
    if (e.key in moves) { stop(); render(moves[e.key]); e.preventDefault(); }
    else if (e.key === " ") { (timer === null ? play() : stop()); e.preventDefault(); }
  });
  return { play, stop };
}
