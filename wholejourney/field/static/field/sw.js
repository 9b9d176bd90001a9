// The field app's service worker (scope /field/): it keeps only the app's shell — the page, its
// script and styles — so the app opens without a network. No client data passes through its cache:
// the pack, the status and the sync are never cached.

const CACHE = "wj-field-shell-v1";
const SHELL = "/field/";

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch(SHELL, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok || response.redirected) return;
  const html = await response.clone().text();
  await cache.put(SHELL, response);
  // The shell names its script, modules, styles and manifest; keep exactly those.
  const assets = [...html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]);
  await Promise.all(
    assets.map(async (url) => {
      const asset = await fetch(url, { cache: "no-cache" });
      if (asset.ok) await cache.put(url, asset);
    }),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "refresh-shell") event.waitUntil(cacheShell().catch(() => undefined));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    // The network's shell when there is one (a new language, a new version), else the kept one.
    event.respondWith(
      fetch(request).then(
        (response) => (response.ok && !response.redirected ? response : caches.match(SHELL).then((c) => c || response)),
        () => caches.match(SHELL).then((c) => c || Response.error()),
      ),
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(url.pathname).then((cached) => cached || fetch(request)));
  }
});
