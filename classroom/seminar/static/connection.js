// Tells a team or the facilitator when the seminar server cannot be reached (a
// crashed or restarted laptop, a dropped Wi-Fi), and that the page recovers by
// itself: the status keeps polling every second, and the first answer hides the
// notice again. Without it a page would look frozen with nothing said.
(function () {
  function notice() {
    return document.getElementById("connection-lost");
  }
  document.addEventListener("htmx:sendError", function () {
    const element = notice();
    if (element) element.hidden = false;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail && event.detail.xhr;
    const element = notice();
    if (element && xhr && xhr.status > 0) element.hidden = true;
  });
})();
