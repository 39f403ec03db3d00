// A Next.js page rendered on the server: the server component decides with the full engine
// (Node) and hands the client component a snapshot, which renders and hydrates without
// WebAssembly in the browser.
import { readFileSync } from "node:fs";
import { Policy } from "rolegate";
import Toolbar from "./toolbar.js";

const policy = Policy.fromJson(readFileSync("outreach.policy.json", "utf8")); // once per server

export const dynamic = "force-dynamic";

export default function Page() {
  // The signed-in user and their organization, from your session or a verified token.
  const user = { id: "u2", roles: [{ role: "campaigner", scope: "org" }] };
  const organization = { id: "acme", features: [] };
  const session = policy.session(user, organization);
  const snapshot = session.snapshot(["org"]); // plain data: every action's decision at `org`
  session.free();
  return <Toolbar snapshot={snapshot} />;
}
