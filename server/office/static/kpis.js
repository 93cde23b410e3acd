// KPI charts: reads the same figures as the table from /api/office/kpis and draws
// three bar charts with the vendored Chart.js (no inline script: CSP script-src 'self').
(function () {
  "use strict";
  var box = document.getElementById("charts");
  if (!box || typeof window.Chart === "undefined") return;
  var label = box.dataset;
  var COLOURS = ["#0b5cad", "#1c7c3c", "#b35c00", "#6b3fa0", "#c0262d", "#2a8c8c"];

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }

  function bar(id, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: datasets.map(function (d, i) {
          return { label: d.label, data: d.data, backgroundColor: COLOURS[i % COLOURS.length] };
        }),
      },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {}),
    });
  }

  fetch(box.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (kpis) {
      var rows = kpis.technicians.concat([Object.assign({}, kpis.overall, { technician_name: label.labelOverall })]);
      var names = rows.map(function (r) { return r.technician_name; });
      function series(key, text, f) { return { label: text, data: rows.map(function (r) { return (f || pct)(r[key]); }) }; }
      bar("chart-rates", names, [
        series("on_time_rate", label.labelOnTime),
        series("first_time_fix_rate", label.labelFtf),
        series("completion_rate", label.labelCompletion),
        series("sla_response_rate", label.labelSlaResponse),
        series("sla_resolution_rate", label.labelSlaResolution),
      ], { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } });
      var techNames = kpis.technicians.map(function (r) { return r.technician_name; });
      bar("chart-jobs", techNames, [
        { label: label.labelJobs, data: kpis.technicians.map(function (r) { return r.jobs; }) },
        { label: label.labelCompleted, data: kpis.technicians.map(function (r) { return r.completed; }) },
      ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
      bar("chart-csat", names, [
        series("csat_quality", label.labelQuality, function (v) { return v; }),
        series("csat_attitude", label.labelAttitude, function (v) { return v; }),
      ], { scales: { y: { min: 0, max: 5 } } });
      box.dataset.ready = "1";
    })
    .catch(function () { box.dataset.ready = "error"; });
})();
