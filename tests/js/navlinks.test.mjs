import { test } from "node:test";
import assert from "node:assert/strict";
import { navTargets } from "../../pwa/static/js/navlinks.js";

const ADDRESS = "成都市武侯区人民南路 4 段 12 号 3-2";

test("an address gives a geo: link and the Amap, Baidu and Tencent links, each with the address encoded", () => {
  const links = Object.fromEntries(navTargets(ADDRESS).map((l) => [l.id, l]));
  assert.deepEqual(Object.keys(links), ["geo", "amap", "baidu", "tencent"]);
  const q = encodeURIComponent(ADDRESS);
  assert.equal(links.geo.href, `geo:0,0?q=${q}`);
  assert.ok(links.amap.href.startsWith(`https://uri.amap.com/search?keyword=${q}&`));
  assert.ok(links.amap.app.startsWith("androidamap://poi?"));
  assert.ok(links.baidu.href.startsWith(`https://api.map.baidu.com/geocoder?address=${q}&output=html`));
  assert.ok(links.baidu.app.startsWith(`baidumap://map/geocoder?address=${q}`));
  assert.ok(links.tencent.href.startsWith(`https://apis.map.qq.com/uri/v1/search?keyword=${q}&`));
  assert.ok(links.tencent.app.startsWith(`qqmap://map/search?keyword=${q}`));
  // the address decodes back whole: "&", "#" and spaces cannot cut it short
  const tricky = "北京市朝阳区 A&B 大厦 #5";
  const url = new URL(navTargets(tricky).find((l) => l.id === "amap").href);
  assert.equal(url.searchParams.get("keyword"), tricky);
});

test("no address, no links", () => {
  assert.deepEqual(navTargets(""), []);
  assert.deepEqual(navTargets("   "), []);
  assert.deepEqual(navTargets(null), []);
});
