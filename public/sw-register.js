// Registers the service worker and relays "a new build is waiting" to the
// app (src/update.rs) as the `advocase:update-ready` event. The app answers
// with `advocase:apply-update` when the person chooses to reload.
(function () {
  if (!("serviceWorker" in navigator)) return;
  let waiting = null;
  let reloadRequested = false;

  function announce(worker) {
    waiting = worker;
    document.documentElement.setAttribute("data-update-ready", "");
    window.dispatchEvent(new Event("advocase:update-ready"));
  }

  window.addEventListener("advocase:apply-update", function () {
    if (!waiting) return location.reload();
    reloadRequested = true;
    waiting.postMessage("skip-waiting");
  });

  // Only an update the person asked for reloads the page; the first install
  // taking control must not.
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    if (reloadRequested) location.reload();
  });

  // Only once the page has loaded (the .wasm included): installing caches
  // every file of the build again, and on a slow first visit that second
  // download would share the line with the app's own.
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").then(function (registration) {
      if (registration.waiting && navigator.serviceWorker.controller) announce(registration.waiting);
      registration.addEventListener("updatefound", function () {
        const incoming = registration.installing;
        if (!incoming) return;
        incoming.addEventListener("statechange", function () {
          if (incoming.state === "installed" && navigator.serviceWorker.controller) announce(incoming);
        });
      });
      const check = function () { registration.update().catch(function () {}); };
      window.addEventListener("online", check);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") check();
      });
      setInterval(check, 30 * 60 * 1000);
    }).catch(function (error) {
      // Without a worker the app still runs online; say why offline won't work.
      console.warn("Advocase: offline mode unavailable:", error && error.message);
    });
  });
})();
