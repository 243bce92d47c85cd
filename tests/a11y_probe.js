/* In-page helpers for the browser tests (tests/test_browser_a11y.py), added to every page
   before its own scripts run. Nothing here changes how a page behaves for its visitor: it
   only watches and measures, and the state classes it adds (for hover, visited and focus)
   are removed again at once.

   window.__oxProbe:
   - focus walk: each Tab keydown records the element focused at that moment (where the
     previous Tab left focus, after the page scrolled to it), so a whole walk costs one
     round trip per key press. status() says when a walk is complete; entries() lists what
     was seen: each focused element, and whether it is on screen and not covered (WCAG
     2.2 2.4.11 Focus Not Obscured).
   - focusCheck(el): is el on screen and not covered? elementFromPoint at the corners of
     each of its boxes (a link over two lines has two) must find el, inside el, or an
     element el is inside (its own background), never something else drawn over it.
   - states(): the contrast of every link's and control's text in the states axe-core
     cannot see (hover, visited, visited+hover, focus, visited+focus: WCAG 1.4.6 at 7:1,
     large text 4.5:1), and whether focus changes how it looks (WCAG 2.4.7). Each state
     is made by a copy of the site's own :hover/:visited/:focus rules, written in place
     beside the original so the cascade order is kept, that matches a class instead.
   - clickThenTab(): a pointer click on text deep in <main>, for the test that Tab then
     goes on from there (focus order after a click follows the page). */
