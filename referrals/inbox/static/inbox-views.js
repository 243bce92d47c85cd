/* The inbox's three views, built as DOM: unlock (load the key), the list, and one referral.
 *
 * Each view function takes the app's state and its actions and returns a fragment with one
 * h1. What a parent wrote is only ever set as text. A referral is laid out as the parent saw
 * the questions: the form definition's order, labels and choices (GET /api/form).
 */
(function () {
  "use strict";
  var Ix = (window.Ix = window.Ix || {});
  var h = Ix.h;
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  var LANGUAGES = { en: "English", cy: "Welsh", pl: "Polish", ur: "Urdu", ar: "Arabic", ro: "Romanian" };

  /* -- answers, as the parent saw the questions ------------------------------------------------ */
  function optionLabel(field, value) {
    var found = field.options.filter(function (o) { return o.value === value; })[0];
    return found ? found.label : value;
  }

  function answerText(field, answers) {
    var parts = field.parts.map(function (p) { return answers[p] || ""; });
    if (field.kind === "date") {
      return parts.every(Boolean) ? parts[0] + " " + (MONTHS[Number(parts[1]) - 1] || parts[1]) + " " + parts[2] : "";
    }
    if (field.kind === "month-year") {
      return parts.every(Boolean) ? (MONTHS[Number(parts[0]) - 1] || parts[0]) + " " + parts[1] : "";
    }
    if (field.kind === "checkbox") return parts[0] ? "Yes: " + optionLabel(field, parts[0]) : "Not ticked";
    if (field.kind === "radios") return parts[0] ? optionLabel(field, parts[0]) : "";
    return parts[0];
  }

  /* Questions the parent was shown: every top-level one, and a follow-up only if its choice was picked. */
  function shownFields(form, answers) {
    return form.fields.filter(function (f) {
      return !f.nested || f.parts.some(function (p) { return p in answers; });
    });
  }

  Ix.views = {};

  /* "en-gb" -> "en", "pl" -> "pl"; a referral from before languages were recorded is English. */
  Ix.views.languageOf = function (doc) {
    return String((doc && doc.language) || "en").toLowerCase().split("-")[0];
  };

  Ix.views.flags = function (summary, doc, showLanguage) {
    var flags = [];
    if (summary.spam.length) flags.push({ text: "Check: possible spam (" + summary.spam.join(", ") + ")", kind: "spam" });
    if (!doc) {
      flags.push({ text: "Needs key id " + Object.keys(summary.copies).join(" or "), kind: "key" });
      return flags;
    }
    var notes = doc.notes || {};
    if (notes.area === "outside") flags.push({ text: "Outside the area", kind: "area" });
    if (notes.child_age === "over_2") flags.push({ text: "Child over 2", kind: "age" });
    var language = Ix.views.languageOf(doc);
    if (showLanguage && doc.language) flags.push({ text: "Language: " + (LANGUAGES[language] || doc.language), kind: "language" });
    return flags;
  };

  function flagList(flags) {
    if (!flags.length) return h("span", { class: "ix-secondary" }, "None");
    return h("ul", { class: "ix-flags" }, flags.map(function (f) {
      return h("li", { class: "ix-tag ix-tag--flag ix-tag--" + f.kind }, f.text);
    }));
  }

  function statusTag(status, text) {
    return h("strong", { class: "ix-tag ix-tag--" + status }, text);
  }

  function heading(text, level) {
    return h(level || "h1", { class: level === "h2" ? "ix-heading-m" : "ix-heading-l", tabindex: "-1", "data-view-heading": true }, text);
  }

  /* -- unlock ---------------------------------------------------------------------------------- */
  Ix.views.unlock = function (state, act) {
    var errors = state.unlockErrors || [];
    var copy = Ix.keys.storedCopy();
    var another = Ix.keys.count() > 0;
    var fileGroup, passGroup;
    var wantCopy = h("input", { class: "ix-checkboxes__input", type: "checkbox", id: "keep-copy", name: "keep-copy",
      "aria-controls": "keep-copy-fields", "aria-expanded": "false", onchange: function () {
        keepFields.hidden = !wantCopy.checked;
        wantCopy.setAttribute("aria-expanded", String(wantCopy.checked));
      } });
    var keepFields = h("div", { class: "ix-conditional", id: "keep-copy-fields", hidden: true },
      field("new-passphrase", "Choose a passphrase", "password", "At least 12 characters. Three or four random words work well.", errors),
      field("new-passphrase-confirm", "Type the passphrase again", "password", "", errors));
    fileGroup = h("form", { class: "ix-section", novalidate: true, onsubmit: function (e) {
        e.preventDefault();
        act.unlockWithFile(document.getElementById("key-file").files[0], wantCopy.checked,
          document.getElementById("new-passphrase").value, document.getElementById("new-passphrase-confirm").value);
      } },
      h("h2", { class: "ix-heading-m" }, copy && !another ? "Or load the key file" : "Load the key file"),
      fileField(errors),
      another ? null : h("div", { class: "ix-form-group" },
        h("div", { class: "ix-checkboxes__item" }, wantCopy,
          h("label", { class: "ix-label ix-checkboxes__label", for: "keep-copy" },
            "Keep a copy of the key in this browser, locked with a passphrase, so next time the passphrase is enough")),
        keepFields),
      h("button", { class: "ix-button", type: "submit" }, another ? "Add this key" : "Unlock with the key file"));
    if (copy && !another) {
      passGroup = h("form", { class: "ix-section", novalidate: true, onsubmit: function (e) {
          e.preventDefault();
          act.unlockWithPassphrase(document.getElementById("passphrase").value);
        } },
        h("h2", { class: "ix-heading-m" }, "Unlock with your passphrase"),
        h("p", { class: "ix-body" }, "This browser keeps a locked copy of key " + copy.key_id + "."),
        field("passphrase", "Passphrase", "password", "", errors),
        h("div", { class: "ix-button-group" },
          h("button", { class: "ix-button", type: "submit" }, "Unlock"),
          h("button", { class: "ix-button ix-button--secondary", type: "button", onclick: act.forgetCopy },
            "Forget the copy kept in this browser")));
    }
    return h("div", {},
      state.notice ? Ix.banner(state.notice.text, state.notice.kind) : null,
      errors.length ? Ix.errorSummary(errors) : null,
      heading(another ? "Load another key" : "Unlock the inbox"),
      h("p", { class: "ix-body" }, "Referrals are sealed with the team's key. Load the private key to open them in this browser."),
      h("div", { class: "ix-inset" },
        h("p", { class: "ix-body" }, "The key stays in this browser: it is never sent to the server. It is forgotten when you close this tab, sign out, or after " +
          state.me.key_idle_minutes + " minutes without using the inbox.")),
      passGroup, fileGroup,
      another ? h("p", { class: "ix-body" }, h("a", { class: "ix-link", href: "#/referrals" }, "Back to referrals")) : null);
  };

  function errorFor(errors, id) {
    var found = errors.filter(function (e) { return e.href === "#" + id; })[0];
    return found ? found.text : "";
  }

  function field(id, label, type, hint, errors) {
    var error = errorFor(errors, id);
    var described = [hint ? id + "-hint" : "", error ? id + "-error" : ""].filter(Boolean).join(" ");
    return h("div", { class: "ix-form-group" + (error ? " ix-form-group--error" : "") },
      h("label", { class: "ix-label", for: id }, label),
      hint ? h("div", { class: "ix-hint", id: id + "-hint" }, hint) : null,
      error ? h("p", { class: "ix-error-message", id: id + "-error" }, h("span", { class: "ix-visually-hidden" }, "Error: "), error) : null,
      h("input", { class: "ix-input ix-input--20" + (error ? " ix-input--error" : ""), id: id, name: id, type: type,
        autocomplete: "off", spellcheck: "false", "aria-describedby": described || null }));
  }

  function fileField(errors) {
    var error = errorFor(errors, "key-file");
    return h("div", { class: "ix-form-group" + (error ? " ix-form-group--error" : "") },
      h("label", { class: "ix-label", for: "key-file" }, "The team's private key file"),
      h("div", { class: "ix-hint", id: "key-file-hint" }, "It usually ends in .key, for example intake-private.key. It is read here, in this browser."),
      error ? h("p", { class: "ix-error-message", id: "key-file-error" }, h("span", { class: "ix-visually-hidden" }, "Error: "), error) : null,
      h("input", { class: "ix-file-upload", id: "key-file", name: "key-file", type: "file", accept: ".key,text/plain",
        "aria-describedby": "key-file-hint" + (error ? " key-file-error" : "") }));
  }

  /* -- the list -------------------------------------------------------------------------------- */
  Ix.views.list = function (state, act) {
    var rows = state.referrals;
    var filter = h("select", { class: "ix-select", id: "status-filter", name: "status" },
      h("option", { value: "", selected: !state.filter }, "All referrals"),
      state.me.statuses.map(function (s) { return h("option", { value: s.value, selected: state.filter === s.value }, s.label); }));
    var needKeys = rows.filter(function (r) { return !state.docs[r.reference]; }).length;
    var selected = h("p", { class: "ix-body", id: "selected-count", "aria-live": "polite" }, countText(state.selected.size));
    var table = h("table", { class: "ix-table ix-table--referrals" },
      h("caption", { class: "ix-table__caption" }, captionText(rows.length, state)),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, h("span", { class: "ix-visually-hidden" }, "Select")),
        h("th", { scope: "col" }, "Reference"), h("th", { scope: "col" }, "Received"),
        h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Assigned to"), h("th", { scope: "col" }, "Flags"))),
      h("tbody", {}, rows.map(function (r) {
        var box = h("input", { class: "ix-table__checkbox", type: "checkbox", id: "select-" + r.reference, checked: state.selected.has(r.reference),
          disabled: !state.docs[r.reference], onchange: function () {
            act.select(r.reference, box.checked);
            selected.textContent = countText(state.selected.size);
          } });
        return h("tr", {},
          h("td", { "data-label": "Select" }, box, h("label", { class: "ix-visually-hidden", for: "select-" + r.reference }, "Select " + r.reference)),
          h("th", { scope: "row", "data-label": "Reference" }, h("a", { class: "ix-link ix-reference", href: "#/referrals/" + r.reference }, r.reference)),
          h("td", { "data-label": "Received" }, r.received_text),
          h("td", { "data-label": "Status" }, statusTag(r.status, r.status_text)),
          h("td", { "data-label": "Assigned to" }, r.assignee_name || h("span", { class: "ix-secondary" }, "Nobody")),
          h("td", { "data-label": "Flags" }, flagList(Ix.views.flags(r, state.docs[r.reference], state.manyLanguages))));
      })));
    return h("div", {},
      state.notice ? Ix.banner(state.notice.text, state.notice.kind) : null,
      heading("Referrals"),
      h("form", { class: "ix-filter", onsubmit: function (e) { e.preventDefault(); act.filter(filter.value); } },
        h("div", { class: "ix-form-group ix-filter__group" }, h("label", { class: "ix-label", for: "status-filter" }, "Show"), filter),
        h("button", { class: "ix-button ix-button--secondary", type: "submit" }, "Show")),
      needKeys ? h("div", { class: "ix-inset" }, h("p", { class: "ix-body" }, needKeys + " referral" + (needKeys === 1 ? " needs" : "s need") +
        " another key (an older team key, after the key was changed). ", h("a", { class: "ix-link", href: "#/unlock" }, "Load another key"))) : null,
      rows.length ? h("div", { class: "ix-table-wrap" }, table) : h("p", { class: "ix-body" }, state.filter ? "No referrals with this status." : "No referrals yet."),
      rows.length ? h("div", { class: "ix-section" },
        h("h2", { class: "ix-heading-m" }, "Download a spreadsheet"),
        h("p", { class: "ix-body" }, "Tick the referrals you need, then download them as a CSV file. The file is made in this browser. Delete it once the referrals are in your case system."),
        selected,
        h("button", { class: "ix-button", type: "button", id: "export", onclick: act.exportSelected }, "Download selected referrals (CSV)")) : null);
  };

  function countText(n) { return n === 0 ? "No referrals selected." : n + " referral" + (n === 1 ? "" : "s") + " selected."; }

  function captionText(n, state) {
    var label = state.filter ? state.me.statuses.filter(function (s) { return s.value === state.filter; })[0].label.toLowerCase() : "";
    return n + (label ? " " + label : "") + " referral" + (n === 1 ? "" : "s") + ", newest first";
  }

  /* -- one referral ---------------------------------------------------------------------------- */
  Ix.views.referral = function (state, act) {
    var r = state.detail;
    var doc = state.docs[r.reference];
    var errors = state.detailErrors || [];
    var answers = doc ? doc.answers || {} : {};
    var statusRadios = h("div", { class: "ix-radios" }, state.me.statuses.map(function (s, i) {
      var id = i === 0 ? "status" : "status-" + (i + 1);
      return h("div", { class: "ix-radios__item" },
        h("input", { class: "ix-radios__input", type: "radio", name: "status", id: id, value: s.value, checked: r.status === s.value }),
        h("label", { class: "ix-label ix-radios__label", for: id }, s.label));
    }));
    var assignee = h("select", { class: "ix-select", id: "assignee", name: "assignee" },
      h("option", { value: "" }, "Nobody"),
      state.me.colleagues.map(function (c) { return h("option", { value: c.id, selected: r.assignee === c.id }, c.name + (c.id === state.me.staff.id ? " (you)" : "")); }));
    var noteError = errorFor(errors, "note");
    var note = h("textarea", { class: "ix-textarea" + (noteError ? " ix-textarea--error" : ""), id: "note", name: "note", rows: "5",
      "aria-describedby": "note-hint" + (noteError ? " note-error" : "") });
    return h("div", {},
      h("a", { class: "ix-back-link", href: "#/referrals" + (state.filter ? "?status=" + state.filter : "") }, "Back to referrals"),
      state.notice ? Ix.banner(state.notice.text, state.notice.kind) : null,
      errors.length ? Ix.errorSummary(errors) : null,
      heading("Referral " + r.reference),
      h("dl", { class: "ix-summary-list ix-summary-list--meta" },
        row("Received", r.received_text),
        row("Status", statusTag(r.status, r.status_text)),
        row("Assigned to", r.assignee_name || "Nobody"),
        row("Flags", flagList(Ix.views.flags(r, doc, true)))),
      h("h2", { class: "ix-heading-m" }, "What they told us"),
      doc ? h("dl", { class: "ix-summary-list ix-summary-list--answers" }, shownFields(state.form, answers).map(function (f) {
        var text = answerText(f, answers);
        return row(f.label, text ? h("span", { class: "ix-answer" }, text) : h("span", { class: "ix-secondary" }, "Not answered"));
      })) : h("p", { class: "ix-body" }, "This referral needs key id " + Object.keys(r.copies).join(" or ") + ". ",
        h("a", { class: "ix-link", href: "#/unlock" }, "Load that key")),
      h("h2", { class: "ix-heading-m" }, "Move it on"),
      h("form", { class: "ix-section ix-section--tight", novalidate: true, onsubmit: function (e) {
          e.preventDefault();
          var chosen = document.querySelector('input[name="status"]:checked');
          act.setStatus(chosen ? chosen.value : "");
        } },
        h("fieldset", { class: "ix-fieldset" }, h("legend", { class: "ix-fieldset__legend" }, "Status"), statusRadios),
        h("button", { class: "ix-button", type: "submit", id: "save-status" }, "Save status")),
      h("form", { class: "ix-section ix-section--tight", novalidate: true, onsubmit: function (e) { e.preventDefault(); act.assign(assignee.value); } },
        h("div", { class: "ix-form-group" }, h("label", { class: "ix-label", for: "assignee" }, "Assigned to"), assignee),
        h("button", { class: "ix-button ix-button--secondary", type: "submit", id: "save-assignee" }, "Save who it is assigned to")),
      h("form", { class: "ix-section ix-section--tight", novalidate: true, onsubmit: function (e) { e.preventDefault(); act.addNote(note.value); } },
        h("div", { class: "ix-form-group" + (noteError ? " ix-form-group--error" : "") },
          h("label", { class: "ix-label", for: "note" }, "Add a note"),
          h("div", { class: "ix-hint", id: "note-hint" }, "For the team: what you did, what happens next. It is sealed with the team's key in this browser before it is sent."),
          noteError ? h("p", { class: "ix-error-message", id: "note-error" }, h("span", { class: "ix-visually-hidden" }, "Error: "), noteError) : null,
          note),
        h("button", { class: "ix-button ix-button--secondary", type: "submit", id: "save-note" }, "Add note")),
      h("h2", { class: "ix-heading-m" }, "Notes"),
      r.notes.length ? h("ol", { class: "ix-notes" }, r.notes.map(function (n) {
        var opened = Ix.keys.open(n.copies);
        return h("li", { class: "ix-note" },
          h("p", { class: "ix-note__meta" }, n.staff_name + ", " + n.created_text),
          opened ? h("p", { class: "ix-note__text" }, opened.text) : h("p", { class: "ix-secondary" }, "This note needs key id " + Object.keys(n.copies).join(" or ") + "."));
      })) : h("p", { class: "ix-body" }, "No notes yet."),
      h("h2", { class: "ix-heading-m" }, "History"),
      h("div", { class: "ix-table-wrap" }, h("table", { class: "ix-table ix-table--history" },
        h("caption", { class: "ix-visually-hidden" }, "Everything staff did with this referral, oldest first"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Who"), h("th", { scope: "col" }, "What"))),
        h("tbody", {}, r.trail.map(function (a) {
          return h("tr", {},
            h("td", { "data-label": "When" }, a.at_text),
            h("td", { "data-label": "Who" }, a.staff_name || "-"),
            h("td", { "data-label": "What" }, a.text));
        })))));
  };

  function row(key, value) {
    return h("div", { class: "ix-summary-list__row" }, h("dt", { class: "ix-summary-list__key" }, key), h("dd", { class: "ix-summary-list__value" }, value));
  }

  /* -- CSV rows for the chosen referrals -------------------------------------------------------- */
  Ix.views.csvRows = function (form, chosen) {
    var header = ["Reference", "Received", "Status", "Assigned to", "Flags"];
    var fields = form.fields;
    fields.forEach(function (f) { header.push(f.label); });
    var rows = [header];
    chosen.forEach(function (item) {
      var r = item.summary, answers = item.doc.answers || {};
      var line = [r.reference, r.received_text, r.status_text, r.assignee_name,
        Ix.views.flags(r, item.doc, true).map(function (f) { return f.text; }).join("; ")];
      fields.forEach(function (f) { line.push(answerText(f, answers)); });
      rows.push(line);
    });
    return rows;
  };
})();
