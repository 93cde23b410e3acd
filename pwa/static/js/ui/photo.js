// Photos from the camera: resized and encoded on the device (WebP, else JPEG: image.js) and
// named by their SHA-256, so the same photo is stored and uploaded once. Photo sets (issue
// #15): each photo is "before", "after" or "other" (evidence such as human damage, the door
// note); before and after show side by side. A photo is saved the moment it is taken (no
// extra tap); it may then be marked up (arrow, circle, text: markup.js): a new record refers
// to the marked-up image and keeps the original (original_sha256), both blobs are uploaded,
// and the unmarked record is voided.

import { t } from "../i18n.js";
import { h, replace } from "./dom.js";
import { get } from "../db.js";
import { recordVisit, voidRecord } from "../records.js";
import { encodeCanvas, encodeFile, makeCanvas } from "../image.js";
import { markupEditor } from "./markup.js";
import { act } from "./visitkit.js";

export const PHOTO_SETS = ["before", "after", "other"];

/** A photo record's set: records from before sets existed (and evidence photos) are "other". */
export function setOf(photo) {
  return PHOTO_SETS.includes(photo.photo_set) ? photo.photo_set : "other";
}

/** Compress an image file (longest side and quality from image.js): {sha256, type, bytes, size}. */
export async function compressPhoto(file) {
  return encodeFile(file);
}

function fileInput(id, label, onFile) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", id, "aria-label": label });
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    input.disabled = true;
    try {
      await onFile(file);
    } finally {
      input.value = "";
      input.disabled = false;
    }
  });
  return h("span", { class: "btn block filebtn" }, h("span", { "aria-hidden": "true" }, label), input);
}

/** A big "take photo" button (opens the rear camera on phones). */
export function photoInput(onPhoto, { id = "photo-input", label = t("take_photo") } = {}) {
  return fileInput(id, label, async (file) => onPhoto(await compressPhoto(file)));
}

async function srcOf(sha) {
  const blob = await get("blobs", sha);
  return blob ? URL.createObjectURL(new Blob([blob.bytes], { type: blob.type })) : `/api/blobs/${sha}`;
}

/** Thumbnails of photo records, from the bytes on this device (or the server's copy). */
export async function thumbnails(photos, { id = "photos" } = {}) {
  const imgs = [];
  for (const p of photos) {
    imgs.push(h("img", { src: await srcOf(p.blob_sha256), alt: p.caption || t("photo"), "data-sha": p.blob_sha256, "data-set": setOf(p), "data-original": p.original_sha256 || null }));
  }
  return h("div", { class: "thumbs", id }, imgs);
}

/** Save a photo of `set` at once (one tap on the common path: no markup). */
export function savePhoto(woId, { set, caption, photo }) {
  return recordVisit(woId, "photo", { blob_sha256: photo.sha256, caption: caption || null, photo_set: set }, { blob: photo });
}

/**
 * Replace an unmarked photo with its marked-up version: a new record whose blob is the
 * marked-up image and whose original_sha256 is the photo as taken (already stored), then
 * the unmarked record is voided. The original is never lost.
 */
export async function saveMarkup(photo, marked) {
  const record = await recordVisit(photo.work_order_id, "photo", {
    blob_sha256: marked.sha256,
    caption: photo.caption || null,
    photo_set: setOf(photo),
    original_sha256: photo.blob_sha256,
  }, { blob: marked });
  await voidRecord(photo.id);
  return record;
}

/** The pixels of a stored photo on a canvas (from this device, else the server's copy). */
async function photoCanvas(sha) {
  const stored = await get("blobs", sha);
  const blob = stored ? new Blob([stored.bytes], { type: stored.type }) : await (await fetch(`/api/blobs/${sha}`)).blob();
  const bitmap = await createImageBitmap(blob);
  const canvas = makeCanvas(bitmap.width, bitmap.height);
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  bitmap.close?.();
  return canvas;
}

