// green-lca portal: the dashboard's breakdown chart (plotly, served by the portal itself).
// Loaded as a static file: the pages contain no inline script (Content-Security-Policy script-src 'self').
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
                  xaxis: {title: {text: unit}}, yaxis: {automargin: true}},
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
