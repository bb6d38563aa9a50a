// The developer console's only script, and nothing depends on it: copy buttons, and a size
// check on the logo before a large file is sent. Without JavaScript the copy buttons stay
// hidden (the values can be selected and copied by hand) and the server checks the logo.
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  function say(text) { if (status) { status.textContent = text; } }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var label = field.labels && field.labels.length ? field.labels[0].textContent : "Value";
      function fallback() {
        field.focus();
        field.select();
        var done = false;
        try { done = document.execCommand("copy"); } catch (e) { done = false; }
        say(done ? label + " copied."
                 : "Press Ctrl+C (or Cmd+C) to copy the selected " + label.toLowerCase() + ".");
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say(label + " copied.");
        }, fallback);
      } else {
        fallback();
      }
    });
  });

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var form = input.form;
    var limit = Number(input.getAttribute("data-max-bytes"));
    if (!form || !limit) { return; }
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (!file || file.size <= limit) { return; }
      event.preventDefault();
      var id = input.id + "-size-error";
      var message = document.getElementById(id);
      if (!message) {
        message = document.createElement("p");
        message.id = id;
        message.className = "field-error";
        input.insertAdjacentElement("afterend", message);
        var described = input.getAttribute("aria-describedby");
        input.setAttribute("aria-describedby", (described ? described + " " : "") + id);
      }
      message.textContent = "This file has " + file.size + " bytes; a logo has at most "
        + limit + ".";
      input.setAttribute("aria-invalid", "true");
      input.focus();
    });
  });
})();
