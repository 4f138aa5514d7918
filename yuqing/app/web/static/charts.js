// Charts drawn with the vendored Apache ECharts from the JSON blocks the server wrote into the page.
(function () {
  "use strict";
  var COLORS = {negative: "#c62828", neutral: "#90a4ae", positive: "#2e7d32", unknown: "#cfd8dc"};
  var SEVERITY_COLORS = ["#c62828", "#ef6c00", "#f9a825", "#1565c0"];

  function read(id) {
    var block = document.getElementById(id);
    return block ? JSON.parse(block.textContent) : null;
  }

  function volume(data) {
    return {
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {top: 0},
      grid: {left: 40, right: 16, top: 32, bottom: 28},
      xAxis: {type: "category", data: data.buckets},
      yAxis: {type: "value", minInterval: 1, name: "帖子"},
      series: Object.keys(data.series).map(function (key) {
        return {name: data.names[key] || key, type: "bar", stack: "volume", data: data.series[key], barMaxWidth: 48,
                itemStyle: {color: COLORS[key] || "#78909c"}};
      })
    };
  }

  function stats(data, part) {
    var base = {tooltip: {trigger: "axis", renderMode: "richText"}, legend: {top: 0},
                grid: {left: 48, right: 48, top: 32, bottom: 48},
                xAxis: {type: "category", data: data.keys, axisLabel: {rotate: data.keys.length > 8 ? 30 : 0}}};
    if (part === "alerts") {
      base.yAxis = {type: "value", minInterval: 1, name: "预警"};
      base.series = Object.keys(data.alerts).map(function (name, index) {
        return {name: name, type: "bar", stack: "alerts", data: data.alerts[name], barMaxWidth: 48,
                itemStyle: {color: SEVERITY_COLORS[index]}};
      });
      return base;
    }
    base.yAxis = [{type: "value", name: "帖子", minInterval: 1}, {type: "value", name: "负面%", max: 100}];
    base.series = [{name: "帖子", type: "bar", data: data.documents, barMaxWidth: 48, itemStyle: {color: "#1d2a44"}},
                   {name: "负面占比%", type: "line", yAxisIndex: 1, data: data.negative_share,
                    itemStyle: {color: COLORS.negative}}];
    return base;
  }

  // monthly series (the enterprise page): one line per series, a gap for a missing month, up to two
  // y axes; "thresholds" (series name → value) are drawn as dashed lines
  var LINE_COLORS = ["#1d2a44", "#c62828", "#ef6c00", "#2e7d32", "#6a1b9a"];
  function lines(data) {
    var thresholds = data.thresholds || {};
    return {
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {top: 0},
      grid: {left: 64, right: data.axes.length > 1 ? 72 : 24, top: 48, bottom: 28},
      xAxis: {type: "category", data: data.buckets},
      yAxis: data.axes.map(function (name, index) {
        return {type: "value", name: name, max: data.max, minInterval: data.integer ? 1 : 0,
                splitLine: {show: index === 0}};
      }),
      series: data.series.map(function (line, index) {
        var color = LINE_COLORS[index % LINE_COLORS.length];
        var series = {name: line.name, type: "line", yAxisIndex: line.axis || 0, data: line.data,
                      itemStyle: {color: color}, lineStyle: {color: color}};
        if (thresholds[line.name] !== undefined) {
          series.markLine = {silent: true, symbol: "none", label: {show: false},
                             lineStyle: {type: "dashed", color: color}, data: [{yAxis: thresholds[line.name]}]};
        }
        return series;
      })
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var data = read(element.getAttribute("data-chart"));
    if (!data || typeof echarts === "undefined") { return; }
    var option = data.kind === "volume" ? volume(data)
      : data.kind === "lines" ? lines(data) : stats(data, element.getAttribute("data-part"));
    var chart = echarts.init(element, null, {renderer: "canvas"});
    chart.setOption(option);
    element.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
}());
