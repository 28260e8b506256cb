// Draws every chart of a page: an element with `data-chart` holds an ECharts option (JSON, built
// on the server with charming) and becomes a canvas chart; the table beside it holds the same
// numbers. ECharts is our own copy (`/pkg/charts/echarts.min.js`, from npm at build time), loaded
// the first time a chart is on the page. Charts that arrive later (a page reached without a reload,
// or new figures) are drawn when they appear; a chart whose option changed is drawn again.
(function () {
  if (window.doudiCharts) {
    window.doudiCharts();
    return;
  }
  var loading = false;
  function draw() {
    var els = document.querySelectorAll("[data-chart]");
    if (!els.length) return;
    if (!window.echarts) {
      if (!loading) {
        loading = true;
        var s = document.createElement("script");
        s.src = "/pkg/charts/echarts.min.js";
        s.onload = draw;
        document.head.appendChild(s);
      }
      return;
    }
    els.forEach(function (el) {
      var option = el.getAttribute("data-chart");
      if (el.__doudiDrawn === option) return;
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
      try {
        chart.setOption(JSON.parse(option), true);
        el.__doudiDrawn = option;
      } catch (e) {
        // A chart that cannot be drawn leaves its table, which holds the same numbers.
        console.error("chart", el.id, e);
      }
    });
  }
  window.doudiCharts = draw;
  new MutationObserver(function () { draw(); }).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["data-chart"],
  });
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = window.echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
