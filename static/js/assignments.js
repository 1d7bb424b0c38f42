// Assignment matrix: picking a cell fills the "adjust by hand" form (the form works without this file).
(function () {
  "use strict";
  var form = document.getElementById("adjust-form");
  var matrix = document.querySelector(".assign-matrix");
  if (!form || !matrix) { return; }
  var entry = form.querySelector("[name=entry_id]");
  var judge = form.querySelector("[name=judge_id]");
  var action = form.querySelector("[name=action]");
  var reason = form.querySelector("[name=reason]");
  matrix.addEventListener("click", function (event) {
    var cell = event.target.closest ? event.target.closest("td[data-entry]") : null;
    if (!cell) { return; }
    var state = cell.getAttribute("data-state");
    entry.value = cell.getAttribute("data-entry");
    judge.value = cell.getAttribute("data-judge");
    action.value = (state === "active" || state === "proposed") ? "remove" : "add";
    var picked = matrix.querySelector("td.picked");
    if (picked) { picked.classList.remove("picked"); }
    cell.classList.add("picked");
    form.scrollIntoView({ behavior: "smooth", block: "center" });
    reason.focus({ preventScroll: true });
  });
})();
