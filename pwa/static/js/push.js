// Web Push on this phone (issue #16): the settings screen turns job alerts on and off.
// Subscribing asks the browser's push service for a subscription made with the app's VAPID
// public key (GET /api/push/vapid-public-key) and records it on the server as this user's
// (POST /api/push/subscriptions); the server then pushes new, reassigned and rescheduled
// jobs and escalation decisions. The service worker shows them (push_sw.js).

import { api } from "./api.js";
import { getMeta, setMeta } from "./db.js";

const META = "push_subscription_id";

export class PushError extends Error {
  constructor(code, detail = "") {
    super(detail || code);
    this.code = code; // unsupported | denied | server | browser
  }
}

/** Whether this browser can receive Web Push at all. */
export function supported() {
  return "serviceWorker" in navigator && "PushManager" in globalThis && "Notification" in globalThis;
}

/** base64url -> bytes (the applicationServerKey). */
export function keyBytes(b64url) {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (b64url.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function sameKey(subscription, key) {
  const current = subscription.options?.applicationServerKey;
  if (!current) return true; // the browser does not say: keep it
  const a = new Uint8Array(current);
  return a.length === key.length && a.every((v, i) => v === key[i]);
}

/** This phone's server-side subscription id when alerts are on here, else null. */
export async function enabledHere() {
  if (!supported()) return null;
  const id = await getMeta(META);
  if (!id) return null;
  const reg = await navigator.serviceWorker.ready;
  return (await reg.pushManager.getSubscription()) ? id : null;
}

/** Turn job alerts on for this phone (asks for permission); returns the server's subscription. */
export async function enable({ label, language }) {
  if (!supported()) throw new PushError("unsupported");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new PushError("denied");
  const res = await api("/api/push/vapid-public-key");
  if (res.status !== 200) throw new PushError("server", res.body?.message);
  const key = keyBytes(res.body.public_key);
  const reg = await navigator.serviceWorker.ready;
  let subscription = await reg.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, key)) {
    await subscription.unsubscribe(); // made with another server key: it would never get our messages
    subscription = null;
  }
  try {
    subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (err) {
    throw new PushError("browser", err.message);
  }
  return record(subscription, { label, language });
}

async function record(subscription, { label, language }) {
  const saved = await api("/api/push/subscriptions", {
    method: "POST", json: { ...subscription.toJSON(), label, language },
  });
  if (saved.status !== 201) throw new PushError("server", saved.body?.message);
  await setMeta(META, saved.body.id);
  return saved.body;
}

/** The phone's language changed: messages from now on in the new one (when alerts are on). */
export async function relabel({ label, language }) {
  if (!(await enabledHere())) return null;
  const reg = await navigator.serviceWorker.ready;
  return record(await reg.pushManager.getSubscription(), { label, language });
}

/** Turn job alerts off for this phone: forget it on the server and in the browser. */
export async function disable() {
  const id = await getMeta(META);
  if (id) {
    const res = await api(`/api/push/subscriptions/${encodeURIComponent(id)}`, { method: "DELETE" });
    if (res.status !== 204 && res.status !== 404) throw new PushError("server", res.body?.message);
  }
  await setMeta(META, null);
  if (supported()) {
    const reg = await navigator.serviceWorker.ready;
    await (await reg.pushManager.getSubscription())?.unsubscribe();
  }
}
