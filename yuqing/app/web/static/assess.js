// The project card form: a chosen YAML/JSON file is read into the text area, which the form posts.
(function () {
  "use strict";
  var input = document.getElementById("card-file");
  var area = document.getElementById("card-yaml");
  if (!input || !area) { return; }
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) { return; }
    var reader = new FileReader();
    reader.onload = function () { area.value = reader.result; };
    reader.readAsText(file, "utf-8");
  });
}());
