// Passkeys (WebAuthn): sign in, and add one to the signed-in account. The server's
// ceremony endpoints take and give the JSON forms of WebAuthn Level 3.

import { ApiError, api, csrfToken } from "./api.js";

const b64u = {
  decode(s) {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  },
  encode(buf) {
    return btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
};

/** True when this browser can use passkeys. */
export function available() {
  return !!globalThis.PublicKeyCredential && !!navigator.credentials;
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64u.decode(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: b64u.decode(c.id) })),
  };
}

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64u.decode(json.challenge),
    user: { ...json.user, id: b64u.decode(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: b64u.decode(c.id) })),
  };
}

function credentialJson(cred) {
  if (cred.toJSON) return cred.toJSON();
  const r = cred.response;
  const response = { clientDataJSON: b64u.encode(r.clientDataJSON) };
  if (r.attestationObject) response.attestationObject = b64u.encode(r.attestationObject);
  if (r.authenticatorData) response.authenticatorData = b64u.encode(r.authenticatorData);
  if (r.signature) response.signature = b64u.encode(r.signature);
  if (r.userHandle) response.userHandle = b64u.encode(r.userHandle);
  return { id: cred.id, rawId: b64u.encode(cred.rawId), type: cred.type, response, clientExtensionResults: cred.getClientExtensionResults() };
}

async function call(path, json) {
  const res = await api(path, { method: "POST", json });
  if (res.status >= 300) throw new ApiError(res.status, res.body);
  return res.body;
}

/** Sign in with a passkey; returns the user. */
export async function signInWithPasskey(email = null) {
  const options = await call("/api/auth/passkeys/login/options", email ? { email } : {});
  const cred = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey || options) });
  const body = await call("/api/auth/passkeys/login/verify", { credential: credentialJson(cred) });
  await csrfToken(true); // a new session
  return body.user;
}

/** Add a passkey to the signed-in account. */
export async function addPasskey(name = "Phone") {
  const options = await call("/api/auth/passkeys/register/options", { name });
  const cred = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey || options) });
  return call("/api/auth/passkeys/register/verify", { credential: credentialJson(cred) });
}
