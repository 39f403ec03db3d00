// A React app: the toolbar shows, locks (disabled, with the policy's hint) or hides its
// buttons for the signed-in user; switching the user re-renders what depends on it.
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { Policy, ready } from "rolegate";
import { Can, RolegateProvider, useDecision } from "rolegate/react";

const people = {
  Camila: { id: "u2", roles: [{ role: "campaigner", scope: "org" }] },
  Omar: { id: "u3", roles: [{ role: "operations", scope: "org" }] },
};
const organization = { id: "acme", features: [] }; // Outreach not enabled yet

function Toolbar() {
  const cx = useDecision("cx.view");
  return (
    <nav>
      <Can action="campaign.create" locked={(d) => <button disabled title={d.hint}>New campaign</button>}>
        <button>New campaign</button>
      </Can>
      {cx.allowed && <a href="/cx">CX</a>}
    </nav>
  );
}

function App({ policy }) {
  const [name, setName] = useState("Camila");
  return (
    <RolegateProvider policy={policy} principal={people[name]} tenant={organization}>
      <select value={name} onChange={(e) => setName(e.target.value)}>
        {Object.keys(people).map((n) => <option key={n}>{n}</option>)}
      </select>
      <Toolbar />
    </RolegateProvider>
  );
}

// The compiled policy, served next to the page (`npx rolegate build outreach.policy.json -o public/outreach.rolegate`).
Promise.all([ready, fetch("outreach.rolegate").then((r) => r.arrayBuffer())]).then(([, bytes]) => {
  createRoot(document.getElementById("root")).render(<App policy={Policy.load(bytes)} />);
});
