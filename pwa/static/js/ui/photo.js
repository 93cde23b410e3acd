// Photos from the camera: compressed on the device (JPEG, longest side 1600 px) and named
// by their SHA-256, so the same photo is stored and uploaded once.

import { sha256Hex } from "../summary.js";
import { t } from "../i18n.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { get } from "../db.js";

const MAX_SIDE = 1600;

async function toCanvas(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const hgt = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(w, hgt) : Object.assign(document.createElement("canvas"), { width: w, height: hgt });
  canvas.getContext("2d").drawImage(bitmap, 0, 0, w, hgt);
  bitmap.close?.();
  return canvas;
}

/** Compress an image file to JPEG: {sha256, type, bytes, size}. */
export async function compressPhoto(file, quality = 0.8) {
  const canvas = await toCanvas(file);
  const blob = canvas.convertToBlob
    ? await canvas.convertToBlob({ type: "image/jpeg", quality })
    : await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  const bytes = await blob.arrayBuffer();
  return { sha256: await sha256Hex(bytes), type: "image/jpeg", bytes, size: bytes.byteLength };
}

/** A big "take photo" button (opens the rear camera on phones). */
export function photoInput(onPhoto, { id = "photo-input", label = t("take_photo") } = {}) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", id, "aria-label": label });
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    input.disabled = true;
    try {
      await onPhoto(await compressPhoto(file));
    } finally {
      input.value = "";
      input.disabled = false;
    }
  });
  return h("span", { class: "btn block filebtn" }, h("span", { "aria-hidden": "true" }, icon("camera"), " ", label), input);
}

/** Thumbnails of photo records, from the bytes on this device (or the server's copy). */
export async function thumbnails(photos) {
  const imgs = [];
  for (const p of photos) {
    const blob = await get("blobs", p.blob_sha256);
    const src = blob ? URL.createObjectURL(new Blob([blob.bytes], { type: blob.type })) : `/api/blobs/${p.blob_sha256}`;
    imgs.push(h("img", { src, alt: p.caption || t("photo"), "data-sha": p.blob_sha256 }));
  }
  return h("div", { class: "thumbs", id: "photos" }, imgs);
}
