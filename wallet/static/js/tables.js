// On a phone a table with several columns becomes a list of cards: each cell shows its
// column's heading before it. The headings are copied from the table's own header row, so
// no template repeats them; without this script the cells wrap instead (see app.css). A
// table marked lw-no-stack keeps its columns (and scrolls in its .lw-table-scroll box).
(function () {
  "use strict";
  var tables = document.querySelectorAll("main table.utrecht-table");
  Array.prototype.forEach.call(tables, function (table) {
    if (table.classList.contains("lw-no-stack") || !table.tHead) return;
    var headings = Array.prototype.map.call(
      table.tHead.rows[table.tHead.rows.length - 1].cells,
      function (cell) { return cell.textContent.trim(); }
    );
    if (headings.length < 3) return;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (headings[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("lw-stack");
  });
})();