(function () {
  "use strict";
  var P = window.__oxProbe = {};
  var ids = new WeakMap();
  var nextId = 1;

  function idOf(el) {
    if (!ids.has(el)) { ids.set(el, nextId++); }
    return ids.get(el);
  }

  function describe(el) {
    if (!el || !el.tagName) { return "(nothing)"; }
    var name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      Array.prototype.slice.call(el.classList, 0, 2).map(function (c) { return "." + c; }).join("");
    var text = (el.getAttribute("aria-label") || el.textContent || el.value || "").replace(/\s+/g, " ").trim();
    return name + (text ? ' "' + text.slice(0, 40) + '"' : "");
  }
  P.describe = describe;

  // ------------------------------------------------------------------ focus not obscured
  P.focusCheck = function (el) {
    var doc = document.documentElement;
    var width = doc.clientWidth, height = doc.clientHeight;
    var boxes = Array.prototype.filter.call(el.getClientRects(), function (r) { return r.width > 0 && r.height > 0; });
    if (!boxes.length) { return "it has no box on the page (not rendered)"; }
    var onScreen = false;
    for (var i = 0; i < boxes.length; i++) {
      var r = boxes[i];
      var left = Math.max(r.left, 0), top = Math.max(r.top, 0);
      var right = Math.min(r.right, width), bottom = Math.min(r.bottom, height);
      if (right - left < 1 || bottom - top < 1) { continue; }
      onScreen = true;
      var dx = Math.min(2, (right - left) / 2), dy = Math.min(2, (bottom - top) / 2);
      var corners = [[left + dx, top + dy], [right - dx, top + dy], [left + dx, bottom - dy], [right - dx, bottom - dy]];
      for (var j = 0; j < corners.length; j++) {
        var hit = document.elementFromPoint(corners[j][0], corners[j][1]);
        if (!hit || !(hit === el || el.contains(hit) || hit.contains(el))) {
          return "covered at (" + Math.round(corners[j][0]) + ", " + Math.round(corners[j][1]) + ") by " +
            describe(hit) + " (page scrolled to " + Math.round(window.scrollY) + "px)";
        }
      }
    }
    if (!onScreen) {
      var b = el.getBoundingClientRect();
      return "off screen (its box is at " + Math.round(b.left) + ", " + Math.round(b.top) + "; the window is " +
        width + "x" + height + ")";
    }
    return null;
  };

  var walk = null;

  function record() {
    var el = document.activeElement;
    if (!walk || walk.done) { return; }
    if (!el || el === document.body || el === document.documentElement) {
      if (walk.entries.length && walk.direction === "forward") { walk.done = true; }
      return;
    }
    var id = idOf(el);
    walk.seen[id] = true;
    var problem = P.focusCheck(el);
    walk.entries.push({ id: id, name: describe(el), problem: problem });
    if (walk.direction === "backward" && walk.want.every(function (w) { return walk.seen[w]; })) { walk.done = true; }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Tab") { record(); }
  }, true);

  P.startWalk = function (direction, want) {
    walk = { direction: direction, entries: [], seen: {}, done: false, want: want || [] };
  };
  P.status = function () { return { done: walk.done, count: walk.entries.length }; };
  P.finishWalk = function () {
    record();
    var result = walk;
    walk = null;
    return {
      done: result.done, entries: result.entries,
      ids: result.entries.map(function (e) { return e.id; })
        .filter(function (id, i, all) { return all.indexOf(id) === i; })
    };
  };

  // --------------------------------------------------------------------------- contrast
  function parse(color) {
    var m = /rgba?\(([^)]+)\)/.exec(color || "");
    if (!m) { return null; }
    var parts = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  }

  function over(top, bottom) {
    var a = top.a + bottom.a * (1 - top.a);
    if (!a) { return { r: 0, g: 0, b: 0, a: 0 }; }
    function mix(k) { return (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a; }
    return { r: mix("r"), g: mix("g"), b: mix("b"), a: a };
  }

  function luminance(c) {
    function channel(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  }

  function ratio(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }

  function background(el) {
    var layers = [];
    for (var node = el; node && node.nodeType === 1; node = node.parentElement) {
      var style = getComputedStyle(node);
      if (style.backgroundImage && style.backgroundImage !== "none") { return null; }  // a picture or gradient: axe's job
      var c = parse(style.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) { break; } }
    }
    var result = { r: 255, g: 255, b: 255, a: 1 };
    for (var i = layers.length - 1; i >= 0; i--) { result = over(layers[i], result); }
    return result;
  }

  function hex(c) {
    return "#" + [c.r, c.g, c.b].map(function (v) { return ("0" + Math.round(v).toString(16)).slice(-2); }).join("");
  }

  function hasText(el) {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) { return !/^(radio|checkbox|hidden|submit|button|image|range|color)$/.test(el.type); }
    return Array.prototype.some.call(el.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
  }

  function visible(el) {
    var style = getComputedStyle(el);
    if (style.visibility !== "visible" || style.display === "none") { return false; }
    var r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  }

  /* The contrast of el's text, and of the text of everything inside it; null when it is
     enough (7:1, or 4.5:1 for large text: 24px, or 18.66px bold), else the worst. */
  function textContrast(root, state) {
    var worst = null;
    var nodes = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
    nodes.forEach(function (el) {
      if (!hasText(el) || !visible(el)) { return; }
      var style = getComputedStyle(el);
      var bg = background(el);
      var fg = parse(style.color);
      if (!bg || !fg) { return; }
      var size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
      var need = size >= 24 || (bold && size >= 18.66) ? 4.5 : 7;
      var text = over(fg, bg);
      var value = ratio(text, bg);
      if (value + 0.005 < need && (!worst || value < worst.ratio)) {
        worst = { state: state, name: describe(el), ratio: Math.round(value * 100) / 100, need: need,
                  fg: hex(text), bg: hex(bg), size: Math.round(size * 10) / 10, bold: bold };
      }
    });
    return worst;
  }

  var STATES = {
    "hover": ["hover"], "visited": ["visited"], "visited+hover": ["visited", "hover"],
    "focus": ["focus"], "visited+focus": ["visited", "focus"]
  };
  var PSEUDO = [[/:focus-visible\b/g, ".ox-probe-focus"], [/:focus(?![-\w])/g, ".ox-probe-focus"],
                [/:hover\b/g, ".ox-probe-hover"], [/:visited\b/g, ".ox-probe-visited"]];
  var rewritten = false;

  function splitSelectors(text) {
    var out = [], depth = 0, start = 0;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (ch === "(") { depth++; } else if (ch === ")") { depth--; }
      else if (ch === "," && depth === 0) { out.push(text.slice(start, i)); start = i + 1; }
    }
    out.push(text.slice(start));
    return out.map(function (s) { return s.trim(); });
  }

  function rewriteRules(rules) {
    Array.prototype.forEach.call(rules, function (rule) {
      if (rule.cssRules && !rule.selectorText) { rewriteRules(rule.cssRules); return; }
      if (!rule.selectorText || !/:(hover|visited|focus)/.test(rule.selectorText)) { return; }
      var extra = splitSelectors(rule.selectorText).filter(function (s) { return /:(hover|visited|focus)/.test(s); })
        .map(function (s) { PSEUDO.forEach(function (p) { s = s.replace(p[0], p[1]); }); return s; });
      rule.selectorText = rule.selectorText + ", " + extra.join(", ");
    });
  }

  function rewrite() {
    if (rewritten) { return; }
    rewritten = true;
    Array.prototype.forEach.call(document.styleSheets, function (sheet) {
      try { rewriteRules(sheet.cssRules); } catch (e) { /* another origin: there is none */ }
    });
  }

  function stateClasses(el, names, on) {
    names.forEach(function (name) {
      if (name === "hover") {  // :hover applies to the element and everything it is inside
        for (var node = el; node && node.nodeType === 1; node = node.parentElement) { node.classList.toggle("ox-probe-hover", on); }
      } else {
        el.classList.toggle("ox-probe-" + name, on);
      }
    });
  }

  function looks(el) {
    var s = getComputedStyle(el);
    var outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 1 && (parse(s.outlineColor) || { a: 0 }).a > 0;
    return [outline ? s.outlineStyle + s.outlineWidth + s.outlineColor : "", s.boxShadow, s.backgroundColor,
            s.color, s.borderColor, s.textDecorationLine].join("|");
  }

  P.states = function () {
    rewrite();
    var problems = [];
    var controls = document.querySelectorAll("a[href], button, summary, input, textarea, select");
    Array.prototype.forEach.call(controls, function (el) {
      if (!visible(el) && el.tagName !== "INPUT") { return; }
      var link = el.tagName === "A";
      Object.keys(STATES).forEach(function (state) {
        var names = STATES[state];
        if (!link && names.indexOf("visited") >= 0) { return; }
        var before = names.indexOf("focus") >= 0 ? (stateClasses(el, names.filter(function (n) { return n !== "focus"; }), true), looks(el)) : null;
        stateClasses(el, names, true);
        if (visible(el)) {
          var worst = textContrast(el, state);
          if (worst) { problems.push(worst); }
          if (before !== null && looks(el) === before) {
            problems.push({ state: state, name: describe(el), indicator: false });
          }
        }
        stateClasses(el, ["hover", "visited", "focus"], false);
      });
    });
    return problems;
  };

  // --------------------------------------------------------------- click, then Tab
  var TABBABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
                 "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

  /* Click on the last piece of text in <main> that has something focusable before it (so a
     Tab that wrongly starts again at the top of <main> is noticed), away from anything a
     click would focus. Returns its description and where to click, or null. */
  P.clickTarget = function () {
    var main = document.querySelector("main");
    if (!main) { return null; }
    var focusables = Array.prototype.filter.call(main.querySelectorAll(TABBABLE), visible);
    if (!focusables.length) { return null; }
    var first = focusables[0];
    var texts = Array.prototype.filter.call(main.querySelectorAll("p, li, dd, dt, h2, h3, .ox-hint, td"), function (el) {
      return visible(el) && hasText(el) && !el.closest("a, button, label, summary, [tabindex]") &&
        (first.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) && !first.contains(el);
    });
    /* From the last, the first that a click would really reach (a card's summary is covered
       by its link, which makes the whole card clickable). */
    for (var i = texts.length - 1; i >= 0; i--) {
      var target = texts[i];
      target.scrollIntoView({ block: "center" });
      var textNode = Array.prototype.find.call(target.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
      var range = document.createRange();
      range.selectNodeContents(textNode);
      var r = range.getClientRects()[0];
      if (!r) { continue; }
      var x = r.left + Math.min(4, r.width / 2), y = r.top + r.height / 2;
      var hit = document.elementFromPoint(x, y);
      if (hit === target || (target.contains(hit) && !hit.closest("a, button, label, summary"))) {
        P.clicked = target;
        return { name: describe(target), x: x, y: y, hits: true };
      }
    }
    return null;  // everything after the first link is inside links (a list of cards)
  };

  P.afterClickTab = function () {
    var el = document.activeElement;
    var follows = !!(P.clicked.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) && !el.contains(P.clicked);
    return { focused: describe(el), follows: follows, main: el.tagName === "MAIN" };
  };

  // ------------------------------------------------------------------ in-page links
  /* Links to another place on the same page (the skip link, a list of contents): the test
     scrolls to the bottom, focuses the link by script, follows it with Enter and Tabs on. */
  P.inPageLinks = function () {
    return Array.prototype.filter.call(document.querySelectorAll('a[href^="#"]'), function (a) {
      return a.getAttribute("href").length > 1 && document.getElementById(a.getAttribute("href").slice(1));
    }).length;
  };
  P.focusInPageLink = function (index) {
    var links = Array.prototype.filter.call(document.querySelectorAll('a[href^="#"]'), function (a) {
      return a.getAttribute("href").length > 1 && document.getElementById(a.getAttribute("href").slice(1));
    });
    if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }  // focus() on the focused element does nothing
    window.scrollTo(0, document.documentElement.scrollHeight);
    links[index].focus();
    return { name: describe(links[index]), problem: P.focusCheck(links[index]) };
  };
  P.checkActive = function () {
    var el = document.activeElement;
    if (!el || el === document.body) { return { name: "(nothing)", problem: null }; }
    return { name: describe(el), problem: P.focusCheck(el) };
  };

  // ------------------------------------------------------------------------ privacy
  /* What a page left behind on the device: nothing may be stored (a parent's phone may be
     looked at by someone else). */
  P.leftBehind = async function () {
    var found = [];
    if (document.cookie) { found.push("cookies: " + document.cookie); }
    if (window.localStorage && localStorage.length) { found.push("localStorage: " + Object.keys(localStorage).join(", ")); }
    if (window.sessionStorage && sessionStorage.length) { found.push("sessionStorage: " + Object.keys(sessionStorage).join(", ")); }
    if (window.indexedDB && indexedDB.databases) {
      var dbs = await indexedDB.databases();
      if (dbs.length) { found.push("IndexedDB: " + dbs.map(function (d) { return d.name; }).join(", ")); }
    }
    if (window.caches) {
      var keys = await caches.keys();
      if (keys.length) { found.push("Cache Storage: " + keys.join(", ")); }
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      var workers = await navigator.serviceWorker.getRegistrations();
      if (workers.length) { found.push(workers.length + " service worker(s)"); }
    }
    return found;
  };

  P.activeIsMain = function () { return document.activeElement && document.activeElement.tagName === "MAIN"; };
})();
