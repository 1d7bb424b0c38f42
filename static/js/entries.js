// Upload forms: refuse a file that is too large before sending it, and show that a long upload is running.
// The server checks everything again; this only saves the applicant a long wait.
(function () {
  "use strict";
  document.querySelectorAll("form.upload-form").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
    form.addEventListener("submit", function (event) {
      if (!input || !input.files || !input.files.length) { return; }
      var file = input.files[0];
      if (max && file.size > max) {
        event.preventDefault();
        input.setCustomValidity(document.documentElement.lang === "en"
          ? "The file is larger than allowed for this kind."
          : "Tệp vượt quá dung lượng cho phép của loại hồ sơ này.");
        input.reportValidity();
        return;
      }
      if (file.size === 0) {
        event.preventDefault();
        input.setCustomValidity(document.documentElement.lang === "en" ? "The file is empty." : "Tệp rỗng (0 byte).");
        input.reportValidity();
        return;
      }
      var progress = form.querySelector("progress");
      if (progress) { progress.hidden = false; progress.removeAttribute("value"); }
    });
    if (input) {
      input.addEventListener("change", function () { input.setCustomValidity(""); });
    }
  });
})();
