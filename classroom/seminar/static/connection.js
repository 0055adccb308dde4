// Tells a team or the facilitator when the seminar server cannot be reached (a
// crashed or restarted laptop, a dropped Wi-Fi), and that the page recovers by
// itself: the status keeps polling every second, and the first answer hides the
// notice again. Without it a page would look frozen with nothing said.
(function () {
  function lost(yes) {
    document.getElementById("connection-lost").hidden = !yes;
  }
  document.addEventListener("htmx:sendError", function () {
    lost(true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.xhr.status > 0) lost(false); // 0: no answer at all
  });
})();
