// Edition setup pages: add blank rows to a repeating section on demand.
// Without this file every section still shows two blank rows, so nothing depends on it.
(function () {
  "use strict";
  function nextIndex(form) {
    var max = -1;
    form.querySelectorAll("[name^='row-']").forEach(function (input) {
      var match = /^row-(\d+)-/.exec(input.name);
      if (match) { max = Math.max(max, parseInt(match[1], 10)); }
    });
    return max + 1;
  }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var form = button.closest("form");
    var template = form && form.querySelector("template[data-row-template]");
    var rows = form && form.querySelector("[data-rows]");
    if (!template || !rows) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = String(nextIndex(form));
      var html = template.innerHTML.replace(/__i__/g, index);
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      rows.appendChild(row);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  });
})();
