/* sitegen access counter widget: posts this page view to the site's own counter service and
   fills every [data-counter="page|site|total|today|online"] with the live figures, formatted
   for the page's language ("113.014.880" in Vietnamese). If the request fails, the numbers
   baked into the page at build time stay. Endpoint: data-counter-endpoint on <html>, <body>,
   this script or any element; default "/_c/". No cookies, no storage, no framework. */
(function (d, w) {
  "use strict";
  var me = d.currentScript;

  function endpoint() {
    var els = [d.documentElement, d.body, me, d.querySelector("[data-counter-endpoint]")];
    for (var i = 0; i < els.length; i++) {
      var v = els[i] && els[i].getAttribute("data-counter-endpoint");
      if (v) { return v.charAt(v.length - 1) === "/" ? v : v + "/"; }
    }
    return "/_c/";
  }

  function format(n) {
    var sep = /^en/i.test(d.documentElement.lang) ? "," : ".";
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  }

  var KEYS = { page: "page", site: "site", total: "site", today: "today", online: "online" };

  function fill(data) {
    var els = d.querySelectorAll("[data-counter]");
    for (var i = 0; i < els.length; i++) {
      var v = data[KEYS[els[i].getAttribute("data-counter")]];
      if (typeof v === "number" && v >= 0 && v % 1 === 0) { els[i].textContent = format(v); }
    }
  }

  function send() {
    if (!w.fetch || !w.JSON) { return; }
    var body = JSON.stringify({ p: location.pathname, w: navigator.webdriver ? 1 : 0 });
    w.fetch(endpoint() + "hit", {
      method: "POST", body: body, keepalive: true, credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "text/plain" }
    }).then(function (r) {
      return r.ok || r.status === 429 ? r.json() : null;
    }).then(function (data) {
      if (data) { fill(data); }
    })["catch"](function () { /* keep the baked numbers */ });
  }

  if (d.prerendering) {
    d.addEventListener("prerenderingchange", send, { once: true });
  } else if (d.readyState === "loading") {
    d.addEventListener("DOMContentLoaded", send);
  } else {
    send();
  }
})(document, window);
