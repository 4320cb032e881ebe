// Tag boxes that suggest known tags as you type: the story form's tags (names separated by commas) and the story
// list's tag filter (one name, chosen = filtered). A list box under the box, by mouse or by arrow keys and Enter.
(function () {
  "use strict";
  var boxes = 0;

  function attach(input) {
    var url = input.getAttribute("data-tag-suggestions");
    var single = input.hasAttribute("data-tag-single");
    var list = document.createElement("ul");
    var active = -1;
    var timer = null;
    var asked = 0;
    boxes += 1;
    list.id = "tag-suggestions-" + boxes;
    list.className = "tag-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested tags");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    function names() {
      return single ? [input.value] : input.value.split(",");
    }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(name) {
      if (single) {
        input.value = name;
      } else {
        var parts = names();
        parts[parts.length - 1] = (parts.length > 1 ? " " : "") + name;
        input.value = parts.join(",") + ", ";
      }
      close();
      input.focus();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      if (single && input.form) {
        input.form.requestSubmit();
      }
    }

    function highlight(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i += 1) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      input.setAttribute("aria-activedescendant", options[index].id);
    }

    function show(found) {
      var chosen = names().slice(0, -1).map(function (name) { return name.trim().toLowerCase(); });
      var fresh = found.filter(function (name) { return chosen.indexOf(name.toLowerCase()) === -1; });
      list.replaceChildren.apply(list, fresh.map(function (name, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = name;
        // mousedown, not click: the box keeps its focus, so its blur does not close the list first.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(name);
        });
        return option;
      }));
      active = -1;
      list.hidden = fresh.length === 0;
      input.setAttribute("aria-expanded", fresh.length ? "true" : "false");
    }

    input.addEventListener("input", function () {
      var parts = names();
      var typed = parts[parts.length - 1].trim();
      window.clearTimeout(timer);
      if (!typed) {
        close();
        return;
      }
      timer = window.setTimeout(function () {
        var question = (asked += 1);
        fetch(url + "?q=" + encodeURIComponent(typed), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { tags: [] }; })
          .then(function (data) { if (question === asked) { show(data.tags); } })
          .catch(function () { close(); });
      }, 150);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      var count = list.children.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, count - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(list.children[active].textContent);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-tag-suggestions]").forEach(attach);
  });
})();
