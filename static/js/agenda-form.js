// The agenda form grows by one empty row per click on "Add an item" (without script,
// the server's spare rows do).
(function () {
  "use strict";
  var add = document.getElementById("agenda-add");
  var total = document.getElementById("id_agenda-TOTAL_FORMS");
  var template = document.getElementById("agenda-empty");
  var rows = document.getElementById("agenda-rows");
  if (!add || !template || !total || !rows) return;
  add.hidden = false;
  add.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, index));
    total.value = index + 1;
    rows.lastElementChild.querySelector("input").focus();
  });
})();
