// Cloudflare Worker: gate requests by method and path before they reach the origin.
import { Policy } from "rolegate";
import policyDocument from "../outreach.policy.json";

const policy = Policy.fromObject(policyDocument); // compiled once per isolate

const routes = [
  { method: "POST", path: /^\/api\/campaigns$/, action: "campaign.create" },
  { method: "DELETE", path: /^\/api\/campaigns\/[^/]+$/, action: "campaign.delete" },
  { method: "PUT", path: /^\/api\/settings\/sms$/, action: "sms.configure" },
];

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const route = routes.find((r) => r.method === request.method && r.path.test(url.pathname));
    if (!route) return new Response("not found", { status: 404 });
    // In production the principal comes from a verified session token.
    let session;
    try {
      const principal = JSON.parse(request.headers.get("x-principal") ?? '{"id":"anonymous"}');
      const tenant = JSON.parse(request.headers.get("x-tenant") ?? '{"id":"unknown"}');
      session = policy.session(principal, tenant);
    } catch (error) {
      // A RolegateError (unknown role, bad scope...) or unreadable JSON.
      return Response.json({ error: error.code ?? "bad_request", message: error.message }, { status: 401 });
    }
    const decision = session.check(route.action);
    if (!decision.allowed) {
      return Response.json({ error: decision.reason, hint: decision.hint ?? null }, { status: 403 });
    }
    return new Response(`${route.action}: allowed`, { status: 200 }); // forward to the origin here
  },
};
