// Advocase service worker: the app shell from cache first, so the app starts
// with no network and never mixes files of two builds.
//
// scripts/post-build.mjs replaces the two placeholders below with this
// build's id and file list; a new build therefore has a new worker, which the
// page offers to activate ("A new version is ready — reload").
const BUILD = "__ADVOCASE_BUILD__";
const PRECACHE = ["__ADVOCASE_PRECACHE__"];
const CACHE = `advocase-shell-${BUILD}`;

self.addEventListener("install", (event) => {
  // cache: "reload" bypasses the HTTP cache, so the precache is exactly this build.
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })))
    )
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith("advocase-shell-") && n !== CACHE).map((n) => caches.delete(n))
      );
      await self.clients.claim();
    })()
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // The API is never cached here: patient data lives in the app's own store.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;

  if (request.mode === "navigate") {
    // Every route of the app is the same shell.
    event.respondWith(
      caches.open(CACHE).then(async (cache) => (await cache.match("/index.html")) || fetch(request))
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(async (cache) => (await cache.match(request)) || fetch(request))
  );
});
