# workerd config for the gate: `npm run build && npx workerd serve config.capnp`.
# The gate listens on 127.0.0.1:8787 and forwards allowed requests to the origin on
# 127.0.0.1:8788; the policy is fetched from POLICY_URL.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gate", worker = .gate),
    (name = "origin", external = (address = "127.0.0.1:8788", http = ())),
    # The policy URL is on this machine: let fetch reach local addresses.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "gate") ],
);

const gate :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "wasm-full/rolegate_bg.wasm", wasm = embed "node_modules/rolegate/wasm-full/rolegate_bg.wasm"),
  ],
  bindings = [
    (name = "TOKENS", text = embed "tokens.json"),
    (name = "POLICY_URL", text = "http://127.0.0.1:8789/policy.json"),
    (name = "POLICY_INTERVAL_MS", text = "30000"),
    (name = "ORIGIN", service = "origin"),
  ],
  compatibilityDate = "2025-01-01",
);
