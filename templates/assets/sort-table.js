// Sortable tables (table.sortable): each column heading with data-sort becomes a button that
// sorts the rows by the cells' data-value (numbers or text) and says so with aria-sort.
// Without this script the table reads as built, in its first column's order.
"use strict";
document.querySelectorAll("table.sortable").forEach((table) => {
  const body = table.tBodies[0];
  const headings = Array.from(table.tHead.rows[0].cells);
  headings.forEach((th, column) => {
    if (!th.dataset.sort) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    button.append(...th.childNodes);
    th.append(button);
    button.addEventListener("click", () => {
      const order = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      const numeric = th.dataset.sort === "number";
      const key = (row) => row.cells[column].dataset.value || "";
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === "" || y === "") return (x === "") - (y === "");  // blanks last
        const diff = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return order === "ascending" ? diff : -diff;
      });
      body.append(...rows);
      headings.forEach((other) => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", order);
    });
  });
});
