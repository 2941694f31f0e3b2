// Runs Thunderbird's own Autoconfig reader (readFromXML.sys.mjs, with
// JXON.sys.mjs turning the DOM into the object it reads) or its Exchange
// Autodiscover reader (readAutoDiscoverResponse of ExchangeAutoDiscover.sys.mjs)
// under node, on documents given as JSON: [{"name": ..., "xml": ...}] on
// standard input.
// Prints [{"name", "ok", "error", "incoming": [...], "outgoing": [...]}].
//
// argv[2]: a directory holding Thunderbird's modules/ as extracted from
// the installed omni.ja by thunderbird.py, their resource:// imports
// already pointed at that directory. argv[3]: a node_modules directory
// holding @xmldom/xmldom. argv[4]: autoconfig or autodiscover. Only what
// Firefox's platform would give the modules is stubbed below: the
// lazy-module helpers, the preferences (all defaults: off), localisation
// (the message id itself) and the interface constants.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modDir, nodeDir, reader = "autoconfig"] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { DOMParser } = require(nodeDir + "/@xmldom/xmldom");

const registry = {};
globalThis.ChromeUtils = {
  defineESModuleGetters(obj, map) {
    for (const [name, url] of Object.entries(map)) {
      Object.defineProperty(obj, name, {
        configurable: true,
        get: () => registry[url][name],
      });
    }
  },
  defineLazyGetter(obj, name, fn) {
    Object.defineProperty(obj, name, {
      configurable: true,
      get() {
        const value = fn();
        Object.defineProperty(obj, name, { value });
        return value;
      },
    });
  },
};
globalThis.Localization = class {
  formatValueSync(id) {
    return id;
  }
};
globalThis.Services = {
  prefs: {
    getBoolPref: (name, dflt) => dflt ?? false,
    getIntPref: (name, dflt) => dflt ?? 0,
    getCharPref: (name, dflt) => dflt ?? "",
    getStringPref: (name, dflt) => dflt ?? "",
  },
  io: {
    newURI(spec) {
      const u = new URL(spec);
      return { scheme: u.protocol.replace(/:$/, ""), spec: u.href, QueryInterface() { return this; } };
    },
  },
};
// nsMsgSocketType and nsMsgAuthMethod (mailnews/base/public/MailNewsTypes2.idl).
const socketTypes = { plain: 0, trySTARTTLS: 1, alwaysSTARTTLS: 2, SSL: 3 };
const authMethods = {
  none: 1, old: 2, passwordCleartext: 3, passwordEncrypted: 4, GSSAPI: 5,
  NTLM: 6, External: 7, secure: 8, anything: 9, OAuth2: 10,
};
globalThis.Ci = { nsMsgSocketType: socketTypes, nsMsgAuthMethod: authMethods, nsIURL: {} };
globalThis.Cu = { isInAutomation: false };
globalThis.dump = () => {};
// Gecko's console.createInstance (a prefixed logger): silent here.
console.createInstance = () => new Proxy({}, { get: () => () => {} });
const quiet = console.error;
console.error = () => {}; // readFromXML reports every skipped value here

const base = pathToFileURL(modDir).href;
const urls = {
  readFromXML: "resource:///modules/accountcreation/readFromXML.sys.mjs",
  AccountConfig: "resource:///modules/accountcreation/AccountConfig.sys.mjs",
  InputSanitizer: "resource:///modules/accountcreation/InputSanitizer.sys.mjs",
  AccountCreationUtils: "resource:///modules/accountcreation/AccountCreationUtils.sys.mjs",
  JXON: "resource:///modules/JXON.sys.mjs",
  OAuth2Providers: "resource:///modules/OAuth2Providers.sys.mjs",
};
if (reader === "autodiscover") {
  urls.ExchangeAutoDiscover = "resource:///modules/accountcreation/ExchangeAutoDiscover.sys.mjs";
}
// The extracted modules name each other by these file: URLs.
for (const [key, url] of Object.entries(urls)) {
  urls[key] = url.replace("resource:///", base + "/");
  registry[urls[key]] = await import(urls[key]);
}
const { JXON } = registry[urls.JXON];
const read = reader === "autodiscover"
  ? xml => registry[urls.ExchangeAutoDiscover].readAutoDiscoverResponse(xml, null)
  : xml => registry[urls.readFromXML].readFromXML(xml, "isp-https");

const name = (table, value) =>
  Object.keys(table).find(k => table[k] === value) ?? String(value);
const server = s => ({
  type: s.type,
  hostname: s.hostname,
  port: s.port,
  socketType: name(socketTypes, s.socketType),
  auth: name(authMethods, s.auth),
  username: s.username,
});

const out = [];
for (const doc of JSON.parse(readFileSync(0, "utf8"))) {
  try {
    let failure = null;
    const parser = new DOMParser({
      onError: (level, msg) => {
        if (level !== "warning") failure = msg;
      },
    });
    const dom = parser.parseFromString(doc.xml, "text/xml");
    if (failure) throw new Error("XML parse error: " + failure);
    const config = read(JXON.build(dom));
    out.push({
      name: doc.name,
      ok: true,
      id: config.id,
      domains: config.domains,
      incoming: [config.incoming, ...config.incomingAlternatives].map(server),
      outgoing: [config.outgoing, ...config.outgoingAlternatives].map(server),
    });
  } catch (e) {
    out.push({ name: doc.name, ok: false, error: String(e && e.message || e) });
  }
}
console.error = quiet;
process.stdout.write(JSON.stringify(out));
