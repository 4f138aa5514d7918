// The correction form: the label list shows only the labels of the task chosen.
(function () {
  "use strict";
  document.querySelectorAll("form.correct-form").forEach(function (form) {
    var task = form.querySelector("select[name=task]");
    var label = form.querySelector("select[name=label]");
    var street = form.querySelector("input[name=street_label]");
    function sync() {
      var first = null;
      Array.prototype.forEach.call(label.querySelectorAll("option"), function (option) {
        var fits = option.getAttribute("data-task") === task.value;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits && first === null) { first = option; }
      });
      Array.prototype.forEach.call(label.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([disabled])");
      });
      if (first) { label.value = first.value; }
      street.hidden = task.value !== "street";
    }
    task.addEventListener("change", sync);
    sync();
  });
}());
