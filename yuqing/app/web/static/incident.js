// The incident page's correction forms: how many posts are chosen for a split, and a last word before a merge.
(function () {
  "use strict";
  var split = document.getElementById("split-form");
  if (split) {
    var boxes = document.querySelectorAll('input[type=checkbox][form="split-form"]');
    var button = document.getElementById("split-submit");
    var count = document.getElementById("split-count");
    var sync = function () {
      var chosen = 0;
      Array.prototype.forEach.call(boxes, function (box) {
        box.closest("tr").classList.toggle("picked", box.checked);
        if (box.checked) { chosen += 1; }
      });
      button.disabled = chosen === 0;
      count.textContent = chosen ? "已选择 " + chosen + " 组帖子" : "未选择帖子";
    };
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", sync); });
    sync();
  }
  var merge = document.getElementById("merge-form");
  if (merge) {
    merge.addEventListener("submit", function (event) {
      var other = merge.querySelector("select[name=other]");
      var keepThis = merge.querySelector("select[name=keep]").value === "this";
      var name = other.options[other.selectedIndex].text.replace(/（.*$/, "");
      var text = keepThis ? "确认把「" + name + "」并入本事件？" : "确认把本事件并入「" + name + "」？";
      if (!window.confirm(text + "\n合并后引擎会一直保持这一决定。")) { event.preventDefault(); }
    });
  }
}());