/** Photo ids other records point to (the human-damage evidence): never replaced. */
function referenced(records) {
  return new Set(records.map((r) => r.data?.photo_id).filter(Boolean));
}

/**
 * The visit's photo card: choose the set, take the photo (saved at once, also offline),
 * then, if wanted, mark it up; before and after side by side, then the others.
 */
export async function photoSetsCard(ctx, wo, photos, records = []) {
  const hasBefore = photos.some((p) => setOf(p) === "before");
  const chosen = hasBefore ? "after" : "before";
  const keep = referenced(records);
  const setChoice = h("fieldset", { class: "segmented", id: "photo-set" },
    h("legend", {}, t("photo_set")),
    PHOTO_SETS.map((set) => h("label", { class: "seg" },
      h("input", { type: "radio", name: "photo_set", value: set, id: `photo-set-${set}`, checked: set === chosen }),
      h("span", {}, t(`photo_set_${set}`)))));
  const captionInput = h("input", { type: "text", name: "caption", id: "photo-caption", maxlength: 200 });
  const error = h("p", { class: "error", role: "alert", id: "photo-error" });
  const editorSlot = h("div", { id: "markup-slot" });
  const controls = h("div", { id: "photo-controls" },
    setChoice,
    h("label", { class: "field", for: "photo-caption" }, h("span", {}, t("photo_caption")), captionInput),
    fileInput("photo-input", t("take_photo"), async (file) => {
      error.textContent = "";
      let photo;
      try {
        photo = await compressPhoto(file);
      } catch (err) {
        console.error(err);
        error.textContent = t("photo_unreadable");
        return;
      }
      const set = controls.querySelector("input[name=photo_set]:checked")?.value || chosen;
      await act(ctx, () => savePhoto(wo.id, { set, caption: captionInput.value.trim(), photo }));
    }),
    error);

  async function openEditor(photo) {
    error.textContent = "";
    let source;
    try {
      source = await photoCanvas(photo.blob_sha256);
    } catch (err) {
      console.error(err);
      error.textContent = t("photo_unreadable");
      return;
    }
    controls.hidden = grid.hidden = true;
    const close = () => { replace(editorSlot); controls.hidden = grid.hidden = false; };
    replace(editorSlot, markupEditor(source, {
      onCancel: close,
      onSave: ({ marked }) => act(ctx, async () => saveMarkup(photo, await encodeCanvas(marked)),
        { button: editorSlot.querySelector("#markup-save") }),
    }));
    editorSlot.querySelector("#markup-canvas").scrollIntoView({ block: "center" });
  }

  const column = async (set) => {
    const mine = photos.filter((p) => setOf(p) === set);
    const items = [];
    for (const p of mine) {
      const canMark = !p.original_sha256 && !keep.has(p.id);
      items.push(h("figure", { class: "shot", "data-id": p.id },
        h("img", { src: await srcOf(p.blob_sha256), alt: p.caption || t(`photo_set_${set}`), "data-sha": p.blob_sha256, "data-set": set, "data-original": p.original_sha256 || null }),
        p.original_sha256 ? h("figcaption", { class: "sub" }, t("photo_marked")) : null,
        canMark ? h("button", { type: "button", class: "btn markup-open", "data-id": p.id, onclick: () => openEditor(p) }, t("markup_open")) : null));
    }
    return h("div", { class: "photo-col", "data-set": set },
      h("h3", {}, t(`photo_set_${set}`), " ", h("span", { class: "sub" }, `(${mine.length})`)),
      mine.length ? h("div", { class: "thumbs", id: `photos-${set}` }, items) : h("p", { class: "sub" }, t("photo_none")));
  };
  const hasOther = photos.some((p) => setOf(p) === "other");
  const grid = h("div", { id: "photos" },
    h("div", { class: "photo-pair", id: "photo-pair" }, await column("before"), await column("after")),
    hasOther ? await column("other") : null);
  return h("div", { class: "card", id: "photo-card" }, h("h2", {}, t("photos")), controls, editorSlot, grid);
}
