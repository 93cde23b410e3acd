// Navigation links for a job's address (issue #16): the phone's own map chooser (`geo:`) and
// the major Chinese map apps by their public URI pages, which open the app when it is installed
// and a web map when not. No text here: callers word the links (PWA catalogue, office page).
// Shared by the technician's job screen and the office schedule board (/static/js/navlinks.js).

const SOURCE = "onsite"; // the apps ask who sends the user; any stable name

/** [{ id, href, app }] for an address, or [] when there is none. `app` is the native scheme. */
export function navTargets(address) {
  const text = (address || "").trim();
  if (!text) return [];
  const q = encodeURIComponent(text);
  return [
    { id: "geo", href: `geo:0,0?q=${q}`, app: `geo:0,0?q=${q}` },
    {
      id: "amap",
      href: `https://uri.amap.com/search?keyword=${q}&src=${SOURCE}&callnative=1`,
      app: `androidamap://poi?sourceApplication=${SOURCE}&keywords=${q}`,
    },
    {
      id: "baidu",
      href: `https://api.map.baidu.com/geocoder?address=${q}&output=html&src=${SOURCE}`,
      app: `baidumap://map/geocoder?address=${q}&src=${SOURCE}`,
    },
    {
      id: "tencent",
      href: `https://apis.map.qq.com/uri/v1/search?keyword=${q}&referer=${SOURCE}`,
      app: `qqmap://map/search?keyword=${q}&referer=${SOURCE}`,
    },
  ];
}
