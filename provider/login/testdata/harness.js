// Runs the login page's script against a minimal DOM and scripted
// EventSource/fetch, then prints what happened as JSON. Used by
// script_test.go; argv: script file, scenario name, the page's data-events,
// data-status and data-next ("-": the page has no data-next), and the
// page's origin.
"use strict";
const fs = require("fs");
const [, , scriptFile, scenario, dataEvents, dataStatus, dataNext, origin] = process.argv;
const log = { submitted: 0, navigations: [], status: [], fetches: [], sources: [], hidden: false, focused: false };

function el(attrs) {
  return {
    attrs, hidden: false, textContent: "", className: "", children: [],
    getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; },
    appendChild(c) { this.children.push(c); },
    replaceChildren(...c) { this.children = c; log.status.push(text(this)); },
    querySelector() { return { focus() { log.focused = true; } }; },
  };
}
function text(n) {
  if (n.nodeText !== undefined) return n.nodeText;
  return (n.textContent || "") + n.children.map(text).join("");
}
const data = el({ "data-events": dataEvents, "data-status": dataStatus, "data-expires": String(Date.now() + 90000),
  "data-msg-done": "DONE", "data-msg-left": "{t} left", "data-msg-expired": "EXPIRED", "data-msg-retry": "RETRY", "data-msg-error": "Error:",
  "data-msg-connected": "CONNECTED" });
if (dataNext !== "-") data.attrs["data-next"] = dataNext;
const form = el({});
form.elements = { bt: { value: "TOKEN" } };
form.submit = () => { log.submitted++; };
Object.defineProperty(form, "hidden", { set(v) { log.hidden = v; }, get() { return log.hidden; } });
const status = el({}), remaining = el({}), restart = el({});
const byId = { "login-data": data, continue: form, status, remaining, restart };
global.document = {
  getElementById: (id) => byId[id] || null,
  documentElement: { lang: "en" },
  createElement: () => el({}),
  createTextNode: (t) => ({ nodeText: t, children: [] }),
};
global.window = global;
global.location = {
  origin, href: origin + "/login?id=req1",
  assign(u) { log.navigations.push("assign " + u); },
  replace(u) { log.navigations.push("replace " + u); },
};
const timers = [];
global.setTimeout = (f) => { timers.push(f); return timers.length; };
global.clearTimeout = () => {};
global.setInterval = () => 1;
global.clearInterval = () => {};

class FakeES {
  constructor(url) { this.url = url; log.sources.push(url); FakeES.last = this; }
  close() { this.closed = true; }
}
const scenarios = {
  // The stream says pending, then done: the page moves on once.
  sseDone() { const s = FakeES.last; s.onmessage({ data: '{"state":"pending"}' }); s.onmessage({ data: '{"state":"done"}' }); s.onmessage({ data: '{"state":"done"}' }); },
  // A phone claims the transaction: the page says so once, then moves on.
  sseConnected() { const s = FakeES.last; s.onmessage({ data: '{"state":"pending","binding_code":"42"}' }); s.onmessage({ data: '{"state":"pending","device_connected":true,"binding_code":"42"}' }); s.onmessage({ data: '{"state":"pending","device_connected":true,"binding_code":"42"}' }); s.onmessage({ data: '{"state":"done","device_connected":true}' }); },
  // The stream reports a final failure with the bridge's text.
  sseFailed() { FakeES.last.onmessage({ data: '{"state":"failed","error":{"code":"too_many_attempts","message":"Too many.","message_ja":"多すぎ"}}' }); },
  // The transaction expires without an error of its own: the page's text.
  sseExpired() { FakeES.last.onmessage({ data: '{"state":"expired"}' }); FakeES.last.onmessage({ data: '{"state":"done"}' }); },
  // The stream breaks: polling with the bearer header takes over.
  sseError() { FakeES.last.onerror(); },
};
global.EventSource = FakeES;
let fetchAnswers = [{ ok: true, status: 200, body: { state: "pending" } }, { ok: true, status: 200, body: { state: "done" } }];
global.fetch = (url, opts) => {
  log.fetches.push({ url, auth: opts.headers.Authorization });
  const a = fetchAnswers.shift() || { ok: false, status: 404, body: { code: "not_found", message: "gone" } };
  return Promise.resolve({ ok: a.ok, status: a.status, json: () => Promise.resolve(a.body) });
};

eval(fs.readFileSync(scriptFile, "utf8"));
scenarios[scenario]();
(async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    const t = timers.shift();
    if (t) t();
    await new Promise((r) => setImmediate(r));
  }
  console.log(JSON.stringify(log));
})();
