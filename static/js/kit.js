/* The page kit's browser side (no inline script anywhere: the CSP allows only 'self').
 * - Charts: every [data-chart] element gets an ECharts instance from the JSON in the
 *   <script type="application/json" id=…> that the server rendered with json_script.
 * - Confirmation: a form or button with data-confirm asks first, in a <dialog>, saying what will happen.
 * - Mobile menu: the ☰ button opens and closes the navigation.
 * - After a failed form the first error is scrolled into view and its field focused.
 */
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");

  function initCharts() {
    if (typeof window.echarts === "undefined") return;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var option;
      try { option = JSON.parse(source.textContent); } catch (e) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
      chart.setOption(option);
      el.setAttribute("data-chart-ready", "1");
      charts.push(chart);
    });
    var timer;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  var dialog;
  function confirmDialog(message, okLabel, onOk) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "confirm";
      dialog.setAttribute("data-testid", "confirm-dialog");
      var p = document.createElement("p");
      var buttons = document.createElement("div");
      buttons.className = "buttons";
      var cancel = document.createElement("button");
      cancel.type = "button"; cancel.className = "secondary"; cancel.textContent = "取消";
      var ok = document.createElement("button");
      ok.type = "button"; ok.className = "danger";
      buttons.append(cancel, ok);
      dialog.append(p, buttons);
      document.body.append(dialog);
      cancel.addEventListener("click", function () { dialog.close(); });
    }
    dialog.querySelector("p").textContent = message;
    var okButton = dialog.querySelector("button.danger");
    okButton.textContent = okLabel || "确定";
    okButton.onclick = function () { dialog.close(); onOk(); };
    dialog.showModal();
    dialog.querySelector("button.secondary").focus();
  }

  function initConfirm() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var source = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
      var message = source.getAttribute("data-confirm");
      if (!message || form.dataset.confirmed === "1") return;
      event.preventDefault();
      confirmDialog(message, source.getAttribute("data-confirm-ok"), function () {
        form.dataset.confirmed = "1";
        if (submitter && submitter.name) {
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
          form.append(hidden);
        }
        form.submit();
      });
    });
  }

  function initMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.querySelector(".menu");
    if (!toggle || !menu) return;
    toggle.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function scrollToFirstError() {
    // A field's own error first (it says which input to fix), else the page's error message.
    var first = document.querySelector("form .errorlist, .field-error") || document.querySelector(".errorlist, .messages .error");
    if (!first) return;
    first.scrollIntoView({ block: "center" });
    var field = first.closest("p, td, label, div");
    var input = field && field.querySelector("input, select, textarea");
    if (input) input.focus({ preventScroll: true });
  }

  // A deferred script runs once the document is parsed: set everything up now, then say so
  // (tests and the no-js fallbacks look at html[data-kit=ready]).
  initMenu();
  initConfirm();
  scrollToFirstError();
  initCharts();
  document.documentElement.setAttribute("data-kit", "ready");
})();

/* The decomposition grid: the total of the inputs and the difference from the parent's target,
 * updated as the manager types (the server recomputes both when the grid is saved). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-grid]");
  if (!form) return;
  var parentEl = document.querySelector("[data-grid-parent]");
  var totalEl = document.querySelector("[data-grid-total]");
  var diffEl = document.querySelector("[data-grid-difference]");
  var parent = parentEl && parentEl.getAttribute("data-grid-parent") !== "" ? Number(parentEl.getAttribute("data-grid-parent")) : null;
  function toNumber(text) {
    var v = String(text || "").replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }).replace(/,/g, "").trim();
    return v === "" ? 0 : Number(v);
  }
  function update() {
    var total = 0;
    form.querySelectorAll("[data-grid-input]").forEach(function (input) { var n = toNumber(input.value); if (!isNaN(n)) total += n; });
    total = Math.round(total * 100) / 100;
    if (totalEl) totalEl.textContent = String(total);
    if (diffEl && parent !== null) {
      var diff = Math.round((parent - total) * 100) / 100;
      diffEl.textContent = String(diff);
      diffEl.closest(".kpi").classList.toggle("is-behind", diff !== 0);
    }
  }
  form.addEventListener("input", update);
})();

/* A training material: 我已学完 waits until the video has ended or the end of the page has been
 * seen (without JavaScript the button is simply there). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-complete-form]");
  if (!form) return;
  var button = form.querySelector("button");
  var video = document.querySelector("[data-material-video]");
  var end = document.querySelector("[data-material-end]");
  button.disabled = true;
  function ready() { button.disabled = false; }
  if (video) {
    video.addEventListener("ended", ready);
  } else if (end && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries, observer) {
      if (entries.some(function (e) { return e.isIntersecting; })) { ready(); observer.disconnect(); }
    }).observe(end);
  } else {
    ready();
  }
})();
