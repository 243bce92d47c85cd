/* OXPIP web editor: starts Decap CMS with our settings.
 *
 * - config.js (made by the build from admin/config.yml) holds the collections.
 * - Files are read and written in Pelican's own front-matter style ("Title: ..." lines,
 *   a blank line, then the text), so a file written here looks exactly like one written
 *   by hand, and the build's content checks point at the same lines.
 * - The preview uses the site's own style sheet.
 * - On this computer (localhost / 127.0.0.1) it uses Decap's local backend
 *   (decap-server, started by `make serve`), which writes straight into content/. The
 *   editor reaches it through its own site, at /admin/api/v1, which `make serve` passes
 *   on (so the page's policy can allow its own origin only). With ?backend_port=NNNN it
 *   talks to a backend on that port directly instead (`make editor-backend` beside some
 *   other server of output/).
 */
(function () {
  "use strict";
  var CMS = window.CMS;
  var h = window.h;
  var createClass = window.createClass;

  // ------------------------------------------------------------------ Pelican files
  var FLAGS = ["pseudonym", "real_name_agreed", "example", "scheduled"];
  var LISTS = ["funders"];
  var META_RE = /^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)$/;

  function fromFile(text) {
    var lines = String(text || "").replace(/^\ufeff/, "").split(/\r?\n/);
    var data = {};
    var index = 0;
    var last = null;
    if (lines.length && /^-{3}(\s.*)?$/.test(lines[0])) index = 1;
    for (; index < lines.length; index++) {
      var line = lines[index];
      if (line.trim() === "" || /^(-{3}|\.{3})(\s.*)?$/.test(line)) { index++; break; }
      var match = META_RE.exec(line);
      if (match) {
        last = match[1].toLowerCase();
        data[last] = last in data ? data[last] : match[2].trim();
      } else if (/^[ ]{4,}/.test(line) && last) {
        data[last] += " " + line.trim();
      } else {
        break;
      }
    }
    Object.keys(data).forEach(function (key) {
      var value = data[key];
      if (FLAGS.indexOf(key) >= 0) data[key] = /^(yes|true)$/i.test(value);
      if (LISTS.indexOf(key) >= 0) data[key] = value ? value.split(",").map(function (s) { return s.trim(); }).filter(Boolean) : [];
    });
    data.body = lines.slice(index).join("\n");
    return data;
  }

  function label(key) {
    return key.charAt(0).toUpperCase() + key.slice(1);
  }

  function written(value) {
    if (value === null || value === undefined) return null;
    if (value === true) return "yes";
    if (value === false) return null; // a "no" is the same as leaving the line out
    if (Array.isArray(value)) return value.length ? value.join(", ") : null;
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    var text = String(value).replace(/\s*\r?\n\s*/g, " ").trim();
    return text === "" ? null : text;
  }

  function toFile(data, sortedKeys) {
    var keys = (sortedKeys && sortedKeys.length ? sortedKeys.slice() : []);
    var editable = keys.slice();
    Object.keys(data).forEach(function (key) { if (keys.indexOf(key) < 0) keys.push(key); });
    var lines = [];
    keys.forEach(function (key) {
      if (key === "body" || !(key in data)) return;
      var value = written(data[key]);
      // Fields the editor does not show (Template, Save_as, URL...) are kept as they
      // were, even when empty ("URL:" alone means the home page's address).
      if (value === null && editable.indexOf(key) < 0 && typeof data[key] === "string") value = "";
      if (value !== null) lines.push(label(key) + ": " + value);
    });
    var body = String(data.body || "").replace(/^\s+/, "");
    return lines.join("\n") + "\n\n" + body.replace(/\s*$/, "") + "\n";
  }

  CMS.registerCustomFormat("pelican", "md", { fromFile: fromFile, toFile: toFile });

  // ----------------------------------------------------------------------- preview
  CMS.registerPreviewStyle(new URL("../theme/css/site.css", window.location.href).href);

  function field(entry, name) {
    var value = entry.getIn(["data", name]);
    return value === undefined || value === null ? "" : String(value);
  }

  var StoryPreview = createClass({
    render: function () {
      var entry = this.props.entry;
      return h("main", { className: "ox-width ox-main" },
        h("p", { className: "ox-caption" }, "Parent's story"),
        h("h1", { className: "ox-heading-xl" }, field(entry, "title")),
        field(entry, "quote") ? h("figure", { className: "ox-quote" },
          h("blockquote", { className: "ox-quote__text" }, h("p", {}, field(entry, "quote"))),
          h("figcaption", { className: "ox-quote__cite" }, field(entry, "quote_by"))) : null,
        h("div", { className: "ox-prose" }, this.props.widgetFor("body")));
    }
  });

  var NewsPreview = createClass({
    render: function () {
      var entry = this.props.entry;
      return h("main", { className: "ox-width ox-main" },
        h("p", { className: "ox-caption" }, field(entry, "topic") || "News"),
        h("h1", { className: "ox-heading-xl" }, field(entry, "title")),
        h("p", { className: "ox-meta" }, "Published " + field(entry, "date")),
        h("div", { className: "ox-prose" }, this.props.widgetFor("body")));
    }
  });

  var PagePreview = createClass({
    render: function () {
      var entry = this.props.entry;
      return h("main", { className: "ox-width ox-main" },
        h("h1", { className: "ox-heading-xl" }, field(entry, "title")),
        h("div", { className: "ox-prose" }, this.props.widgetFor("body")));
    }
  });

  CMS.registerPreviewTemplate("stories", StoryPreview);
  CMS.registerPreviewTemplate("news", NewsPreview);
  CMS.registerPreviewTemplate("services", PagePreview);
  CMS.registerPreviewTemplate("pages", PagePreview);

  // -------------------------------------------------------------------------- start
  var config = JSON.parse(JSON.stringify(window.OXPIP_CMS_CONFIG || {}));
  config.load_config_file = false;
  var host = window.location.hostname;
  if (host === "localhost" || host === "127.0.0.1") {
    var port = new URLSearchParams(window.location.search).get("backend_port");
    config.local_backend = {
      url: port && /^\d{2,5}$/.test(port) ? "http://" + host + ":" + port + "/api/v1"
        : window.location.origin + "/admin/api/v1"
    };
  } else {
    delete config.local_backend;
  }
  CMS.init({ config: config });
})();
