// A form with data-confirm="question" asks before it is sent (an onsubmit="" attribute
// would be refused by the Content-Security-Policy).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
