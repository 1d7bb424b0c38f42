// Score sheet: live weighted total, autosave of drafts, deadline countdowns.
// Progressive enhancement: without this file the "Lưu nháp" and "Nộp phiếu" buttons post the form.
(function () {
  "use strict";

  var lang = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  var pointsFormat = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  // --- countdowns: the server renders the remaining time; this keeps it ticking -------------
  function tickCountdowns() {
    var nodes = document.querySelectorAll("[data-deadline]");
    Array.prototype.forEach.call(nodes, function (node) {
      var left = node.querySelector(".countdown-left");
      var deadline = Date.parse(node.getAttribute("data-deadline"));
      if (!left || isNaN(deadline)) { return; }
      var seconds = Math.floor((deadline - Date.now()) / 1000);
      if (seconds <= 0) {
        left.textContent = node.getAttribute("data-overdue-text") || left.textContent;
        left.classList.add("overdue");
        return;
      }
      var template = node.getAttribute("data-left-template");
      if (!template) { return; }
      left.textContent = template
        .replace("{d}", String(Math.floor(seconds / 86400)))
        .replace("{h}", String(Math.floor((seconds % 86400) / 3600)))
        .replace("{m}", String(Math.floor((seconds % 3600) / 60)));
    });
  }
  tickCountdowns();
  window.setInterval(tickCountdowns, 30000);

  var form = document.getElementById("score-form");
  if (!form) { return; }

  var inputs = form.querySelectorAll("[data-criterion]");
  var totalNode = form.querySelector("[data-total]");
  var stateNode = form.querySelector("[data-save-state]");
  var versionInput = form.querySelector("[data-version]");
  var scale = parseFloat(form.getAttribute("data-scale"));

  function parseScore(text) {
    if (text === null || text === undefined) { return null; }
    text = String(text).trim().replace(",", ".");
    if (text === "") { return null; }
    var value = Number(text);
    return isFinite(value) ? value : NaN;
  }

  // Same formula as judging.rubric.running_total: a blank criterion adds nothing yet, so a
  // half-filled sheet shows the points earned so far, never a total rescaled over the filled ones.
  function updateTotal() {
    var numerator = 0, weights = 0, filled = 0;
    Array.prototype.forEach.call(inputs, function (input) {
      var value = parseScore(input.value);
      var min = parseFloat(input.getAttribute("data-min"));
      var max = parseFloat(input.getAttribute("data-max"));
      var weight = parseFloat(input.getAttribute("data-weight"));
      weights += weight;
      if (value === null || isNaN(value) || value < min || value > max) { return; }
      numerator += weight * (value - min) / (max - min);
      filled += 1;
    });
    if (totalNode) {
      totalNode.textContent = filled > 0 && weights > 0 ? pointsFormat.format(scale * numerator / weights) : "—";
    }
  }
  form.addEventListener("input", updateTotal);
  updateTotal();

  if (form.hasAttribute("data-readonly")) { return; }

  var url = form.getAttribute("data-autosave-url");
  var csrfInput = form.querySelector("input[name=csrf_token]");
  var csrf = csrfInput ? csrfInput.value : "";
  var DELAY = 2500;
  var dirty = false, saving = false, stopped = false, timer = null, pendingSubmit = null;

  function say(text, kind) {
    if (!stateNode) { return; }
    stateNode.textContent = text;
    stateNode.setAttribute("data-kind", kind || "");
  }

  function showErrors(errors) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (node) {
      var name = node.getAttribute("data-error-for");
      var message = errors && errors[name] ? errors[name] : "";
      node.textContent = message;
      var field = form.elements[name];
      if (field) {
        if (message) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
      }
    });
  }

  function body() {
    var data = new FormData(form);
    data.delete("action");
    return data;
  }

  function finished() {
    saving = false;
    if (pendingSubmit) {
      var submitter = pendingSubmit;
      pendingSubmit = null;
      if (!stopped) { form.requestSubmit(submitter); }
      return;
    }
    if (dirty && !stopped) { schedule(); }
  }

  function save() {
    timer = null;
    if (!dirty || saving || stopped) { return; }
    saving = true;
    dirty = false;
    say(form.getAttribute("data-msg-saving"), "saving");
    fetch(url, {
      method: "POST",
      body: body(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { return { status: response.status, json: json }; },
        function () { return { status: response.status, json: null }; });
    }).then(function (result) {
      var json = result.json || {};
      if (result.json === null && result.status < 400) {
        stopped = true;  // not an answer from the sheet (the login expired): keep the page as it is
        dirty = true;
        say(form.getAttribute("data-msg-login"), "error");
        saving = false;
        return;
      }
      if (result.status === 200 && json.ok) {
        versionInput.value = json.version;
        showErrors({});
        say(json.message, "saved");
      } else if (result.status === 422) {
        showErrors(json.errors || {});
        say(json.message, "error");
      } else if (result.status === 409 || result.status === 403 || result.status === 404 || result.status === 400) {
        stopped = true;  // newer work elsewhere, a locked sheet or a closed round: never retry over it
        say(json.message || form.getAttribute("data-msg-reload"), "error");
      } else {
        dirty = true;
        say(form.getAttribute("data-msg-offline"), "error");
      }
      finished();
    }, function () {
      dirty = true;  // the network flickered: keep the change and try again
      say(form.getAttribute("data-msg-offline"), "error");
      saving = false;
      if (pendingSubmit) { pendingSubmit = null; }
      timer = window.setTimeout(save, 5000);
    });
  }

  function schedule() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, DELAY);
  }

  function changed(event) {
    if (event.target && event.target.name === "csrf_token") { return; }
    dirty = true;
    say(form.getAttribute("data-msg-unsaved"), "dirty");
    schedule();
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // Leaving the page or hiding the tab: send what is unsaved, even if the page is going away.
  function flushOnLeave() {
    if (!dirty || saving || stopped) { return; }
    dirty = false;
    var data = body();
    try {
      fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true,
                   headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (json) { if (json && json.ok) { versionInput.value = json.version; say(json.message, "saved"); } })
        .catch(function () { dirty = true; });
    } catch (err) {
      if (navigator.sendBeacon) { navigator.sendBeacon(url, data); }
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flushOnLeave(); }
  });
  window.addEventListener("pagehide", flushOnLeave);

  // Buttons: a submit waits for a running autosave (so it carries the newest version) and asks first.
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (saving) {
      event.preventDefault();
      pendingSubmit = submitter || null;
      return;
    }
    var question = submitter && submitter.getAttribute("data-confirm-submit");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      if (dirty) { schedule(); }
      return;
    }
    dirty = false;
    stopped = true;
  });
})();
