// A page that waits for a worker marks the waiting part with data-poll="<status.json URL>"
// (core/progress.py). This asks that URL until the job is done, moving the bar
// ([data-poll-fill] in a role=progressbar), the percentage ([data-poll-percent]) and the
// message ([data-poll-message]) on the way, then reloads the page, which shows the result.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-poll");
  var fill = box.querySelector("[data-poll-fill]");
  var bar = fill && fill.closest("[role=progressbar]");
  var percent = box.querySelector("[data-poll-percent]");
  var message = box.querySelector("[data-poll-message]");

  function show(job) {
    if (job.percent !== null && fill) {
      Array.prototype.slice.call(fill.classList).forEach(function (name) {
        if (/^w-\d+$/.test(name)) fill.classList.remove(name);
      });
      fill.classList.add("w-" + job.percent);
      if (bar) bar.setAttribute("aria-valuenow", job.percent);
    }
    if (job.percent !== null && percent) percent.textContent = job.percent + "%";
    if (message && job.message) message.textContent = job.message;
  }

  function check() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.done) { window.location.reload(); } else { window.setTimeout(check, 1500); }
      })
      .catch(function () { window.setTimeout(check, 5000); });
  }
  window.setTimeout(check, 1000);
})();
