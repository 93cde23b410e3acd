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

  // A known phone fills in the customer's empty fields and shows the record; a different
  // name, address or tier typed over it is asked about on submit (customer or this order).
  var phone = document.getElementById("f-phone");
  var known = document.getElementById("customer-lookup");
  function fill(data) {
    var c = data.customer;
    if (!c) { known.hidden = true; known.textContent = ""; return; }
    [["f-customer_name", c.name], ["f-address", c.address], ["f-tier", c.tier]].forEach(function (pair) {
      var el = document.getElementById(pair[0]);
      if (el && !el.value) el.value = pair[1];
    });
    known.textContent = t.customer + " " + c.name + " · " + c.address;
    known.hidden = false;
  }
  if (phone && known) {
    phone.addEventListener("change", function () {
      var value = phone.value.trim();
      if (!value) { fill({}); return; }
      fetch("/api/office/intake/check?phone=" + encodeURIComponent(value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(fill)
        .catch(function () { /* the server checks again on submit */ });
    });
  }
})();
