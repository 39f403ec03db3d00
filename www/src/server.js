// The page's calls to `rolegate serve`: the demo's endpoints under /demo/ and the
// product's API under /<preset>/api/, with the person's signed token.

async function json(response) {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return { reason: "not_json", message: text.slice(0, 200) };
  }
}

const tokens = new Map();

export const api = {
  /** The presets the server has, or null when there is no server (a static page). */
  async info() {
    try {
      const response = await fetch("/demo", { headers: { accept: "application/json" } });
      if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return null;
      return await response.json();
    } catch {
      return null;
    }
  },
  async snapshot(preset) {
    return json(await fetch(`/demo/${preset}`));
  },
  async reset(preset) {
    tokens.clear();
    return json(await fetch(`/demo/${preset}/reset`, { method: "POST" }));
  },
  /** A signed token for a person of the team, with the tenant's plan and features. */
  async token(preset, { member, plan, features }) {
    const key = JSON.stringify([preset, member, plan, features]);
    if (!tokens.has(key)) {
      const answer = await json(await fetch(`/demo/${preset}/token`, { method: "POST", body: JSON.stringify({ member, plan, features }) }));
      if (!answer.token) throw new Error(answer.message ?? "no token");
      tokens.set(key, answer.token);
    }
    return tokens.get(key);
  },
  /** A request to the product's API; the status, the gate's reason and fingerprint, and the body. */
  async request(preset, { method, path }, token, body) {
    const init = { method, headers: { authorization: `Bearer ${token}` } };
    if (method !== "GET" && body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["content-type"] = "application/json";
    }
    const response = await fetch(`/${preset}${path}`, init);
    const answer = await json(response);
    return {
      status: response.status,
      reason: response.headers.get("rolegate-reason") ?? answer.reason ?? String(response.status),
      fingerprint: response.headers.get("rolegate-policy"),
      effect: answer.effect,
      body: answer,
    };
  },
  async team(preset, change, token) {
    tokens.clear(); // roles may change: tokens carry them
    const response = await fetch(`/demo/${preset}/team`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(change) });
    const answer = await json(response);
    return { status: response.status, reason: answer.reason ?? "applied", message: answer.message, event: answer.event };
  },
  async pushPolicy(preset, text) {
    tokens.clear();
    const response = await fetch(`/demo/${preset}/policy`, { method: "PUT", body: text });
    return { status: response.status, ...(await json(response)) };
  },
};
