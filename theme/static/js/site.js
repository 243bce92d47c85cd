/* Small enhancements only: every page works without this file.
   Exit this page: pressing Shift three times within a second leaves the site, and
   leaving replaces this page in the history so "Back" does not return to it. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("ox-no-js");
  root.classList.add("ox-js");

  /* Skip link (after GOV.UK Frontend's SkipLink): the element it points to (<main>) can
     take focus only while the skip link has sent focus there. <main> has no tabindex of
     its own, so a click anywhere in the page never gives it focus, and Tab goes on from
     where the click was (focus order follows the page). */
  Array.prototype.forEach.call(document.querySelectorAll(".ox-skip-link"), function (link) {
    var href = link.getAttribute("href") || "";
    var target = href.charAt(0) === "#" ? document.getElementById(href.slice(1)) : null;
    if (!target) { return; }
    link.addEventListener("click", function () {
      if (target.hasAttribute("tabindex")) { target.focus(); return; }
      target.setAttribute("tabindex", "-1");
      target.addEventListener("blur", function () { target.removeAttribute("tabindex"); }, { once: true });
      target.focus();
    });
  });

  var exit = document.getElementById("exit-this-page");
  if (!exit) { return; }

  /* Focus Not Obscured (WCAG 2.4.11): site.css keeps whatever is focused or scrolled to
     clear of the sticky "Exit this page" bar with scroll-padding-top. Here the bar is
     measured, so that padding is exact at every width, zoom level and text size. */
  var bar = exit.closest ? exit.closest(".ox-exit") : null;
  if (bar) {
    var measure = function () {
      root.style.setProperty("--ox-exit-height", Math.ceil(bar.getBoundingClientRect().height) + "px");
    };
    measure();
    if (window.ResizeObserver) { new window.ResizeObserver(measure).observe(bar); }
    else { window.addEventListener("resize", measure); }
  }

  function leave(event) {
    if (event) { event.preventDefault(); }
    document.title = exit.getAttribute("data-loading-title") || "Loading";
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

/* Self-referral form enhancements. The form works fully without this file.
   - Error summary: focus moves to it when the page loads, so screen readers read it
     first; its links move focus to the answer and show the question above it.
   - Radios that reveal a follow-up question show it only when chosen.
   - Character count: a live count for "What is worrying you?", announced politely.
   - Send button: a second click within a moment does not send the form twice. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("ox-referral-js");

  function each(selector, fn, scope) {
    Array.prototype.forEach.call((scope || document).querySelectorAll(selector), fn);
  }

  /* Error summary (after GOV.UK Frontend's ErrorSummary) */
  each('[data-module="ox-error-summary"]', function (summary) {
    /* Only the answer to a POST has one. Made an ordinary page of the tab's history, so
       Back from the next page shows the empty form, not the browser's "Confirm Form
       Resubmission" (which offers to send the answers again). */
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.href);
    }
    summary.setAttribute("tabindex", "-1");
    summary.addEventListener("blur", function () { summary.removeAttribute("tabindex"); });
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a") : null;
      if (!link || link.getAttribute("href").charAt(0) !== "#") { return; }
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) { return; }
      event.preventDefault();
      var legend = input.closest("fieldset") ? input.closest("fieldset").querySelector("legend") : null;
      var label = document.querySelector('label[for="' + input.id + '"]');
      var show = (input.type === "radio" || input.type === "checkbox" || /-(day|month|year)$/.test(input.id)) && legend ? legend : label;
      if (show && show.scrollIntoView) { show.scrollIntoView(); }
      input.focus({ preventScroll: true });
      /* A long question can push its answer off the screen (a small window, or zoomed in):
         then the answer itself is brought into view, so focus is never out of sight. */
      var box = input.getBoundingClientRect();
      if (box.bottom > document.documentElement.clientHeight || box.top < 0) {
        input.scrollIntoView({ block: "nearest" });
      }
    });
  });

  /* Conditional reveal for radios */
  each('[data-module="ox-radios"]', function (group) {
    var inputs = group.querySelectorAll('input[type="radio"]');
    function sync() {
      Array.prototype.forEach.call(inputs, function (input) {
        var id = input.getAttribute("data-aria-controls");
        var target = id && document.getElementById(id);
        if (!target) { return; }
        input.setAttribute("aria-controls", id);
        target.classList.toggle("ox-radios__conditional--hidden", !input.checked);
      });
    }
    Array.prototype.forEach.call(inputs, function (input) { input.addEventListener("change", sync); });
    sync();
  });

  /* Character count (after GOV.UK Frontend's CharacterCount) */
  each('[data-module="ox-character-count"]', function (wrapper) {
    var max = parseInt(wrapper.getAttribute("data-maxlength"), 10);
    var field = wrapper.querySelector("textarea");
    var fallback = wrapper.querySelector(".ox-character-count__message");
    if (!max || !field || !fallback) { return; }
    fallback.classList.add("ox-visually-hidden"); /* kept for screen readers as the limit hint */
    var visible = document.createElement("div");
    visible.className = "ox-hint ox-character-count__status";
    visible.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("div");
    spoken.className = "ox-visually-hidden ox-character-count__sr-status";
    spoken.setAttribute("aria-live", "polite");
    fallback.parentNode.insertBefore(visible, fallback.nextSibling);
    visible.parentNode.insertBefore(spoken, visible.nextSibling);

    /* The words come from the page, in its language: one per plural form (CLDR's
       categories, data-i18n-under-one, -few, -many, -other...), %(count)s for the number,
       written in the digits 0 to 9 with the language's grouping. */
    var lang = document.documentElement.getAttribute("lang") || "en-GB";
    var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
    var numbers = null;
    try { numbers = new Intl.NumberFormat(lang, { numberingSystem: "latn" }); } catch (e) { numbers = null; }
    function count() { return Array.from ? Array.from(field.value).length : field.value.length; }
    function words(kind, n) {
      var category = plurals ? plurals.select(n) : (n === 1 ? "one" : "other");
      var text = wrapper.getAttribute("data-i18n-" + kind + "-" + category) ||
        wrapper.getAttribute("data-i18n-" + kind + "-other") ||
        wrapper.getAttribute("data-i18n-" + kind + "-many") || "%(count)s";
      return text.replace("%(count)s", numbers ? numbers.format(n) : String(n));
    }
    function message() {
      var left = max - count();
      return left >= 0 ? words("under", left) : words("over", -left);
    }
    var timer = null;
    function update() {
      var over = count() > max;
      visible.textContent = message();
      visible.classList.toggle("ox-error-message", over);
      visible.classList.toggle("ox-hint", !over);
      field.classList.toggle("ox-textarea--error", over || wrapper.classList.contains("ox-form-group--error"));
      clearTimeout(timer);
      timer = setTimeout(function () { spoken.textContent = message(); }, 1000);
    }
    field.addEventListener("input", update);
    update();
    spoken.textContent = "";
  });

  /* Prevent a double click sending the form twice */
  each('[data-prevent-double-click="true"]', function (button) {
    var form = button.form;
    if (!form) { return; }
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      sending = true;
      setTimeout(function () { sending = false; }, 2000);
    });
  });
})();

/* "Was this page helpful?": the answer is sent in place and the reader is thanked where
   they are. Without this file, or if sending fails, the form posts as usual and the
   referral service answers with a thank-you page (or the form again, saying why). */
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams) { return; }
  Array.prototype.forEach.call(document.querySelectorAll('[data-module="ox-feedback"]'), function (form) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-post-plainly")) { return; }
      event.preventDefault();
      if (sending) { return; }
      sending = true;
      var button = event.submitter;
      var data = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && field.type !== "submit") { data.append(field.name, field.value); }
      });
      if (button && button.name) { data.append(button.name, button.value); }
      fetch(form.action, { method: "POST", body: data, credentials: "omit", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("not kept"); }
          var thanks = form.parentNode.querySelector(".ox-feedback__thanks");
          form.reset(); /* nothing typed stays in the page, or in the tab's history */
          form.hidden = true;
          thanks.hidden = false;
          thanks.focus();
        })
        .catch(function () {
          /* Post it the ordinary way: the page that comes back says what went wrong. */
          form.setAttribute("data-post-plainly", "true");
          if (form.requestSubmit) { form.requestSubmit(button); } else { form.submit(); }
        });
    });
  });
})();
