/* The inbox page: routes (#/referrals, #/referrals/REF, #/unlock), the key's idle timer,
 * and the actions behind each button. The views are in inbox-views.js, the keys in
 * inbox-keys.js, CSV in inbox-csv.js.
 */
(function () {
  "use strict";
  var Ix = window.Ix;
  var root, state = {
    me: null, form: null, referrals: [], docs: {}, filter: "", selected: new Set(), detail: null,
    notice: null, unlockErrors: [], detailErrors: [], manyLanguages: false, wanted: "#/referrals"
  };
  var lastUse = Date.now();

  function title(text) { document.title = text + " – OXPIP intake inbox"; }

  function show(view, pageTitle, focusTarget) {
    root.textContent = "";
    root.appendChild(view);
    title(pageTitle);
    var target = focusTarget || root.querySelector(".ix-error-summary") || root.querySelector(".ix-banner") ||
      root.querySelector("[data-view-heading]");
    Ix.focus(target);
    state.notice = null;
  }

  function knownKeyIds() {
    var ids = [state.me.keys.team.key_id];
    if (state.me.keys.recovery) ids.push(state.me.keys.recovery.key_id);
    state.referrals.forEach(function (r) { Object.keys(r.copies).forEach(function (id) { if (ids.indexOf(id) === -1) ids.push(id); }); });
    return ids;
  }

  function openAll() {
    state.referrals.forEach(function (r) {
      if (!state.docs[r.reference]) {
        var doc = Ix.keys.open(r.copies);
        if (doc) state.docs[r.reference] = doc;
      }
    });
    var languages = {};
    /* The language a form was filled in, as the referral service seals it ("en-gb", "pl"):
       shown as a flag once the referrals come in more than one language. */
    Object.keys(state.docs).forEach(function (ref) { languages[Ix.views.languageOf(state.docs[ref])] = true; });
    state.manyLanguages = Object.keys(languages).length > 1;
  }

  function failed(error, into) {
    state[into] = [];
    state.notice = { text: error.message, kind: "warning" };
    route();
  }

  /* -- routes ------------------------------------------------------------------------------------ */
  function route() {
    var hash = window.location.hash || "#/referrals";
    if (!Ix.keys.count() || hash === "#/unlock") {
      if (hash !== "#/unlock") state.wanted = hash;
      show(Ix.views.unlock(state, actions), Ix.keys.count() ? "Load another key" : "Unlock the inbox");
      return;
    }
    var match = /^#\/referrals\/([0-9A-Z]{4}-[0-9A-Z]{4})$/.exec(hash);
    if (match) return openReferral(match[1]);
    var status = /^#\/referrals\?status=([a-z]+)$/.exec(hash);
    state.filter = status ? status[1] : "";
    return loadList().then(function () { show(Ix.views.list(state, actions), "Referrals"); });
  }

  function loadList() {
    return Ix.api("GET", "/api/referrals" + (state.filter ? "?status=" + state.filter : "")).then(function (data) {
      state.referrals = data.referrals;
      openAll();
    });
  }

  function openReferral(reference) {
    return Ix.api("GET", "/api/referrals/" + reference).then(function (detail) {
      state.detail = detail;
      if (!state.docs[reference]) {
        var doc = Ix.keys.open(detail.copies);
        if (doc) state.docs[reference] = doc;
      }
      show(Ix.views.referral(state, actions), "Referral " + reference);
      state.detailErrors = [];
    }, function (error) {
      state.notice = { text: error.message, kind: "warning" };
      window.location.hash = "#/referrals";
    });
  }

  function afterUnlock() {
    state.unlockErrors = [];
    return loadList().then(function () {
      var target = state.wanted && state.wanted !== "#/unlock" ? state.wanted : "#/referrals";
      state.notice = { text: "Key " + Ix.keys.loaded().join(" and ") + " loaded. Referrals open in this browser only.", kind: "success" };
      if (window.location.hash === target) route();
      else window.location.hash = target;
    });
  }

  function unlockProblem(error, href) {
    if (!(error instanceof Ix.keys.KeyProblem)) throw error;
    state.unlockErrors = [{ href: href, text: error.message }];
    route();
  }

  /* -- actions ----------------------------------------------------------------------------------- */
  var actions = {
    unlockWithFile: function (file, keepCopy, passphrase, confirm) {
      if (!file) return unlockProblem(new Ix.keys.KeyProblem("Choose the team's private key file"), "#key-file");
      if (keepCopy) {
        if (passphrase.length < 12) return unlockProblem(new Ix.keys.KeyProblem("The passphrase must be at least 12 characters"), "#new-passphrase");
        if (passphrase !== confirm) return unlockProblem(new Ix.keys.KeyProblem("The two passphrases are not the same"), "#new-passphrase-confirm");
      }
      file.text().then(function (text) {
        var loadedBefore = Ix.keys.count();
        try {
          Ix.keys.add(Ix.keys.parseKeyFile(text), knownKeyIds());
          if (keepCopy && !loadedBefore) Ix.keys.keepCopy(passphrase);
        } catch (error) {
          return unlockProblem(error, "#key-file");
        }
        return afterUnlock();
      }).catch(function (error) { failed(error, "unlockErrors"); });
    },
    unlockWithPassphrase: function (passphrase) {
      if (!passphrase) return unlockProblem(new Ix.keys.KeyProblem("Enter your passphrase"), "#passphrase");
      try {
        Ix.keys.unlockCopy(passphrase, knownKeyIds());
      } catch (error) {
        return unlockProblem(error, "#passphrase");
      }
      afterUnlock().catch(function (error) { failed(error, "unlockErrors"); });
    },
    forgetCopy: function () {
      Ix.keys.forgetCopy();
      state.notice = { text: "The copy of the key kept in this browser was deleted.", kind: "success" };
      route();
    },
    filter: function (status) {
      window.location.hash = status ? "#/referrals?status=" + status : "#/referrals";
    },
    select: function (reference, on) {
      if (on) state.selected.add(reference);
      else state.selected.delete(reference);
    },
    exportSelected: function () {
      var chosen = state.referrals.filter(function (r) { return state.selected.has(r.reference) && state.docs[r.reference]; });
      if (!chosen.length) {
        state.notice = { text: "Tick at least one referral to download.", kind: "warning" };
        return show(Ix.views.list(state, actions), "Referrals");
      }
      Ix.api("POST", "/api/export", { references: chosen.map(function (r) { return r.reference; }) }).then(function () {
        var rows = Ix.views.csvRows(state.form, chosen.map(function (r) { return { summary: r, doc: state.docs[r.reference] }; }));
        var url = URL.createObjectURL(new Blob([Ix.csv.build(rows)], { type: "text/csv;charset=utf-8" }));
        var link = Ix.h("a", { href: url, download: "referrals-" + new Date().toISOString().slice(0, 10) + ".csv", hidden: true });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        state.notice = { text: "Downloaded " + chosen.length + " referral" + (chosen.length === 1 ? "" : "s") +
          " as a spreadsheet. Delete the file once they are in your case system.", kind: "success" };
        show(Ix.views.list(state, actions), "Referrals");
      }, function (error) {
        state.notice = { text: error.message, kind: "warning" };
        show(Ix.views.list(state, actions), "Referrals");
      });
    },
    setStatus: function (status) {
      if (!status) { state.detailErrors = [{ href: "#status", text: "Choose a status" }]; return redraw(); }
      change("status", { status: status }, function (d) { return "Status saved: " + d.status_text + "."; });
    },
    assign: function (assignee) {
      change("assign", { assignee: assignee }, function (d) { return d.assignee_name ? "Assigned to " + d.assignee_name + "." : "Assigned to nobody."; });
    },
    addNote: function (text) {
      text = text.trim();
      if (!text) { state.detailErrors = [{ href: "#note", text: "Write the note first" }]; return redraw(); }
      if (text.length > 10000) { state.detailErrors = [{ href: "#note", text: "A note can be up to 10,000 characters" }]; return redraw(); }
      var keys = [state.me.keys.team].concat(state.me.keys.recovery ? [state.me.keys.recovery] : []);
      change("notes", { copies: Ix.keys.seal(text, keys) }, function () { return "Note added. It is sealed: only the team's key opens it."; });
    }
  };

  function redraw() { show(Ix.views.referral(state, actions), "Referral " + state.detail.reference); }

  function change(what, body, success) {
    var reference = state.detail.reference;
    Ix.api("POST", "/api/referrals/" + reference + "/" + what, body).then(function (detail) {
      state.detail = detail;
      state.notice = { text: success(detail), kind: "success" };
      redraw();
    }, function (error) {
      state.notice = { text: error.message, kind: "warning" };
      redraw();
    });
  }

  /* -- the key's idle timer ----------------------------------------------------------------------- */
  function watchIdle(minutes) {
    ["keydown", "pointerdown", "input", "focusin"].forEach(function (type) {
      document.addEventListener(type, function () { lastUse = Date.now(); }, true);
    });
    setInterval(function () {
      if (Ix.keys.count() && Date.now() - lastUse > minutes * 60000) {
        Ix.keys.forget();
        state.docs = {};
        state.selected = new Set();
        state.notice = { text: "The key was put away after " + minutes + " minutes without use. Load it again to carry on.", kind: "warning" };
        route();
      }
    }, 5000);
  }

  function start() {
    root = document.getElementById("inbox-app");
    if (!root || !window.sodium) return;
    Ix.showScriptedParts();
    Promise.all([Ix.keys.ready(), Ix.api("GET", "/api/me"), Ix.api("GET", "/api/form"), Ix.api("GET", "/api/referrals")])
      .then(function (results) {
        state.me = results[1];
        state.form = results[2];
        state.referrals = results[3].referrals;
        watchIdle(state.me.key_idle_minutes);
        window.addEventListener("hashchange", route);
        route();
      }, function (error) {
        root.textContent = "";
        root.appendChild(Ix.h("h1", { class: "ix-heading-l" }, "The inbox could not start"));
        root.appendChild(Ix.h("p", { class: "ix-body" }, (error && error.message) || "Reload the page to try again."));
      });
  }

  Ix.testing = { state: state };
  document.addEventListener("DOMContentLoaded", start);
})();
