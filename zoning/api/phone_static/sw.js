// The phone page's service worker: keeps the page and its last data openable offline.
// Network first (a signed-out phone still goes to the sign-in page), the cache when the
// network is down. Only GETs of this site; submissions are queued by the page itself.
"use strict";
const CACHE = "campusgrid-m-1";
const SHELL = ["/m", "/m/app.js", "/m/app.css", "/m/manifest.json", "/m/checklists.json",
  "/m/domains.json"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).catch(() => undefined));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function cacheable(url) {
  return url.origin === self.location.origin &&
    (url.pathname === "/m" || url.pathname.startsWith("/m/") ||
     url.pathname.startsWith("/api/v1/"));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || !cacheable(url)) return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((c) => c.put(request, copy));
      }
      return response;
    }).catch(() => caches.match(request).then((hit) => hit || Response.error()))
  );
});
