// Intake: when a serial number is typed, look the product up and show its warranty
// and any open work order on it before the dispatcher submits.
(function () {
  "use strict";
  var serial = document.getElementById("f-serial_no");
  var out = document.getElementById("product-lookup");
  var texts = document.getElementById("lookup-texts");
  if (!serial || !out || !texts) return;
  var t = texts.dataset;

  function show(data) {
    if (!data.product) { out.hidden = true; out.textContent = ""; return; }
    var p = data.product;
    var parts = [t.found + " " + p.model + " · " + p.serial_no,
      data.in_warranty ? t["in"] : t.out];
    if (data.warranty_end) parts.push(t.until + " " + data.warranty_end);
    if (data.open_work_orders.length) {
      parts.push(t.duplicate + " " + data.open_work_orders.map(function (o) { return o.ticket_no; }).join(", "));
      out.classList.add("warning");
    } else {
      out.classList.remove("warning");
    }
    out.textContent = parts.join(" · ");
    out.hidden = false;
  }

  function lookup() {
    var value = serial.value.trim();
    if (!value) { show({}); return; }
    fetch("/api/office/intake/check?serial_no=" + encodeURIComponent(value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(show)
      .catch(function () { /* offline or signed out: the server checks again on submit */ });
  }

  serial.addEventListener("change", lookup);
  if (serial.value) lookup();
})();
