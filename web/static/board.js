// tuopin: the campaign pages (dashboard, wall chart, map, plans). No inline
// script is allowed by the Content-Security-Policy, so everything is wired
// here by data attributes:
//
//   <div class="chart" data-chart="{…}">   an ECharts chart from a spec
//                                          (http/dashboard.go chartSpec,
//                                          http/map.go mapSpec)
//   <input data-autosubmit>               submits its form on change
//   [data-print]                          prints the page
//   [data-copy-dates]                     copies the first plan row's node
//                                         dates into the empty ones below
//   #screen-wall                          the big screen, refreshed by htmx;
//                                         marked stale when a refresh fails
(function () {
  "use strict";

  var charts = [];

  function fmt(v, unit) {
    if (v === null || v === undefined || isNaN(v)) { return "—"; }
    var s = unit === "%" ? Number(v).toFixed(1) : Number(v).toLocaleString("zh-CN");
    return unit === "%" ? s + "%" : s + (unit ? " " + unit : "");
  }

  function go(url) { if (url) { window.location.href = url; } }

  // esc escapes text for the HTML of a tooltip.
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  var palette = ["#2563a8", "#d64533", "#2e9a55", "#e0a030", "#8a5cc2", "#1a8a84", "#c2587a", "#5b6876", "#9fb6d3", "#7a9e3c", "#b07030", "#3d8fd1"];

  function barOption(spec) {
    var hasLine = spec.series.some(function (s) { return s.kind === "line"; });
    var many = spec.categories.length > 8;
    var yAxis = [{ type: "value", name: spec.unit || "", minInterval: 1, splitLine: { lineStyle: { color: "#e2e7ec" } } }];
    if (hasLine) {
      yAxis.push({ type: "value", name: "%", min: 0, max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, splitLine: { show: false } });
    }
    return {
      color: palette,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, itemWidth: 12, itemHeight: 10 },
      grid: { left: 48, right: hasLine ? 48 : 16, top: 36, bottom: many ? 72 : 36, containLabel: false },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: many ? 35 : 0, fontSize: 11 }, triggerEvent: true },
      yAxis: yAxis,
      series: spec.series.map(function (s) {
        var o = { name: s.name, type: s.kind === "line" ? "line" : "bar", data: s.data, barMaxWidth: 28, emphasis: { focus: "series" } };
        if (s.color) { o.itemStyle = { color: s.color }; o.lineStyle = { color: s.color }; }
        if (spec.stack && o.type === "bar") { o.stack = "all"; }
        if (o.type === "line") {
          o.yAxisIndex = 1; o.symbolSize = 7;
          o.tooltip = { valueFormatter: function (v) { return fmt(v, "%"); } };
        } else {
          o.tooltip = { valueFormatter: function (v) { return fmt(v, spec.unit); } };
        }
        return o;
      })
    };
  }

  function pieOption(spec) {
    var data = spec.categories.map(function (c, i) {
      var d = { name: c, value: spec.series[0].data[i] };
      if (spec.colors && spec.colors[i]) { d.itemStyle = { color: spec.colors[i] }; }
      return d;
    });
    // No legend: the table beside the chart names every slice.
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: function (p) { return esc(p.name) + "<br>" + fmt(p.value, spec.unit) + " (" + p.percent + "%)"; } },
      series: [{
        type: "pie", radius: ["36%", "64%"], center: ["50%", "52%"], data: data, minShowLabelAngle: 4,
        avoidLabelOverlap: true, itemStyle: { borderColor: "#fff", borderWidth: 1 },
        label: { formatter: "{b} {d}%", fontSize: 12, color: "#3d4a58" }, labelLine: { length: 8, length2: 10 }
      }]
    };
  }

  // mapOption draws the regions coloured by value and the points sized
  // by value on one geo component, so that they pan and zoom together.
  // Regions are matched by adcode and named by the shape's own name;
  // regions without a value (no data, or no plan) stay light grey.
  function mapOption(spec, name, fc) {
    var nameOf = {}, byName = {};
    fc.features.forEach(function (f) { nameOf[f.properties.adcode] = f.properties.name; });
    spec.regions.forEach(function (r) { var n = nameOf[r.code]; if (n) { byName[n] = r; } });
    // The top of the scale comes with the spec (http/map.go boardMap): the
    // largest value of the table and of the points.
    var pct = spec.unit === "%";
    var top = spec.max > 0 ? spec.max : 1;
    var maxV = top;
    // Regions without a value are left out of the data: they take the
    // series' own colour, the first of option.color, a light grey.
    var series = [{
      type: "map", geoIndex: 0,
      data: Object.keys(byName).filter(function (n) { return byName[n].value !== null || spec.by_state; })
        .map(function (n) {
          var d = { name: n, value: byName[n].value };
          if (spec.by_state) { d.itemStyle = { areaColor: byName[n].colour }; }
          return d;
        })
    }];
    if (spec.points.length) {
      series.push({
        type: "scatter", coordinateSystem: "geo", zlevel: 2,
        data: spec.points.map(function (p) {
          var d = { name: p.name, value: [p.coord[0], p.coord[1], p.value === null ? -1 : p.value], url: p.url, small: p.small, approx: p.approx };
          // A point without a coordinate of its own (placed near its
          // township's) is drawn with a dashed rim.
          if (p.approx) { d.itemStyle = { borderType: "dashed", borderWidth: 1.4, borderColor: "#1c2530", opacity: 0.85 }; }
          if (spec.by_state) { d.itemStyle = Object.assign(d.itemStyle || {}, { color: p.colour }); }
          return d;
        }),
        labelLayout: { hideOverlap: true },
        symbolSize: function (v, p) {
          var x = v[2] < 0 ? 0 : Math.sqrt(v[2] / maxV);
          return p.data.small ? 6 + 10 * x : 12 + 26 * x;
        },
        label: { show: true, position: "right", fontSize: 12, color: "#1c2530", textBorderColor: "#fff", textBorderWidth: 2,
          formatter: function (p) { return p.data.small ? "" : p.name; } },
        itemStyle: { borderColor: "#3d4a58", borderWidth: 0.6, opacity: 0.95 },
        encode: { value: 2 }
      });
    }
    return {
      color: ["#e6eaef"],
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesType === "scatter") {
            return esc(p.name) + "<br>" + esc(spec.indicator) + "：" + fmt(p.value[2] < 0 ? null : p.value[2], spec.unit) +
              (p.data.approx && spec.approx_note ? "<br><i>" + esc(spec.approx_note) + "</i>" : "");
          }
          var r = byName[p.name];
          return esc(p.name) + "<br>" + esc(spec.indicator) + "：" + fmt(r ? r.value : null, spec.unit);
        }
      },
      visualMap: spec.by_state ? [] : {
        type: "continuous", min: 0, max: top, calculable: true, left: 8, bottom: 8,
        itemHeight: 120, formatter: function (v) { return fmt(v, spec.unit); },
        inRange: { color: pct ? ["#f3c3bc", "#f7e3a1", "#8fd3a6", "#1f8a4c"] : ["#fff4e0", "#f7b267", "#e8553f", "#a3261a"] },
        outOfRange: { color: "#e6eaef" },
        seriesIndex: spec.points.length ? [0, 1] : [0]
      },
      geo: focusView(spec, fc, {
        map: name, roam: true, layoutCenter: ["50%", "50%"], layoutSize: "95%", selectedMode: false,
        itemStyle: { areaColor: "#e6eaef", borderColor: "#8fa4c2", borderWidth: 0.8 },
        emphasis: { itemStyle: { areaColor: "#ffd9a8" }, label: { show: true } },
        label: { show: false, fontSize: 10, color: "#3d4a58" },
        regions: Object.keys(byName).map(function (n) { return { name: n, label: { show: true, fontSize: 12, fontWeight: "bold", color: "#1c2530" } }; })
      }),
      series: series,
      _byName: byName
    };
  }

  // focusView opens the map on spec.focus (a township's points inside its
  // county's outline): the centre of the box, zoomed so that it fills
  // most of the shape's frame.
  function focusView(spec, fc, geo) {
    if (!spec.focus) { return geo; }
    var w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
    var walk = function (c) {
      if (typeof c[0] === "number") { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); return; }
      c.forEach(walk);
    };
    fc.features.forEach(function (f) { walk(f.geometry.coordinates); });
    var f = spec.focus;
    var zoom = Math.min((e - w) / (f[1][0] - f[0][0]), (n - s) / (f[1][1] - f[0][1]));
    if (isFinite(zoom) && zoom > 1) {
      geo.center = [(f[0][0] + f[1][0]) / 2, (f[0][1] + f[1][1]) / 2];
      geo.zoom = Math.min(zoom, 6);
    }
    return geo;
  }

  function filterGeo(geo, prefix) {
    if (!prefix) { return geo; }
    return {
      type: "FeatureCollection",
      features: geo.features.filter(function (f) { return String(f.properties.adcode).indexOf(prefix.slice(0, 6)) === 0; })
        .map(function (f) { f.properties.adcode = String(f.properties.adcode); return f; })
    };
  }

  function draw(el) {
    if (typeof echarts !== "object") { return; }
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    if (spec.kind === "map") {
      chart.showLoading({ text: "" });
      fetch(spec.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
        var name = "m" + charts.length;
        var fc = filterGeo(geo, spec.filter);
        echarts.registerMap(name, fc);
        var opt = mapOption(spec, name, fc);
        var byName = opt._byName;
        delete opt._byName;
        chart.hideLoading();
        chart.setOption(opt);
        chart.on("click", function (p) {
          if (p.seriesType === "scatter") { go(p.data.url); return; }
          if (byName[p.name]) { go(byName[p.name].url); }
        });
      }).catch(function () { chart.hideLoading(); });
      return;
    }
    chart.setOption(spec.kind === "pie" ? pieOption(spec) : barOption(spec));
    if (spec.links) {
      chart.on("click", function (p) {
        var i = p.componentType === "xAxis" ? spec.categories.indexOf(p.value) : p.dataIndex;
        go(spec.links[i]);
      });
    }
  }

  function init() {
    document.querySelectorAll(".chart[data-chart]").forEach(draw);
    if (window.ResizeObserver) {
      var ro = new ResizeObserver(function () { charts.forEach(function (c) { c.resize(); }); });
      document.querySelectorAll(".chart[data-chart]").forEach(function (el) { ro.observe(el); });
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("input[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) {
      e.preventDefault();
      window.print();
      return;
    }
    var copy = e.target.closest && e.target.closest("[data-copy-dates]");
    if (copy) {
      e.preventDefault();
      var rows = document.querySelectorAll(".plans-table tbody tr");
      if (!rows.length) { return; }
      var first = rows[0].querySelectorAll("input[data-node-date]");
      for (var i = 1; i < rows.length; i++) {
        rows[i].querySelectorAll("input[data-node-date]").forEach(function (inp) {
          var src = first[Number(inp.getAttribute("data-node-date"))];
          if (src && src.value && !inp.value && !inp.readOnly) { inp.value = src.value; }
        });
      }
    }
  });

  // A refresh of the big screen that fails keeps the old screen, marked
  // stale, rather than an empty one.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var t = e.detail.target;
    if (t && t.id === "screen-wall" && (!e.detail.xhr || e.detail.xhr.responseText.indexOf('id="screen-wall"') < 0)) {
      e.detail.shouldSwap = false;
      t.classList.add("is-stale");
    }
  });
  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (e) {
      var t = e.detail && e.detail.target;
      if (t && t.id === "screen-wall") { t.classList.add("is-stale"); }
    });
  });
})();
