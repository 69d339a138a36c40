// The header's menus are <details> elements and work without this script. With it, opening
// one closes the others, Escape closes the open one (focus back on its button), and a click
// elsewhere on the page closes it.
(function () {
  "use strict";
  function menus() {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-lw-menu]"));
  }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details[data-lw-menu]") || !opened.open) return;
    menus().forEach(function (menu) {
      if (menu !== opened && !menu.contains(opened)) menu.open = false;
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (menu) {
      if (menu.open && menu.contains(document.activeElement)) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
})();
