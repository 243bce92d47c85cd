/* Passkeys on the sign-in and sign-up pages (WebAuthn), and the GOV.UK error-summary focus.
 *
 * The server makes the options (py_webauthn); the browser turns them into a credential with
 * PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON and sends
 * credential.toJSON() back. Every request carries the page's CSRF token.
 */
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector('input[name="csrf"]');
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.message || "That did not work. Reload the page and try again.");
        return data;
      });
    });
  }

  function say(message) {
    var box = document.getElementById("passkey-error");
    box.textContent = message;
    box.hidden = !message;
  }

  function wire(button, create) {
    if (!button) return;
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
      say("This browser cannot use passkeys. Use your password and code instead.");
      button.disabled = true;
      return;
    }
    button.addEventListener("click", function () {
      say("");
      button.disabled = true;
      post(button.getAttribute("data-options-url")).then(function (options) {
        return create
          ? navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
          : navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      }).then(function (credential) {
        return post(button.getAttribute("data-verify-url"), credential.toJSON());
      }).then(function (result) {
        window.location.assign(result.next);
      }).catch(function (error) {
        button.disabled = false;
        var cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
        say(cancelled ? "The passkey was not used (it was cancelled or timed out). Try again." : error.message);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".ix-js-only"), function (el) { el.hidden = false; });
    Array.prototype.forEach.call(document.querySelectorAll(".ix-js-only-message"), function (el) { el.hidden = true; });
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
    wire(document.getElementById("passkey-sign-in"), false);
    wire(document.getElementById("passkey-sign-up"), true);
  });
})();
