// The story and person forms: the Schedule button names the chosen time, and leaving with unsaved changes asks first.
(function () {
  "use strict";

  function scheduleLabel(form) {
    var day = form.querySelector("#id_published_at_0");
    var time = form.querySelector("#id_published_at_1");
    var buttons = form.querySelectorAll("button[data-action=schedule]");
    if (!day || !time || !buttons.length) {
      return;
    }
    var original = buttons[0].textContent;
    function update() {
      var label = day.value && time.value ? "Schedule for " + day.value + " " + time.value : original;
      buttons.forEach(function (button) { button.textContent = label; });
    }
    day.addEventListener("input", update);
    time.addEventListener("input", update);
    day.addEventListener("change", update);
    time.addEventListener("change", update);
  }

  function warnBeforeLeaving(form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("#article_form, #person_form");
    if (!form) {
      return;
    }
    scheduleLabel(form);
    warnBeforeLeaving(form);
  });
})();
