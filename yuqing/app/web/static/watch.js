// The watch chart (项目监测): support share per stakeholder group over time, post volume, and a
// vertical line at each publicity action and milestone, from the JSON block the server wrote.
(function () {
  "use strict";
  var PALETTE = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037"];

  function option(data) {
    var labels = data.periods.map(function (p) { return data.by === "month" ? p : p.slice(5) + " 周"; });
    var index = {};
    data.periods.forEach(function (p, i) { index[p] = i; });
    var marks = data.marks.map(function (m) {
      return {xAxis: labels[index[m.period]], name: m.title,
              lineStyle: {color: m.kind === "action" ? "#c62828" : "#78909c", type: m.kind === "action" ? "solid" : "dashed"},
              label: {formatter: m.title.length > 8 ? m.title.slice(0, 8) + "…" : m.title, color: "#374151"}};
    });
    var groups = Object.keys(data.support);
    var series = groups.map(function (group, i) {
      return {name: group + " 支持%", type: "line", data: data.support[group], connectNulls: true, symbolSize: 6,
              itemStyle: {color: PALETTE[i % PALETTE.length]}, lineStyle: {width: 2.5}};
    });
    series.push({name: "帖子数", type: "bar", yAxisIndex: 1, data: data.volume, barMaxWidth: 28,
                 itemStyle: {color: "#cfd8dc"}, z: 1,
                 markLine: {symbol: "none", silent: true, data: marks}});
    return {
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {top: 0, type: "scroll"},
      grid: {left: 48, right: 56, top: 40, bottom: 32},
      xAxis: {type: "category", data: labels},
      yAxis: [{type: "value", name: "支持%", min: 0, max: 100}, {type: "value", name: "帖子", minInterval: 1, splitLine: {show: false}}],
      series: series
    };
  }

  document.querySelectorAll("[data-watch-chart]").forEach(function (element) {
    var block = document.getElementById(element.getAttribute("data-watch-chart"));
    if (!block || typeof echarts === "undefined") { return; }
    var chart = echarts.init(element, null, {renderer: "canvas"});
    chart.setOption(option(JSON.parse(block.textContent)));
    element.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
}());
