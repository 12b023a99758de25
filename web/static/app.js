// tuopin: the little behaviour the pages need beyond htmx. No inline
// script is allowed by the Content-Security-Policy, so everything is wired
// here by data attributes:
//
//   <select data-autosubmit>       submits its form on change
//   <button data-add-member>       appends a member row from <template id="member-row">
//   <button data-remove-row>       removes its table row (and the row after
//                                  it when that one is marked data-row-more)
//   <form data-confirm="text">     asks before submitting
(function () {
  "use strict";

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // renumber shows 1, 2, 3 … in the first cell of the member rows.
  function renumber(tbody) {
    var rows = tbody.querySelectorAll("tr[data-index]");
    for (var i = 0; i < rows.length; i++) {
      var idx = rows[i].querySelector(".idx");
      if (idx) { idx.textContent = String(i + 1); }
    }
    var empty = document.getElementById("members-empty");
    if (empty) { empty.hidden = rows.length > 0; }
  }

  // nextIndex returns an index no row uses yet; the server orders rows by
  // index and renumbers them, so gaps do not matter.
  function nextIndex(tbody) {
    var max = -1;
    tbody.querySelectorAll("tr[data-index]").forEach(function (tr) {
      var n = parseInt(tr.getAttribute("data-index"), 10);
      if (n > max) { max = n; }
    });
    return max + 1;
  }

  document.addEventListener("click", function (e) {
    var add = e.target.closest && e.target.closest("[data-add-member]");
    if (add) {
      e.preventDefault();
      var tpl = document.getElementById("member-row");
      var tbody = document.getElementById("members");
      if (!tpl || !tbody) { return; }
      var i = String(nextIndex(tbody));
      var html = tpl.innerHTML.replace(/__i__/g, i);
      tbody.insertAdjacentHTML("beforeend", html);
      renumber(tbody);
      var added = tbody.querySelectorAll("tr[data-index]");
      var last = added[added.length - 1];
      var first = last && last.querySelector("input:not([type=hidden])");
      if (first) { first.focus(); }
      return;
    }
    var rm = e.target.closest && e.target.closest("[data-remove-row]");
    if (rm) {
      e.preventDefault();
      var tr = rm.closest("tr");
      var body = tr && tr.parentNode;
      var more = tr && tr.nextElementSibling;
      if (more && more.hasAttribute("data-row-more")) { more.remove(); }
      if (tr) { tr.remove(); }
      if (body) { renumber(body); }
    }
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
})();
