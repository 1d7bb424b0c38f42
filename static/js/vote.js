// The public ballot: solve the server's proof-of-work challenge, then submit the form.
// A second click while the first is in flight is ignored (the database refuses duplicates anyway).
(function () {
  "use strict";
  if (!window.ContestPow) { return; }

  function setStatus(form, text) {
    var el = form.querySelector(".pow-status");
    if (el) { el.textContent = text; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("pow-form")) { return; }
    if (form.dataset.solved === "1") { return; }  // the native submit after solving
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.dataset.busy === "1") { return; }
    form.dataset.busy = "1";
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    setStatus(form, form.dataset.workingText || "");

    var body = new FormData();
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    body.append("purpose", form.dataset.purpose);
    if (form.dataset.entry) { body.append("entry", form.dataset.entry); }
    if (form.dataset.bindingField) {
      var input = form.querySelector("[name=" + form.dataset.bindingField + "]");
      body.append(form.dataset.bindingField, input ? input.value.trim().toLowerCase() : "");
    }
    fetch(form.dataset.challengeUrl, {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw { server: data.error }; }
        return data;
      });
    }).then(function (data) {
      return window.ContestPow.solve(data.challenge, data.bits).then(function (nonce) {
        form.querySelector("input[name=pow_challenge]").value = data.challenge;
        form.querySelector("input[name=pow_nonce]").value = nonce;
        if (form.dataset.purpose === "vote") { return castVote(form); }
        form.dataset.solved = "1";
        form.submit();
      });
    }).catch(function (error) {
      form.dataset.busy = "";
      if (button) { button.disabled = false; }
      setStatus(form, (error && error.server) || form.dataset.errorText || "");
    });
  }, true);

  // A vote is posted in the background: the server answers JSON and the page stays where it is
  // (a voter on a long ballot keeps their place), instead of loading the whole page again.
  function castVote(form) {
    return fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (data.redirect) { window.location.assign(data.redirect); return; }
        if (!data.voted) { throw { server: data.error }; }
        showVoted(form, data);
      });
    });
  }

  function showVoted(form, data) {
    var actions = form.parentNode;
    var count = actions.querySelector(".vote-count");
    if (count && data.count_text) { count.textContent = data.count_text; }
    var done = document.createElement("span");
    done.className = "vote-done";
    done.setAttribute("data-test", "voted");
    done.textContent = "\u2713 " + (form.dataset.votedText || "");
    actions.replaceChild(done, form);
    var main = document.getElementById("main");
    if (main && data.message) {
      var box = main.querySelector(".flashes");
      if (!box) {
        box = document.createElement("div");
        box.className = "flashes";
        box.setAttribute("role", "status");
        main.insertBefore(box, main.firstChild);
      }
      var note = document.createElement("p");
      note.className = "flash " + (data.code === "counted" ? "flash-success" : "flash-info");
      note.textContent = data.message;
      box.replaceChildren(note);
    }
  }

  // "Copy link" for sharing an entry in a chat app.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value).then(function () { button.textContent = "✓"; });
    });
  });
})();
