// The camera barcode scanner, loaded only when a scan is asked for. Uses the browser's
// BarcodeDetector where it reads the formats we need, otherwise ZXing compiled to
// WebAssembly (the barcode-detector ponyfill, served from /static/vendor, cached offline).

import { t } from "../i18n.js";
import { h } from "./dom.js";

/** Formats we read: Code 128, EAN-13, QR and DataMatrix at least. */
export const FORMATS = ["code_128", "ean_13", "qr_code", "data_matrix", "code_39", "ean_8"];
const VENDOR = new URL("/static/vendor/barcode-detector/", globalThis.location?.href);
let detectorPromise = null;

async function nativeDetector(formats) {
  if (!("BarcodeDetector" in globalThis)) return null;
  try {
    const supported = await globalThis.BarcodeDetector.getSupportedFormats();
    if (!formats.every((f) => supported.includes(f))) return null;
    return new globalThis.BarcodeDetector({ formats });
  } catch {
    return null;
  }
}

/** A detector for `formats` (native or ZXing-wasm); which one is in `.engine`. */
export function detector(formats = FORMATS) {
  detectorPromise ??= (async () => {
    const native = await nativeDetector(formats);
    if (native) return Object.assign(native, { engine: "native" });
    const mod = await import(new URL("ponyfill.js", VENDOR).href);
    mod.prepareZXingModule({
      overrides: {
        locateFile: (path, prefix) => (path.endsWith(".wasm") ? new URL(path, VENDOR).href : prefix + path),
      },
      fireImmediately: true,
    });
    return Object.assign(new mod.BarcodeDetector({ formats }), { engine: "zxing-wasm" });
  })().catch((err) => {
    detectorPromise = null;
    throw err;
  });
  return detectorPromise;
}

/**
 * Open the camera full screen and resolve with the first code read (its text), or null
 * when the technician cancels (they can then type the serial).
 */
export function scan({ title = t("scan_title") } = {}) {
  return new Promise((resolve) => {
    const video = h("video", { playsinline: true, muted: true, autoplay: true, "aria-label": t("camera_view") });
    const message = h("p", { role: "status", id: "scan-status" }, t("scan_starting"));
    const cancel = h("button", { type: "button", class: "btn block", id: "scan-cancel" }, t("scan_cancel"));
    const dialog = h("dialog", { class: "scanner", id: "scanner", "aria-label": title },
      h("div", { class: "inner" }, h("div", {}, h("h2", {}, title), message), video, cancel));
    document.body.append(dialog);
    let stream = null;
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      stream?.getTracks().forEach((tr) => tr.stop());
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    cancel.addEventListener("click", () => finish(null));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); finish(null); });
    dialog.showModal();
    (async () => {
      try {
        const [det, media] = await Promise.all([
          detector(),
          navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 } }, audio: false }),
        ]);
        stream = media;
        if (done) return finish(null);
        video.srcObject = stream;
        await video.play().catch(() => {});
        message.textContent = t("scan_aim");
        dialog.dataset.engine = det.engine;
        while (!done) {
          if (video.readyState >= 2) {
            const codes = await det.detect(video).catch(() => []);
            const code = codes.find((c) => c.rawValue);
            if (code) {
              navigator.vibrate?.(100);
              return finish(code.rawValue.trim());
            }
          }
          await new Promise((r) => setTimeout(r, 120));
        }
      } catch (err) {
        console.warn("scanner", err);
        message.textContent = t("scan_failed", { reason: err.name || err.message });
      }
    })();
  });
}
