// The emergency desk: the live board and team view (poll /api/desk, update rows in place, offer new rows
// in a banner), the storm banner, the returned-sheet upload (its CSRF token in a header: a multipart
// body is not read for it) and the print button. Text from the server is set with textContent only.
(function () {
  "use strict";

  function findRow(id) {
    return document.querySelector('.req[data-id="' + window.CSS.escape(id) + '"]');
  }

  function setText(parent, selector, text) {
    var el = parent.querySelector(selector);
    if (el) { el.textContent = text; }
    return el;
  }

  function showClaim(el, row, me) {
    var cell = el.querySelector('[data-field="claim"]');
    if (cell) {
      cell.textContent = "";
      var span = document.createElement("span");
      if (row.claimed_by) {
        span.className = "claim" + (row.claimed_by === me ? " mine" : "");
        span.textContent = row.claimed_by + " 认领中" + (row.claim_until ? " 至 " + row.claim_until : "");
      } else {
        span.className = "muted";
        span.textContent = "未认领";
      }
      cell.appendChild(span);
    }
    var claim = el.querySelector(".claim-btn");
    if (claim) { claim.disabled = Boolean(row.claimed_by && row.claimed_by !== me); }
    var team = el.querySelector('[data-field="team"]');
    if (team && row.team !== undefined) { team.textContent = row.team ? "救援队：" + row.team : ""; }
  }

  function updateRow(el, row, me) {
    var status = el.querySelector('[data-field="status"]');
    if (status) {
      status.textContent = row.status_label;
      status.className = "st st-" + row.status;
    }
    showClaim(el, row, me);
    if (el.getAttribute("data-seen") !== row.seen) {
      el.classList.add("changed");
      el.setAttribute("title", "此行已被他人或跟帖更新，刷新后再操作");
      return true;
    }
    return false;
  }

  function updateStorm(state) {
    var box = document.getElementById("storm");
    if (!box || !state) { return; }
    var on = state.on ? "1" : "0";
    if (box.getAttribute("data-on") === on) { return; }
    box.setAttribute("data-on", on);
    box.className = "storm " + (state.on ? "storm-on" : "storm-off");
    setText(box, '[data-storm="label"]', state.on ? "已开启" : "未开启");
    setText(box, '[data-storm="since"]', state.by ? state.by + " 刚刚" + (state.on ? "开启" : "关闭") : "");
    var input = box.querySelector("input[name=on]");
    if (input) { input.value = state.on ? "0" : "1"; }
    var button = document.getElementById("storm-toggle");
    if (button) {
      button.textContent = state.on ? "关闭应急模式（转为平时）" : "开启应急模式";
      button.className = state.on ? "" : "danger";
    }
  }

  var banner = document.getElementById("refresh");
  if (banner) {
    var every = Math.max(1, parseInt(banner.getAttribute("data-every"), 10) || 30) * 1000;
    var board = document.getElementById("board");
    var me = board ? board.getAttribute("data-user") : null;
    var poll = function () {
      fetch(banner.getAttribute("data-poll"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          Object.keys(data.counts || {}).forEach(function (key) {
            var cell = document.querySelector('[data-count="status-' + key + '"]');
            if (cell) { cell.textContent = String(data.counts[key]); }
          });
          updateStorm(data.storm);
          var fresh = 0, changed = 0, listed = {};
          data.rows.forEach(function (row) {
            listed[row.id] = true;
            var el = findRow(row.id);
            if (!el) { fresh += 1; } else if (updateRow(el, row, me)) { changed += 1; }
          });
          document.querySelectorAll(".req[data-id]").forEach(function (el) {
            if (!listed[el.getAttribute("data-id")]) { el.classList.add("gone"); changed += 1; }
          });
          if (fresh || changed) {
            var parts = [];
            if (fresh) { parts.push("有 " + fresh + " 条新求救"); }
            if (changed) { parts.push(changed + " 条已被他人或跟帖更新"); }
            banner.querySelector("a").textContent = parts.join("，") + "，点击刷新";
            banner.hidden = false;
          }
        })
        .catch(function () { /* the service may be restarting: try again at the next tick */ });
    };
    window.setInterval(poll, every);
    poll();
  }

  // the returned sheet: sent with its CSRF token in a header, the result section swapped in place
  var form = document.getElementById("import-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      var target = document.getElementById("import-result");
      button.disabled = true;
      target.textContent = "正在导入…";
      fetch(form.getAttribute("action"), {method: "POST", body: new FormData(form), credentials: "same-origin",
                                          headers: {"X-CSRF-Token": form.getAttribute("data-csrf"), "Accept": "text/html"}})
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById("import-result");
          if (fresh) {
            target.replaceWith(document.importNode(fresh, true));
          } else {
            var message = page.querySelector("main p");
            target.textContent = "导入失败：" + (message ? message.textContent : "服务没有回答");
            target.className = "error-box";
          }
        })
        .catch(function () { target.textContent = "导入失败：连接中断，请重试"; })
        .then(function () { button.disabled = false; });
    });
  }

  var print = document.getElementById("print");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
}());
