// Starts the demo: with `rolegate serve` behind the page, its data and policies; as a
// static page, the data and policies bundled at build time.

import { render } from "preact";
import { App } from "./app.jsx";
import { api } from "./server.js";
import { DATA, POLICIES, PRESETS, DEFAULT_PRESET } from "./bundled.js";

const started = performance.now();

function bundled(name) {
  return { data: DATA[name], policy: POLICIES[name], fingerprint: null, audit: [], activity: [] };
}

async function boot() {
  const info = globalThis.ROLEGATE_STATIC ? null : await api.info();
  const wanted = new URLSearchParams(location.search).get("preset");
  const presets = info ? info.presets.map((p) => p.name) : PRESETS;
  const preset = presets.includes(wanted) ? wanted : info ? info.default : DEFAULT_PRESET;
  const snapshot = info ? await api.snapshot(preset) : bundled(preset);
  const root = document.getElementById("root");
  root.textContent = "";
  render(<App boot={{ server: Boolean(info), presets, preset, snapshot, load: bundled }} />, root);
  window.__rolegateTiming = { firstRender: performance.now() - started, sinceNavigation: performance.now() };
}

boot().catch((error) => {
  document.getElementById("root").textContent = `The demo could not start: ${error.message}`;
  console.error(error);
});
