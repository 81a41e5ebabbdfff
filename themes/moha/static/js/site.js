/* moha theme: font-size control (A- A A+, remembered in localStorage) and the print button.
   Plain script, no framework, no requests. Loaded in <head> so the saved size applies before paint. */
(function () {
  "use strict";
  var KEY = "sitegen.fontScale";
  var STEPS = [87.5, 100, 112.5, 125, 137.5, 150, 175, 200]; /* percent of the reader's default size */
  var root = document.documentElement;
  root.classList.add("js"); /* lets the CSS fold the main menu behind its toggle on phones */

  function load() {
    try {
      var v = parseFloat(window.localStorage.getItem(KEY));
      return STEPS.indexOf(v) >= 0 ? v : 100;
    } catch (e) { return 100; }
  }
  function save(v) {
    try {
      if (v === 100) { window.localStorage.removeItem(KEY); } else { window.localStorage.setItem(KEY, String(v)); }
    } catch (e) { /* storage unavailable: the size still applies to this page */ }
  }

  var scale = load();
  function apply(announce) {
    root.style.fontSize = scale === 100 ? "" : scale + "%";
    var ctl = document.querySelector(".fontsize");
    if (!ctl) { return; }
    var i = STEPS.indexOf(scale);
    var dec = ctl.querySelector('[data-fontsize="dec"]');
    var inc = ctl.querySelector('[data-fontsize="inc"]');
    var reset = ctl.querySelector('[data-fontsize="reset"]');
    if (dec) { dec.setAttribute("aria-disabled", String(i <= 0)); }
    if (inc) { inc.setAttribute("aria-disabled", String(i >= STEPS.length - 1)); }
    if (reset) { reset.setAttribute("aria-pressed", String(scale === 100)); }
    var status = ctl.querySelector("[data-fontsize-status]");
    if (status && announce) {
      status.textContent = (status.getAttribute("data-label") || "") + ": " +
        String(scale).replace(".", root.lang === "vi" ? "," : ".") + "%";
    }
  }
  apply(false);

  function step(action) {
    var i = STEPS.indexOf(scale);
    if (action === "inc" && i < STEPS.length - 1) { scale = STEPS[i + 1]; }
    else if (action === "dec" && i > 0) { scale = STEPS[i - 1]; }
    else if (action === "reset") { scale = 100; }
    save(scale);
    apply(true);
  }

  function init() {
    var hidden = document.querySelectorAll("[data-js-only]");
    for (var k = 0; k < hidden.length; k++) { hidden[k].hidden = false; }
    document.addEventListener("click", function (ev) {
      var t = ev.target;
      var btn = t && t.closest ? t.closest("[data-fontsize],[data-action='print'],.menu-toggle") : null;
      if (!btn) { return; }
      if (btn.hasAttribute("data-fontsize")) { step(btn.getAttribute("data-fontsize")); }
      else if (btn.classList.contains("menu-toggle")) {
        var open = btn.getAttribute("aria-expanded") !== "true";
        btn.setAttribute("aria-expanded", String(open));
        var menu = document.getElementById(btn.getAttribute("aria-controls"));
        if (menu) { menu.classList.toggle("is-open", open); }
      }
      else { window.print(); }
    });
    apply(false);
  }
  /* Printing: load lazy photos first so the printed article has all its figures. */
  window.addEventListener("beforeprint", function () {
    var imgs = document.querySelectorAll("img[loading='lazy']");
    for (var k = 0; k < imgs.length; k++) { imgs[k].loading = "eager"; }
  });
  /* Keep in step when the size is changed in another tab. */
  window.addEventListener("storage", function (ev) {
    if (ev.key === KEY) { scale = load(); apply(false); }
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
