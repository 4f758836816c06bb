// green-lca portal: the dashboard's breakdown chart (plotly, served by the portal itself).
// Loaded as a static file: the pages contain no inline script (Content-Security-Policy script-src 'self').
(function () {
  "use strict";
  // Figures still being computed (class "pending"): ask /portal/team/shares until they are ready.
  var waiting = document.querySelectorAll(".pending[data-ref]");
  if (!waiting.length) { return; }
  var refs = {};
  Array.prototype.forEach.call(waiting, function (e) { refs[e.getAttribute("data-ref")] = true; });
  var url = "/portal/team/shares?refs=" + Object.keys(refs).map(encodeURIComponent).join(",");
  var chosen = document.getElementById("profile-pending");
  function poll() {
    fetch(url, {credentials: "same-origin", redirect: "manual"}).then(function (r) {
      // logged out (a redirect to the login page) or refused: stop asking; a reload shows the login
      if (r.type === "opaqueredirect" || r.status === 401 || r.status === 403) { throw "stop"; }
      var json = (r.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (!r.ok || !json) { throw "retry"; }   // a passing failure (busy, restarting): ask again later
      return r.json();
    }).then(function (d) {
      if (chosen && d[chosen.getAttribute("data-ref")] && !d[chosen.getAttribute("data-ref")].pending) {
        window.location.reload();   // the chosen product's profile is ready: show it
        return;
      }
      var left = 0;
      Array.prototype.forEach.call(document.querySelectorAll("td.pending[data-ref]"), function (td) {
        var v = d[td.getAttribute("data-ref")];
        if (!v || v.pending) { left += 1; return; }
        var x = v[td.getAttribute("data-key")];
        td.textContent = (x === null || x === undefined) ? "\u2013" : Math.round(x) + " %";
        td.classList.remove("pending");
      });
      if (left || chosen) { window.setTimeout(poll, 1500); }
    }).catch(function (e) { if (e !== "stop") { window.setTimeout(poll, 5000); } });
  }
  window.setTimeout(poll, 1000);
})();

(function () {
  "use strict";
  var el = document.getElementById("chart");
  if (!el || !window.Plotly) { return; }
  var data = JSON.parse(el.getAttribute("data-breakdowns"));
  var unit = el.getAttribute("data-unit") || "";
  var table = document.getElementById("breakdown-table");

  function fmt(x) { return Number(x).toPrecision(4).replace(/\.?0+$/, ""); }

  function show(dim, label) {
    var rows = (data[dim] || []).slice(0, 25);
    var labels = rows.map(function (r) { return r.label; });
    var values = rows.map(function (r) { return r.score; });
    Plotly.react(el, [{type: "bar", orientation: "h", x: values.slice().reverse(), y: labels.slice().reverse(),
                       hovertemplate: "%{y}: %{x:.4g} " + unit + "<extra></extra>", marker: {color: "#2e7d32"}}],
                 {font: {family: "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', LcaCJK, system-ui, sans-serif"},
                  margin: {l: 200, r: 20, t: 10, b: 40}, height: 60 + 28 * Math.max(rows.length, 3),
                  xaxis: {title: {text: unit}}, yaxis: {automargin: true, type: "category"}},
                 {displaylogo: false, responsive: true});
    if (table) {
      table.tHead.rows[0].cells[0].textContent = label;
      var body = table.tBodies[0];
      while (body.firstChild) { body.removeChild(body.firstChild); }
      (data[dim] || []).forEach(function (r) {
        var tr = body.insertRow();
        tr.insertCell().textContent = r.label;   // text, never markup
        tr.insertCell().textContent = fmt(r.score);
      });
    }
  }

  var buttons = document.querySelectorAll("button.dim");
  Array.prototype.forEach.call(buttons, function (b) {
    b.addEventListener("click", function () {
      Array.prototype.forEach.call(buttons, function (o) { o.classList.remove("active"); });
      b.classList.add("active");
      show(b.getAttribute("data-dim"), b.textContent);
    });
  });
  var first = document.querySelector("button.dim.active");
  show(first ? first.getAttribute("data-dim") : "tier", first ? first.textContent : "");
})();
