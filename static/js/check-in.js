// Check-in at the door, as progressive enhancement: codes are sent without reloading the
// page, and the camera scans QR codes where the browser offers BarcodeDetector;
// otherwise the form takes a typed or hardware-scanned code.
(function () {
  "use strict";
  var form = document.getElementById("code-form");
  var input = document.getElementById("code");
  var result = document.getElementById("scan-result");
  var count = document.getElementById("checkin-count");
  if (!form || !input || !result) return;

  function submit(code) {
    var data = new FormData(form);
    data.set("code", code);
    return fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        result.textContent = body.message;
        result.className = "scan-result notice " +
          (body.ok ? (body.already ? "notice--warning" : "notice--success") : "notice--error");
        if (body.ok && !body.already) count.textContent = String(parseInt(count.textContent, 10) + 1);
      });
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch) return;
    event.preventDefault();
    if (input.value.trim()) {
      submit(input.value.trim()).then(function () { input.value = ""; input.focus(); });
    }
  });

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var start = document.getElementById("scanner-start");
  start.hidden = false;
  start.addEventListener("click", function () {
    var video = document.getElementById("scanner-video");
    var detector = new BarcodeDetector({ formats: ["qr_code"] });
    var last = "";
    var busy = false;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.play();
      document.getElementById("scanner").hidden = false;
      start.hidden = true;
      setInterval(function () {
        if (busy) return;
        detector.detect(video).then(function (codes) {
          if (!codes.length || codes[0].rawValue === last) return;
          last = codes[0].rawValue;
          busy = true;
          submit(last).finally(function () {
            busy = false;
            setTimeout(function () { last = ""; }, 3000);
          });
        }).catch(function () {});
      }, 400);
    }).catch(function () {
      result.textContent = start.getAttribute("data-camera-unavailable");
    });
  });
})();
