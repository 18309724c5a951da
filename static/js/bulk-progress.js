// The bulk-send page follows its batch: the bar moves, and the list refreshes when done.
(function () {
  "use strict";
  var card = document.querySelector("[data-bulk-poll]");
  if (!card || !window.fetch) return;
  var fill = document.getElementById("bulk-fill");
  var percent = document.getElementById("bulk-percent");
  var bar = card.querySelector("[role=progressbar]");
  function check() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        fill.style.width = state.percent + "%";
        percent.textContent = state.percent + "%";
        bar.setAttribute("aria-valuenow", state.percent);
        if (state.done) { window.location.reload(); } else { window.setTimeout(check, 1200); }
      })
      .catch(function () { window.setTimeout(check, 4000); });
  }
  window.setTimeout(check, 1000);
})();
