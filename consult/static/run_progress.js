// Progressive enhancement of a theme run's page: without JavaScript, the "Refresh" link
// reloads it; with it, the status is fetched every two seconds and swapped in place
// (announced politely by its live region) until the run has finished.
(function () {
  "use strict";
  var status = document.getElementById("run-status");
  if (!status || status.getAttribute("data-unfinished") !== "yes") { return; }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("run-status");
        if (!fresh) { return; }
        if (fresh.getAttribute("data-unfinished") !== "yes") {
          window.location.reload();  // finished: show the links to the themes and report
          return;
        }
        status.innerHTML = fresh.innerHTML;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
