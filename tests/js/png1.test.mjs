import { test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { png1 } from "../../pwa/static/js/png1.js";

function chunks(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    out.push({ type, data: bytes.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

test("a 1-bit PNG of the strokes: black where the ink is, white elsewhere, and small", async () => {
  const width = 300, height = 120;
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let x = 20; x < 280; x++) for (const y of [59, 60, 61]) rgba.set([0, 0, 0, 255], (y * width + x) * 4); // a stroke
  rgba.set([0, 0, 0, 0], (10 * width + 10) * 4); // transparent counts as the white paper
  const bytes = await png1(rgba, width, height);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const [ihdr, idat, iend] = chunks(bytes);
  assert.equal(ihdr.type, "IHDR");
  const head = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, 13);
  assert.deepEqual([head.getUint32(0), head.getUint32(4), ihdr.data[8], ihdr.data[9]], [width, height, 1, 0]);
  assert.equal(iend.type, "IEND");
  const raw = inflateSync(idat.data); // zlib-wrapped, as PNG requires
  const stride = Math.ceil(width / 8) + 1;
  assert.equal(raw.length, stride * height);
  const pixel = (x, y) => (raw[y * stride + 1 + (x >> 3)] >> (7 - (x & 7))) & 1;
  assert.equal(pixel(100, 60), 0, "ink is black");
  assert.equal(pixel(100, 20), 1, "paper is white");
  assert.equal(pixel(10, 10), 1, "transparent is paper");
  assert.ok(bytes.length < 600, `${bytes.length} bytes`);
});
