// A chart's permalink page: each embed snippet gets a button that copies it. Without this
// script the snippets stay selectable text, and the buttons stay hidden.
(function () {
  "use strict";
  function copied(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) status.textContent = text;
  }
  var buttons = document.querySelectorAll("button.copy[data-copy]");
  for (var i = 0; i < buttons.length; i++) {
    var button = buttons[i];
    button.hidden = false;
    button.addEventListener("click", function (event) {
      var button = event.currentTarget;
      var box = document.getElementById(button.dataset.copy);
      box.select();
      var done = function () { copied(button, "Copied."); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(box.value).then(done, function () {
          copied(button, "Selected: press Ctrl+C or Cmd+C to copy.");
        });
      } else {
        copied(button, document.execCommand("copy") ? "Copied." :
          "Selected: press Ctrl+C or Cmd+C to copy.");
      }
    });
  }
})();
