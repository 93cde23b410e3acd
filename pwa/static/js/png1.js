// A signature as what it is: black strokes on white, stored as a 1-bit greyscale PNG at CSS
// resolution. The signature pad's own PNG is 8-bit RGBA at the screen's pixel ratio (~28 KB
// for a 612x392 pad); this is ~2 KB of the same strokes, which a phone on a weak 3G uplink
// sends ten times faster (issue #17). The server and the PDF read it like any PNG.
//
// PNG needs zlib-wrapped deflate (RFC 1950): CompressionStream("deflate") makes exactly that.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let crcTable = null;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const typed = new TextEncoder().encode(type);
  out.set(typed, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

async function zlib(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * A 1-bit greyscale PNG of `width` x `height` pixels from RGBA pixel data: a pixel darker
 * than `threshold` (0-255 luminance, alpha over white) is black, the rest white.
 */
export async function png1(rgba, width, height, threshold = 160) {
  const stride = Math.ceil(width / 8);
  const raw = new Uint8Array((stride + 1) * height); // each row: filter byte 0, then the bits
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const a = rgba[i + 3] / 255;
      const lum = (0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]) * a + 255 * (1 - a);
      if (lum >= threshold) raw[row + 1 + (x >> 3)] |= 0x80 >> (x & 7); // 1 = white
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  const parts = [Uint8Array.from(SIGNATURE), chunk("IHDR", header), chunk("IDAT", await zlib(raw)), chunk("IEND", new Uint8Array())];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The pad's drawing at CSS resolution (`width` x `height`), as a 1-bit PNG's bytes. */
export async function signaturePng(canvas, width, height) {
  const small = typeof OffscreenCanvas !== "undefined"
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement("canvas"), { width, height });
  const ctx = small.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(canvas, 0, 0, width, height);
  return png1(ctx.getImageData(0, 0, width, height).data, width, height);
}
