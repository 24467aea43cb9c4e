// "Select all on this page": a header checkbox ticks or clears every row's checkbox of the same name.
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    const name = all.getAttribute("data-select-all");
    const boxes = function () {
      return document.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
})();
