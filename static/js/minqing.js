// Site-wide behaviour. No inline scripts anywhere: the Content-Security-Policy allows only this site's files.
(function () {
  "use strict";
  // htmx requests carry the CSRF token from the page's meta tag.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("meta[name=csrf-token]");
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });
  // Buttons marked data-print print the page (receipts, cards, boards).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  // A select marked data-autosubmit submits its form when changed (e.g. a village, to list its groups).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });
})();
