// Elements with data-poll="<status url>" reload the page once the PDF they wait for is ready.
(function () {
  "use strict";
  var waiting = document.querySelector("[data-poll]");
  if (!waiting || !window.fetch) return;
  var url = waiting.getAttribute("data-poll");
  function check() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        var pending = ["queued", "running"];
        if (pending.indexOf(state.version) === -1 && pending.indexOf(state.final) === -1) {
          window.location.reload();
        } else {
          window.setTimeout(check, 1500);
        }
      })
      .catch(function () { window.setTimeout(check, 5000); });
  }
  window.setTimeout(check, 1500);
})();
