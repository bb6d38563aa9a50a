// The developer console's only script: copy buttons. Without JavaScript the buttons stay
// hidden and the values can be selected and copied by hand.
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
        say(done ? label + " copied." : "Press Ctrl+C (or Cmd+C) to copy the selected " + label.toLowerCase() + ".");
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
})();
