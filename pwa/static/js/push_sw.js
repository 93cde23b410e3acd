// The service worker's side of Web Push (issue #16), kept apart from sw.js's caching.
// A push shows the message (title and text in the technician's language, from the server)
// and pulls at once, so the job is on the phone when the technician opens it; open pages
// hear of it (the sync's own announcements, and a "push" message). Tapping the message
// opens the job (/app/jobs/<id>) in an open window of the app, or a new one.

import { syncNow } from "./sync.js";

/** The payload the server sends (server/services/push.payload), defensively read. */
export function readPush(data) {
  let body;
  try {
    body = data ? data.json() : {};
  } catch {
    body = { body: data?.text?.() || "" };
  }
  return {
    title: String(body.title || "Onsite"),
    body: String(body.body || ""),
    url: safeUrl(body.url),
    tag: String(body.tag || "onsite"),
    kind: body.kind || null,
    workOrderId: body.work_order_id || null,
  };
}

/** Only the app's own pages: anything else opens the job list. */
export function safeUrl(url) {
  return typeof url === "string" && /^\/app(\/[\w/-]*)?$/.test(url) ? url : "/app";
}

async function onPush(event) {
  const msg = readPush(event.data);
  await self.registration.showNotification(msg.title, {
    body: msg.body, tag: msg.tag, renotify: true, data: { url: msg.url, kind: msg.kind },
  });
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    client.postMessage({ type: "push", kind: msg.kind, work_order_id: msg.workOrderId });
  }
  await syncNow({ reason: "push" }).catch(() => {}); // offline: the page syncs when it can
}

/** Focus an open window of the app on `url`, or open one. */
export async function openApp(clients, origin, url) {
  const target = new URL(safeUrl(url), origin).href;
  const windows = await clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === origin);
  if (open) {
    const focused = await open.focus();
    return (await (focused || open).navigate?.(target)) || focused || open;
  }
  return clients.openWindow(target);
}

const worker = globalThis.ServiceWorkerGlobalScope && globalThis instanceof globalThis.ServiceWorkerGlobalScope;

if (worker) self.addEventListener("push", (event) => event.waitUntil(onPush(event)));

if (worker) self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openApp(self.clients, self.location.origin, event.notification.data?.url));
});
