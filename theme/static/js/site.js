/* Small enhancements only: every page works without this file.
   Exit this page: pressing Shift three times within a second leaves the site, and
   leaving replaces this page in the history so "Back" does not return to it. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("ox-no-js");
  root.classList.add("ox-js");

  var exit = document.getElementById("exit-this-page");
  if (!exit) { return; }

  function leave(event) {
    if (event) { event.preventDefault(); }
    document.title = "Loading";
    document.body.style.visibility = "hidden";
    window.location.replace(exit.href);
  }

  exit.addEventListener("click", leave);

  var presses = [];
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { presses = []; return; }
    var now = Date.now();
    presses = presses.filter(function (time) { return now - time < 1000; });
    presses.push(now);
    if (presses.length >= 3) { presses = []; leave(); }
  });
})();
