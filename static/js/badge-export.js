// The badge-sheet page follows its export: the bar moves, and the download link
// appears when the PDF is ready.
(function () {
  "use strict";
  var box = document.getElementById("export");
  var fill = document.getElementById("export-fill");
  var link = document.getElementById("export-download");
  if (!box || !fill || !link || !window.fetch) return;
  var label = document.getElementById("export-label");
  var error = document.getElementById("export-error");
  var bar = fill.parentNode;
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        fill.style.width = state.progress + "%";
        bar.setAttribute("aria-valuenow", state.progress);
        label.textContent = state.label;
        error.textContent = state.error || "";
        if (state.download) { link.hidden = false; return; }
        if (state.status !== "failed") setTimeout(poll, 800);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  if (link.hidden) poll();
})();
