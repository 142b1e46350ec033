// Find a facet value by typing: each keystroke (debounced) asks /api/facets/<name> for the
// values that contain the text, accents optional, and lists them as links. Without
// JavaScript the same box submits the page, which lists them itself.
(function () {
  "use strict";
  var DEBOUNCE_MS = 200;
  var FOUND_LIMIT = 50;

  function toggleUrl(name, value, selected) {
    var params = new URLSearchParams(window.location.search);
    ["page", "facet", "facet_q"].forEach(function (key) { params.delete(key); });
    var values = params.getAll(name).filter(function (v) { return v !== value; });
    if (!selected) values.push(value);
    params.delete(name);
    values.forEach(function (v) { params.append(name, v); });
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  function valueItem(name, bucket) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.className = "facet-link" + (bucket.selected ? " selected" : "");
    link.href = toggleUrl(name, bucket.value, bucket.selected);
    if (bucket.selected) link.setAttribute("aria-current", "true");
    var check = document.createElement("span");
    check.className = "check";
    check.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.className = "facet-name";
    label.textContent = bucket.value;
    var count = document.createElement("span");
    count.className = "facet-count";
    count.textContent = bucket.count.toLocaleString("vi-VN");
    link.append(check, label, count);
    item.append(link);
    return item;
  }

  function enhance(form) {
    var facet = form.closest(".facet");
    var name = facet.getAttribute("data-facet");
    var input = form.querySelector("input[name=facet_q]");
    var original = Array.prototype.slice.call(facet.children).filter(function (el) { return el !== form; });
    var results = document.createElement("div");
    results.className = "facet-found-values";
    results.hidden = true;
    var status = document.createElement("p");
    status.className = "facet-found muted";
    status.setAttribute("role", "status");
    var list = document.createElement("ul");
    list.className = "facet-values";
    results.append(status, list);
    form.after(results);
    var timer = null;
    var asked = 0;

    function restore() {
      results.hidden = true;
      original.forEach(function (el) { if (el.tagName !== "H3") el.hidden = false; });
    }

    function show(data) {
      list.replaceChildren.apply(list, data.values.map(function (b) { return valueItem(name, b); }));
      status.textContent = data.total.toLocaleString("vi-VN") + " giá trị có “" + data.facet_q + "”";
      original.forEach(function (el) { if (el.tagName !== "H3") el.hidden = true; });
      results.hidden = false;
    }

    function ask() {
      var text = input.value.trim();
      if (!text) { restore(); return; }
      var params = new URLSearchParams(new FormData(form));
      params.delete("facet");
      params.set("facet_size", String(FOUND_LIMIT));
      var mine = ++asked;
      fetch(form.getAttribute("data-api") + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && mine === asked) show(data); })
        .catch(function () { /* the box still works by submitting the form */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; asked++; restore(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.facet-find"), enhance);
  });
})();
