/* The inbox's small helpers: building DOM safely, talking to the server, moving focus.
 *
 * Everything a parent wrote reaches the page as text (textContent), never as markup.
 * Every change is sent with the session's CSRF token (the csrf-token meta tag).
 */
(function () {
  "use strict";
  var Ix = (window.Ix = window.Ix || {});

  /* h("p", {class: "ix-body"}, "text", child, ...): an element; attributes set one by one. */
  Ix.h = function (tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name.slice(0, 2) === "on") el.addEventListener(name.slice(2), value);
      else if (name === "hidden" || name === "checked" || name === "selected" || name === "disabled") el[name] = !!value;
      else if (name === "value") el.value = value;
      else el.setAttribute(name, value === true ? "" : String(value));
    });
    for (var i = 2; i < arguments.length; i++) Ix.append(el, arguments[i]);
    return el;
  };

  Ix.append = function (el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { Ix.append(el, c); });
    else el.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  };

  Ix.csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };

  /* A request to the inbox's own JSON. Resolves to the parsed answer; a refusal rejects with
   * {status, message}. A session that ended sends the browser to the sign-in page. */
  Ix.api = function (method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = Ix.csrf();
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 && data.next) {
          Ix.forgetEverything();
          window.location.assign(data.next);
          return new Promise(function () {});
        }
        if (!response.ok) {
          throw { status: response.status, message: data.message || "The inbox could not do that. Reload the page and try again." };
        }
        return data;
      });
    }, function () {
      throw { status: 0, message: "The inbox cannot be reached. Check your connection and try again." };
    });
  };

  /* Hooks the key ring fills in, so a signed-out page never keeps a key. */
  Ix.forgetEverything = function () {
    if (Ix.keys) Ix.keys.forget();
  };

  /* Focus an element that is not normally focusable (a heading, a banner), as GOV.UK does. */
  Ix.focus = function (el) {
    if (!el) return;
    if (!el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "-1");
      el.addEventListener("blur", function () { el.removeAttribute("tabindex"); }, { once: true });
    }
    el.focus();
  };

  Ix.errorSummary = function (errors) {
    /* errors: [{href: "#field", text: "..."}] */
    return Ix.h("div", { class: "ix-error-summary", role: "alert", tabindex: "-1" },
      Ix.h("h2", { class: "ix-error-summary__title" }, "There is a problem"),
      Ix.h("ul", { class: "ix-error-summary__list" }, errors.map(function (e) {
        return Ix.h("li", {}, Ix.h("a", { href: e.href, onclick: function (event) {
          var target = document.querySelector(e.href);
          if (target) { event.preventDefault(); target.focus(); }
        } }, e.text));
      })));
  };

  Ix.banner = function (text, kind) {
    return Ix.h("div", { class: "ix-banner ix-banner--" + (kind || "success"), role: kind === "warning" ? "alert" : "status", tabindex: "-1" },
      Ix.h("p", { class: "ix-banner__text" }, text));
  };

  /* Show the parts that need JavaScript and hide the "needs JavaScript" messages. */
  Ix.showScriptedParts = function () {
    Array.prototype.forEach.call(document.querySelectorAll(".ix-js-only"), function (el) { el.hidden = false; });
    Array.prototype.forEach.call(document.querySelectorAll(".ix-js-only-message"), function (el) { el.hidden = true; });
  };
})();
