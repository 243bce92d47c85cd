/* Site search (only on /search/). The page lists every page without JavaScript; this
   script shows the search form and asks the Pagefind index, which is loaded from this
   site the first time someone searches. Results are built as DOM nodes (no innerHTML). */
(function () {
  "use strict";
  var root = document.querySelector('[data-module="ox-search"]');
  if (!root || !window.fetch || !window.URLSearchParams) { return; }

  var form = root.querySelector("form");
  var input = root.querySelector("input[type=search]");
  var status = root.querySelector("[role=status]");
  var list = root.querySelector("ol");
  var bundleUrl = new URL(root.getAttribute("data-pagefind"), document.baseURI).href;
  var siteRoot = new URL(root.getAttribute("data-site-root") || "/", document.baseURI).pathname;
  var loading = null;
  var latest = 0;

  root.hidden = false;

  function engine() {
    if (!loading) {
      loading = import(bundleUrl).then(function (pagefind) {
        return Promise.resolve(pagefind.options({ baseUrl: siteRoot, excerptLength: 24 }))
          .then(function () { return pagefind; });
      });
    }
    return loading;
  }

  function say(text) { status.textContent = text; }

  function excerpt(html) {
    // Pagefind's excerpt is escaped text with <mark> around matches: keep only those.
    var parsed = new DOMParser().parseFromString(html, "text/html").body;
    var p = document.createElement("p");
    parsed.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function show(term, items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "ox-search__result";
      var h = document.createElement("h2");
      h.className = "ox-search__result-title";
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = (item.meta && item.meta.title) || item.url;
      h.appendChild(a);
      li.appendChild(h);
      li.appendChild(excerpt(item.excerpt || ""));
      list.appendChild(li);
    });
    if (!items.length) {
      say("No pages found for \u2018" + term + "\u2019. Check the spelling, try another word, or find the page in the list of all pages below.");
    } else {
      say(items.length + (items.length === 1 ? " page" : " pages") + " found for \u2018" + term + "\u2019.");
    }
  }

  function search(term) {
    term = term.trim();
    var ticket = ++latest;
    list.textContent = "";
    if (!term) { say("Type a word to search for."); return; }
    say("Searching\u2026");
    engine()
      .then(function (pagefind) { return pagefind.search(term); })
      .then(function (response) {
        return Promise.all(response.results.slice(0, 20).map(function (r) { return r.data(); }));
      })
      .then(function (items) { if (ticket === latest) { show(term, items); } })
      .catch(function () {
        if (ticket === latest) { say("Search is not working at the moment. Find the page in the list of all pages below."); }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var term = input.value;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?q=" + encodeURIComponent(term.trim()));
    }
    search(term);
  });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
})();
