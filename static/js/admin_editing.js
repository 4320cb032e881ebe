// The story and person forms: the Schedule button names the chosen time, leaving with unsaved changes asks first,
// and a notice shows who else has the form open (reported every few seconds; see articles/presence.py).
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

  function showPresence(form) {
    var notice = document.querySelector(".presence[data-presence-url]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!notice || !token) {
      return;
    }
    var url = notice.getAttribute("data-presence-url");
    var list = notice.querySelector(".presence__list");

    function render(others) {
      list.replaceChildren.apply(list, others.map(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        return item;
      }));
      notice.hidden = others.length === 0;
    }

    function report() {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token.value);
      fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) { render(data.others); } })
        .catch(function () { /* offline for a moment: the next report catches up */ });
    }

    window.setInterval(report, 1000 * Number(notice.getAttribute("data-heartbeat") || 20));
    var submitting = false;
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("pageshow", function (event) { if (event.persisted) { report(); } });
    window.addEventListener("pagehide", function () {
      if (submitting) {
        return; // the editor stays on the story: the next page reports them again
      }
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token.value);
      body.append("leave", "1");
      navigator.sendBeacon(url, body);
    });
  }

  // Inline rows with a position (more headlines, pinned stories): up and down buttons move a row and number the
  // rows in the order shown; a new row is numbered once it has content (the server places unnumbered rows last).
  function orderRows(group) {
    function rows() {
      return Array.prototype.filter.call(group.querySelectorAll(".form-row"), function (row) {
        return !row.classList.contains("empty-form") && row.querySelector("input.row-position");
      });
    }

    function counts(row) {
      var deleted = row.querySelector("input[name$='-DELETE']");
      if (deleted && deleted.checked) {
        return false;
      }
      var id = row.querySelector("input[name$='-id']");
      return (id && id.value) || Array.prototype.some.call(
        row.querySelectorAll("input[type=text], input[type=url], textarea, select"),
        function (field) { return field.value; }
      );
    }

    function renumber() {
      var next = 1;
      rows().forEach(function (row) {
        var position = row.querySelector("input.row-position");
        position.value = counts(row) ? String(next++) : "";
      });
    }

    function addButtons(row) {
      var position = row.querySelector("input.row-position");
      if (!position || row.querySelector(".row-move")) {
        return;
      }
      position.readOnly = true;
      position.tabIndex = -1;
      var last = position;
      [["up", "Move up", "\u2191"], ["down", "Move down", "\u2193"]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "row-move row-move--" + spec[0];
        button.setAttribute("aria-label", spec[1]);
        button.title = spec[1];
        button.textContent = spec[2];
        button.addEventListener("click", function () {
          var all = rows();
          var index = all.indexOf(row);
          var other = all[spec[0] === "up" ? index - 1 : index + 1];
          if (!other) {
            return;
          }
          if (spec[0] === "up") {
            other.parentNode.insertBefore(row, other);
          } else {
            other.parentNode.insertBefore(other, row);
          }
          renumber();
          button.focus();
          group.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
        });
        last.insertAdjacentElement("afterend", button);
        last = button;
      });
    }

    rows().forEach(addButtons);
    group.addEventListener("change", renumber);
    group.addEventListener("input", function (event) {
      if (!event.target.classList.contains("row-position")) {
        renumber();
      }
    });
    document.addEventListener("formset:added", function (event) {
      if (group.contains(event.target)) {
        addButtons(event.target);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".inline-group").forEach(function (group) {
      if (group.querySelector("input.row-position")) {
        orderRows(group);
      }
    });
    var form = document.querySelector("#article_form, #person_form");
    if (!form) {
      return;
    }
    scheduleLabel(form);
    warnBeforeLeaving(form);
    showPresence(form);
  });
})();
