// The client portal's only script (the CSP allows no inline one): the comment field of a
// recount line shows once the line is ticked for a dispute, and is then required.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function sync(box) {
    var row = box.closest("tr");
    var input = row && row.querySelector('input[name="comment-' + box.value + '"]');
    if (row) row.classList.toggle("picked", box.checked);
    if (input) {
      input.required = box.checked;
      if (box.checked) input.focus();
    }
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[data-dispute-line]")) sync(box);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-dispute-line]").forEach(function (box) {
      if (box.checked) sync(box);
    });
  });
})();
