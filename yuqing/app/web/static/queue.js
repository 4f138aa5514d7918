// The alert queue: keyboard navigation (j/k/x/Enter), bulk selection, saved views, polling for new alerts.
// Saved views are filter sets kept in this browser's localStorage (per user name), never sent anywhere.
(function () {
  "use strict";
  var table = document.getElementById("queue");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]")) : [];
  var current = -1;

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) { rows[current].classList.remove("current"); }
    current = index;
    rows[current].classList.add("current");
    rows[current].scrollIntoView({block: "nearest"});
  }

  function countSelected() {
    var out = document.getElementById("selected-count");
    if (out) { out.textContent = String(document.querySelectorAll("input[name=ids]:checked").length); }
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if (event.key === "Enter" && current >= 0) { window.location.href = rows[current].getAttribute("data-href"); }
    else if (event.key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[name=ids]");
      if (box) { box.checked = !box.checked; countSelected(); }
    }
  });
  rows.forEach(function (row, index) {
    row.addEventListener("click", function (event) {
      if (event.target.tagName !== "A" && event.target.tagName !== "INPUT") { select(index); }
    });
  });
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
      countSelected();
    });
  }
  document.querySelectorAll("input[name=ids]").forEach(function (box) { box.addEventListener("change", countSelected); });

  // saved views ---------------------------------------------------------------------------------
  var who = document.querySelector(".who[data-user]");
  var storeKey = "yuqing.views." + (who ? who.getAttribute("data-user") : "anonymous");
  var picker = document.getElementById("saved-views");
  function loadViews() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function showViews() {
    if (!picker) { return; }
    var views = loadViews();
    while (picker.options.length > 1) { picker.remove(1); }
    Object.keys(views).sort().forEach(function (name) {
      var option = document.createElement("option");
      option.value = views[name];
      option.textContent = name;
      picker.appendChild(option);
    });
  }
  if (picker) {
    showViews();
    picker.addEventListener("change", function () {
      if (picker.value !== "") { window.location.href = "/alerts?" + picker.value; }
    });
    document.getElementById("save-view").addEventListener("click", function () {
      var name = window.prompt("视图名称", "");
      if (!name) { return; }
      var form = document.getElementById("filters");
      var params = new URLSearchParams(new FormData(form));
      Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) { params.delete(key); } });
      var views = loadViews();
      views[name] = params.toString();
      window.localStorage.setItem(storeKey, JSON.stringify(views));
      showViews();
    });
    document.getElementById("delete-view").addEventListener("click", function () {
      var option = picker.options[picker.selectedIndex];
      if (!option || option.value === "") { return; }
      var views = loadViews();
      delete views[option.textContent];
      window.localStorage.setItem(storeKey, JSON.stringify(views));
      showViews();
    });
  }

  // live refresh: poll the counts, offer the new alerts without reloading under the analyst -----
  var banner = document.getElementById("refresh");
  if (banner) {
    var every = Math.max(1, parseInt(banner.getAttribute("data-every"), 10) || 30) * 1000;
    var seen = parseInt(banner.getAttribute("data-total"), 10);
    if (isNaN(seen)) { seen = null; }
    var poll = function () {
      fetch(banner.getAttribute("data-poll"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (seen === null) { seen = data.total; }
          Object.keys(data.counts).forEach(function (field) {
            Object.keys(data.counts[field]).forEach(function (key) {
              var cell = document.querySelector('[data-count="' + field + "-" + key + '"]');
              if (cell) { cell.textContent = String(data.counts[field][key]); }
            });
          });
          if (data.total > seen) {
            banner.querySelector("a").textContent = "有 " + (data.total - seen) + " 条新预警，点击刷新";
            banner.hidden = false;
          }
        })
        .catch(function () { /* the service may be restarting: try again at the next tick */ });
    };
    poll();
    window.setInterval(poll, every);
  }
}());
