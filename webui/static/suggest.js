// Suggestions under the search box as the reader types: an ARIA combobox. Each
// keystroke (debounced) asks /api/suggest; arrows move through the list, Enter picks
// (and searches), Escape closes, the mouse picks too. Without JavaScript the box is a
// plain search box.
(function () {
  "use strict";
  var DEBOUNCE_MS = 120;
  var LIMIT = 8;

  function enhance(input) {
    var list = document.getElementById(input.getAttribute("aria-controls") || "q-suggestions");
    if (!list) return;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var timer = null;
    var asked = 0;
    var active = -1;

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(index) {
      var all = options();
      active = index;
      all.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (index >= 0) input.setAttribute("aria-activedescendant", all[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function pick(option) {
      input.value = option.getAttribute("data-value");
      close();
      input.form.requestSubmit();
    }

    function show(data) {
      if (!data.suggestions.length) { close(); return; }
      list.replaceChildren.apply(list, data.suggestions.map(function (suggestion, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-value", suggestion.text);
        option.innerHTML = suggestion.html;  // the text escaped by the server, the typed part marked
        option.addEventListener("mousedown", function (event) { event.preventDefault(); pick(option); });
        return option;
      }));
      active = -1;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function ask() {
      var typed = input.value;
      if (!typed.trim()) { close(); return; }
      var mine = ++asked;
      var url = input.getAttribute("data-suggest") + "?" + new URLSearchParams({ q: typed, limit: String(LIMIT) });
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && mine === asked) show(data); })
        .catch(function () { /* no suggestions: the box still searches */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      var count = options().length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        choose((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        choose(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
        event.preventDefault();
        pick(options()[active]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        asked++;
        close();
      }
    });
    input.addEventListener("blur", function () { asked++; close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[data-suggest]");
    if (input) enhance(input);
  });
})();
