// Writes a DataMatrix symbol with ZXing's encoder (zxing-wasm) and prints {"png": base64}.
// Used by the scanner tests; the app itself only reads barcodes.
import { readFileSync } from "node:fs";
import { prepareZXingModule, writeBarcode } from "zxing-wasm/writer";

const wasm = readFileSync(new URL("../../node_modules/zxing-wasm/dist/writer/zxing_writer.wasm", import.meta.url));
await prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) }, fireImmediately: true });
const out = await writeBarcode(process.argv[2], { format: "DataMatrix", scale: 10 });
if (out.error) throw new Error(out.error);
process.stdout.write(JSON.stringify({ png: Buffer.from(await out.image.arrayBuffer()).toString("base64") }));
