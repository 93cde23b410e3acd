// Lean photos (issue #17): resized on the phone and encoded as WebP (JPEG where the browser
// cannot encode WebP) before they are stored and uploaded. One place for the settings.

import { sha256Hex } from "./summary.js";

/** Longest side in pixels and encoder quality (0-1): the server's PHOTO_MAX_SIDE and PHOTO_QUALITY. */
export const PHOTO_SETTINGS = { maxSide: 1600, quality: 0.8 };

/** Override the photo settings (out-of-range values are ignored). */
export function configurePhotos({ maxSide, quality } = {}) {
  if (Number.isFinite(maxSide) && maxSide >= 200) PHOTO_SETTINGS.maxSide = Math.round(maxSide);
  if (Number.isFinite(quality) && quality > 0 && quality <= 1) PHOTO_SETTINGS.quality = quality;
  return { ...PHOTO_SETTINGS };
}

// The shell's config (server/pwa_views.py) carries the server's settings.
try {
  const tag = globalThis.document?.querySelector('meta[name="onsite-config"]');
  const photo = tag ? JSON.parse(tag.content).photo : null;
  if (photo) configurePhotos({ maxSide: photo.max_side, quality: photo.quality });
} catch {
  // a malformed config keeps the defaults
}

/** A canvas of `w`×`hgt` (an on-page one: both its toBlob and drawing work everywhere). */
export function makeCanvas(w, hgt) {
  return Object.assign(document.createElement("canvas"), { width: w, height: hgt });
}

/** The file's pixels scaled so the longest side is at most `maxSide`, on a canvas. */
export async function loadScaled(file, maxSide = PHOTO_SETTINGS.maxSide) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = makeCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
  const g = canvas.getContext("2d");
  g.imageSmoothingQuality = "high";
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return canvas;
}

function toBlob(canvas, type, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/**
 * Encode a canvas: WebP at the configured quality, else JPEG (a browser that cannot encode
 * WebP hands back PNG: the type tells). Returns {sha256, type, bytes, size}.
 */
export async function encodeCanvas(canvas, quality = PHOTO_SETTINGS.quality) {
  let blob = await toBlob(canvas, "image/webp", quality);
  if (!blob || blob.type !== "image/webp") blob = await toBlob(canvas, "image/jpeg", quality);
  const bytes = await blob.arrayBuffer();
  return { sha256: await sha256Hex(bytes), type: blob.type, bytes, size: bytes.byteLength };
}

/** Resize and encode an image file in one go. */
export async function encodeFile(file, { maxSide = PHOTO_SETTINGS.maxSide, quality = PHOTO_SETTINGS.quality } = {}) {
  return encodeCanvas(await loadScaled(file, maxSide), quality);
}
