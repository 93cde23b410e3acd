// Live SLA clocks: counts down every .clock[data-due] each second and moves it to
// "near" (last quarter of its window, or last 30 minutes) and "breached" as time passes.
(function () {
  "use strict";
  var NEAR_FRACTION = 0.25;
  var NEAR_FLOOR_S = 30 * 60;
  var STATES = ["ok", "near", "breached"];
  var texts = document.body.dataset;

  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = String(minutes % 60).padStart(2, "0");
    return days ? sign + days + "d " + hours + "h " + mins + "m" : sign + hours + "h " + mins + "m";
  }

  function stateOf(left, windowS) {
    if (left <= 0) return "breached";
    if (left <= Math.max(NEAR_FLOOR_S, windowS * NEAR_FRACTION)) return "near";
    return "ok";
  }

  function tick() {
    var now = Date.now();
    var counts = { ok: 0, near: 0, breached: 0 };
    document.querySelectorAll(".clock[data-due]").forEach(function (el) {
      // Whole seconds left, rounded down: a clock never shows more than its window
      // (rounding would read "1d 0h 00m" for half a second after a 24-hour clock starts).
      var left = Math.floor((Date.parse(el.dataset.due) - now) / 1000);
      var state = stateOf(left, Number(el.dataset.window) || 1);
      counts[state] += 1;
      el.querySelector(".clock-left").textContent = format(left);
      el.querySelector(".clock-state").textContent = texts["t" + state.charAt(0).toUpperCase() + state.slice(1)] || state;
      STATES.forEach(function (s) { el.classList.toggle("clock-" + s, s === state); });
      var row = el.closest("tr");
      if (row) STATES.forEach(function (s) { row.classList.toggle("row-" + s, s === state); });
    });
    STATES.forEach(function (s) {
      var counter = document.getElementById("count-" + s);
      if (counter) counter.textContent = counts[s];
    });
  }

  tick();
  setInterval(tick, 1000);
  // The board itself changes as work orders come and go: reload it every two minutes.
  if (document.getElementById("board")) setInterval(function () { location.reload(); }, 120000);
})();
