/* CSV that a spreadsheet shows and never runs, whatever separator it splits on.
 *
 * Every cell is quoted. A cell, and every part of it a spreadsheet could split off (after
 * any of , ; tab | CR LF, ignoring leading spaces), that starts with = + - @ tab or CR gets
 * a ' in front, so "Jane;=SUM(1+1);" cannot become a formula in a locale that splits on ;.
 * (The same rule as the CLI's export.) Rows end in CRLF (RFC 4180); a byte-order mark
 * tells spreadsheets the file is UTF-8.
 */
(function () {
  "use strict";
  var Ix = (window.Ix = window.Ix || {});
  var SEPARATORS = ",;\t|\r\n";
  var TRIGGERS = "=+-@\t\r";

  function cell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    var out = "";
    var start = true;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (start && ch !== " ") {
        if (TRIGGERS.indexOf(ch) !== -1) out += "'";
        start = false;
      }
      out += ch;
      if (SEPARATORS.indexOf(ch) !== -1) start = true;
    }
    return '"' + out.replace(/"/g, '""') + '"';
  }

  function build(rows) {
    return "\uFEFF" + rows.map(function (row) { return row.map(cell).join(","); }).join("\r\n") + "\r\n";
  }

  Ix.csv = { cell: cell, build: build };
})();
