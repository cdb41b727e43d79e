// The session form keeps what was typed in the browser (localStorage)
// while it is filled in, so a dropped connection or a closed tab loses
// nothing: the draft comes back on the next visit, and is forgotten once
// the case page says the session was saved.
(function () {
  "use strict";
  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var ls = store();
    if (!ls) return;
    var saved = document.getElementById("session-saved");
    if (saved && saved.dataset.draftKey) {
      ls.removeItem(saved.dataset.draftKey);
    }
    var form = document.getElementById("session-form");
    if (!form || !form.dataset.draftKey) return;
    var key = form.dataset.draftKey;
    var restored = false;
    var draft = null;
    try { draft = JSON.parse(ls.getItem(key) || "null"); } catch (e) { draft = null; }
    // A form sent back with an error holds what was sent: keep it.
    if (draft && !document.getElementById("session-error")) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || !(el.name in draft)) return;
        var v = draft[el.name];
        if (el.type === "radio") {
          el.checked = el.value === v;
        } else if (el.type === "checkbox") {
          el.checked = Array.isArray(v) && v.indexOf(el.value) >= 0;
        } else {
          el.value = v;
        }
        restored = true;
      });
      if (restored) {
        var note = document.getElementById("draft-restored");
        if (note) note.classList.remove("d-none");
      }
    }
    function save() {
      var d = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name) return;
        if (el.type === "checkbox") {
          d[el.name] = d[el.name] || [];
          if (el.checked) d[el.name].push(el.value);
        } else if (el.type === "radio") {
          if (el.checked) d[el.name] = el.value;
        } else {
          d[el.name] = el.value;
        }
      });
      try { ls.setItem(key, JSON.stringify(d)); } catch (e) { /* full: nothing to do */ }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  });
})();
