// The demo app: a call-center SaaS screen whose every control is shown, locked or hidden
// by the rolegate policy in force, a policy workbench (editor, what changed, matrix, team
// lint) and, with `rolegate serve`, the server's answers to the same requests.

import { h, Fragment } from "preact";
import { useEffect, useMemo, useRef, useState, useCallback } from "preact/hooks";
import { Policy } from "rolegate/full";
import { PAGES, PRODUCTS } from "./products.js";
import { createEditor } from "./editor.js";
import { decide, dryRun, inCatalog, policyChanges, principalOf, requestFor, rolesText, rootLevel, stateOf, target } from "./engine.js";
import { api } from "./server.js";

let hintCounter = 0;

/** The page named by the address (`#/campaigns`), so that every page has a link. */
function pageFromHash() {
  const id = location.hash.replace(/^#\/?/, "");
  return PAGES.some(([p]) => p === id) ? id : "dashboard";
}

/** A control decided by the engine: a button marked `data-rolegate` with its state. */
function Control({ ctx, action, label, record, type, method, body, member, className = "", onDone, navigates = false, children }) {
  const decision = decide(ctx.session, ctx.policy, action, { scope: ctx.scope, record, type, root: ctx.root });
  const state = stateOf(decision);
  const hintId = useMemo(() => `hint-${++hintCounter}`, []);
  if (state === "absent") {
    if (!ctx.why) return null;
    return (
      <button type="button" class={`ctl absent ${className}`} aria-disabled="true" title={`Not in this product: the policy has no action \`${action}\``} onClick={() => ctx.explainAbsent(label, action)}>
        {children ?? label}
      </button>
    );
  }
  const where = target(ctx.policy, action, { scope: ctx.scope, record, type, root: ctx.root });
  const scope = typeof where === "string" ? where : where.scope;
  const reveal = ctx.why || ctx.force;
  const hint = decision.effect === "locked" ? decision.hint ?? "Locked" : decision.effect === "deny" ? `Hidden: ${decision.reason}` : undefined;
  const onClick = (event) => {
    event.preventDefault();
    // "Why?" explains instead of acting; "Force it" sends the request whatever the state.
    if (ctx.why) ctx.explain({ label, action, where, decision });
    if ((state === "shown" && (!ctx.why || navigates)) || ctx.force) {
      Promise.resolve(ctx.send({ label, action, decision, method, record, member, body })).then(() => onDone?.());
    }
  };
  return (
    <>
      <button
        type="button"
        class={`ctl ${state} ${className}`}
        data-rolegate={action}
        data-rolegate-scope={scope}
        data-rolegate-type={record ? type : undefined}
        data-rolegate-id={record ? record.id : undefined}
        data-rolegate-state={state}
        data-rolegate-reason={decision.reason}
        hidden={state === "hidden" && !reveal}
        aria-disabled={state === "shown" ? undefined : "true"}
        aria-describedby={hint ? hintId : undefined}
        title={hint}
        onClick={onClick}
      >
        {children ?? label}
      </button>
      {hint && state !== "hidden" ? (
        <span id={hintId} class="sr-only">
          {hint}
        </span>
      ) : hint && reveal ? (
        <span id={hintId} class="sr-only">
          {hint}
        </span>
      ) : null}
    </>
  );
}

/** A team change button: decided by the catalog action that gates it, then by the team rules. */
function TeamControl({ ctx, gate, change, label }) {
  const hintId = useMemo(() => `hint-${++hintCounter}`, []);
  const gateDecision = gate && inCatalog(ctx.policy, gate) ? ctx.session.check(gate, "") : null;
  let state = "shown";
  let hint;
  let reason;
  if (gateDecision && gateDecision.effect !== "allow") {
    state = gateDecision.effect === "locked" ? "locked" : "hidden";
    hint = gateDecision.hint ?? `Hidden: ${gateDecision.reason}`;
    reason = gateDecision.reason;
  } else {
    const dry = dryRun(ctx.policy, ctx.team, ctx.tenant, ctx.person, change);
    if (!dry.allowed) {
      state = "locked";
      hint = `${dry.message} (${dry.reason})`;
      reason = dry.reason;
    }
  }
  const reveal = ctx.why || ctx.force;
  const onClick = (event) => {
    event.preventDefault();
    if (ctx.why) ctx.explainTeam({ label, change, state, hint, reason });
    if ((state === "shown" && !ctx.why) || ctx.force) ctx.sendTeam({ label, change, state, reason });
  };
  return (
    <>
      <button
        type="button"
        class={`ctl small ${state}`}
        data-team-change={change.type}
        data-team-target={change.member ?? change.to ?? change.scope}
        data-team-state={state}
        data-team-reason={reason}
        hidden={state === "hidden" && !reveal}
        aria-disabled={state === "shown" ? undefined : "true"}
        aria-describedby={hint ? hintId : undefined}
        title={hint}
        onClick={onClick}
      >
        {label}
      </button>
      {hint ? (
        <span id={hintId} class="sr-only">
          {hint}
        </span>
      ) : null}
    </>
  );
}

function Buttons({ ctx, items, onDone }) {
  return (
    <div class="buttons">
      {(items ?? []).map(([label, action, method]) => (
        <Control key={action + label} ctx={ctx} action={action} label={label} method={method} onDone={onDone} />
      ))}
    </div>
  );
}

/** The records of a type in the current scope that the person may see (all with "Why?"). */
function Records({ ctx, spec, title, onDone }) {
  const all = (ctx.data.resources?.[spec.type] ?? []).filter((r) => !ctx.scoped || !r.scope || r.scope === ctx.scope);
  const rows = all.map((record) => {
    const decision = spec.view ? decide(ctx.session, ctx.policy, spec.view, { scope: ctx.scope, record, type: spec.type, root: ctx.root }) : null;
    return { record, decision, state: decision ? stateOf(decision) : "shown" };
  });
  const reveal = ctx.why || ctx.force;
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        <Buttons ctx={ctx} items={spec.toolbar} onDone={onDone} />
      </header>
      <table class="records">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Assigned to</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ record, decision, state }) => (
            <tr
              key={record.id}
              data-record={record.id}
              data-rolegate={spec.view ?? undefined}
              data-rolegate-scope={spec.view ? record.scope ?? (ctx.scoped ? ctx.scope : "") : undefined}
              data-rolegate-type={spec.view ? spec.type : undefined}
              data-rolegate-id={spec.view ? record.id : undefined}
              data-rolegate-state={spec.view ? state : undefined}
              hidden={state === "hidden" && !reveal}
              class={state === "hidden" ? "row-hidden" : ""}
              title={state === "hidden" ? `Hidden: ${decision.reason}` : undefined}
            >
              <td>
                <span class="rec-name">{record.name}</span> <span class="muted">{record.id}</span>
              </td>
              <td>{record.status ? <span class={`pill ${record.status}`}>{record.status}</span> : "—"}</td>
              <td>{record.attrs?.assignee ? ctx.names[record.attrs.assignee] ?? record.attrs.assignee : record.attrs?.agents ? record.attrs.agents.map((a) => ctx.names[a] ?? a).join(", ") : "—"}</td>
              <td class="row-actions">
                {spec.row.map(([label, action]) => (
                  <Control key={action} ctx={ctx} action={action} label={label} record={record} type={spec.type} className="small" body={action.endsWith("assign") ? { assignee: ctx.person } : { name: record.name }} onDone={onDone} />
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.every((r) => r.state === "hidden") && !reveal ? <p class="muted">Nothing here you may see.</p> : null}
    </section>
  );
}

function Dashboard({ ctx }) {
  const perms = ctx.session.permissions(ctx.scoped ? ctx.scope : "");
  const counts = { allow: 0, locked: 0, deny: 0 };
  for (const d of Object.values(perms)) counts[d.effect]++;
  const member = ctx.team.members.find((m) => m.id === ctx.person);
  return (
    <section class="card">
      <h2>Welcome, {ctx.names[ctx.person] ?? ctx.person}</h2>
      <p class="muted">{ctx.product.about}</p>
      <div class="stats">
        <div class="stat">
          <b>{member ? rolesText(ctx.policy, member, ctx.scopeNames) : "—"}</b>
          <span>your roles</span>
        </div>
        <div class="stat">
          <b>{counts.allow}</b>
          <span>actions allowed{ctx.scoped ? " here" : ""}</span>
        </div>
        <div class="stat">
          <b>{counts.locked}</b>
          <span>locked by a feature or plan</span>
        </div>
        <div class="stat">
          <b>{counts.deny}</b>
          <span>hidden</span>
        </div>
        <div class="stat">
          <b>${Number(ctx.data.wallet?.balance ?? 0).toFixed(2)}</b>
          <span>wallet balance</span>
        </div>
      </div>
    </section>
  );
}

function Billing({ ctx, spec, onDone }) {
  const [chosen, setTab] = useState(null);
  const tabs = [
    ["subscription", "Subscription", spec.subscription],
    ["payment", "Payment methods", spec.payment],
    ["wallet", "Wallet", spec.wallet ? null : undefined],
  ];
  // The tab open at first: the first one the person may see.
  const visible = tabs.filter(([, , action]) => action === null || (action && decide(ctx.session, ctx.policy, action, { scope: ctx.scope, root: ctx.root })?.effect !== "deny"));
  const tab = chosen && visible.some(([id]) => id === chosen) ? chosen : visible[0]?.[0] ?? "subscription";
  const wallet = ctx.data.wallet ?? {};
  return (
    <section class="card">
      <h2>Billing</h2>
      <div class="tabs" role="tablist">
        {tabs.map(([id, label, action]) =>
          action === undefined ? null : action === null ? (
            <button key={id} type="button" role="tab" aria-selected={tab === id} class={`tab ${tab === id ? "on" : ""}`} onClick={() => setTab(id)}>
              {label}
            </button>
          ) : (
            <Control key={id} ctx={{ ...ctx, send: (args) => (args.decision.allowed ? setTab(id) : ctx.send(args)) }} action={action} navigates label={label} className={`tab ${tab === id ? "on" : ""}`}>
              {label}
            </Control>
          ),
        )}
      </div>
      {tab === "subscription" ? (
        <div class="tab-body">
          <p>
            Plan: <b>{ctx.tenant.plan ?? "none"}</b>
          </p>
          {spec.subscription ? <Control ctx={ctx} action={spec.subscription} label="Change plan" method="PUT" onDone={onDone} /> : null}
        </div>
      ) : tab === "payment" ? (
        <div class="tab-body">
          <p>Visa ending 4242</p>
          {spec.payment ? <Control ctx={ctx} action={spec.payment} label="Update payment method" method="PUT" onDone={onDone} /> : null}
        </div>
      ) : (
        <div class="tab-body">
          <p>
            Balance: <b>${Number(wallet.balance ?? 0).toFixed(2)}</b> · auto-recharge {wallet.auto_recharge ? "on" : "off"} · low-balance alerts {wallet.low_balance_alert ? "on" : "off"}
          </p>
          <div class="buttons">
            {spec.wallet?.load ? <Control ctx={ctx} action={spec.wallet.load} label="Load $25" method="POST" body={{ amount: 25 }} onDone={onDone} /> : null}
            {spec.wallet?.auto_recharge ? <Control ctx={ctx} action={spec.wallet.auto_recharge} label="Toggle auto-recharge" onDone={onDone} /> : null}
            {spec.wallet?.low_balance_alert ? <Control ctx={ctx} action={spec.wallet.low_balance_alert} label="Toggle low-balance alerts" onDone={onDone} /> : null}
          </div>
        </div>
      )}
    </section>
  );
}

function Team({ ctx, spec, audit, onDone }) {
  const [invite, setInvite] = useState({ id: "", role: "" });
  const rootRoles = ctx.policy.roles.filter((r) => r.scope === ctx.root);
  const role = invite.role || rootRoles[rootRoles.length - 1]?.name;
  const transfer = ctx.doc.team?.transfer;
  const [roleOf, setRoleOf] = useState({});
  return (
    <section class="card">
      <header class="card-head">
        <h2>Team</h2>
        <form
          class="invite"
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <label>
            New member <input value={invite.id} placeholder="id" onInput={(e) => setInvite({ ...invite, id: e.currentTarget.value })} size="8" />
          </label>
          <select aria-label="Role of the new member" value={role} onChange={(e) => setInvite({ ...invite, role: e.currentTarget.value })}>
            {rootRoles.map((r) => (
              <option key={r.name} value={r.name}>
                {r.label ?? r.name}
              </option>
            ))}
          </select>
          <TeamControl ctx={ctx} gate={spec.invite} label="Invite" change={{ type: "invite", member: invite.id || "newbie", email: `${invite.id || "newbie"}@example.com`, role }} />
        </form>
      </header>
      <table class="records team">
        <thead>
          <tr>
            <th>Member</th>
            <th>Roles</th>
            <th>Status</th>
            <th>Change</th>
          </tr>
        </thead>
        <tbody>
          {ctx.team.members.map((m) => {
            const next = roleOf[m.id] ?? rootRoles.find((r) => r.name !== m.role)?.name;
            return (
              <tr key={m.id} data-member={m.id}>
                <td>
                  {ctx.names[m.id] ?? m.id} <span class="muted">{m.email}</span>
                </td>
                <td>{rolesText(ctx.policy, m, ctx.scopeNames)}</td>
                <td>{m.status}</td>
                <td class="row-actions">
                  {m.role ? (
                    <>
                      <select aria-label={`New role for ${m.id}`} value={next} onChange={(e) => setRoleOf({ ...roleOf, [m.id]: e.currentTarget.value })}>
                        {rootRoles.map((r) => (
                          <option key={r.name} value={r.name}>
                            {r.label ?? r.name}
                          </option>
                        ))}
                      </select>
                      <TeamControl ctx={ctx} gate={spec.change_role} label="Change role" change={{ type: "change_role", member: m.id, role: next }} />
                    </>
                  ) : null}
                  <TeamControl ctx={ctx} gate={spec.remove} label="Remove" change={{ type: "remove", member: m.id }} />
                  {transfer ? <TeamControl ctx={ctx} label="Make owner" change={{ type: "transfer_ownership", to: m.id }} /> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h3>Audit log</h3>
      {audit.length ? (
        <ol class="audit">
          {audit
            .slice()
            .reverse()
            .map((e, i) => (
              <li key={i}>
                <b>{ctx.names[e.actor] ?? e.actor}</b> {e.change.replace("_", " ")} <b>{ctx.names[e.target] ?? e.target}</b> <span class="muted">(rule {e.rule}, {new Date(e.at * 1000).toLocaleTimeString()})</span>
              </li>
            ))}
        </ol>
      ) : (
        <p class="muted">No change yet.</p>
      )}
    </section>
  );
}

function Page({ ctx, page, audit, onDone }) {
  const p = ctx.product;
  switch (page) {
    case "campaigns":
      return p.campaigns ? <Records ctx={ctx} spec={p.campaigns} title={p.campaigns.label ?? "Campaigns"} onDone={onDone} /> : null;
    case "numbers":
      return p.numbers ? <Records ctx={ctx} spec={p.numbers} title="Numbers" onDone={onDone} /> : null;
    case "billing":
      return p.billing ? <Billing ctx={ctx} spec={p.billing} onDone={onDone} /> : null;
    case "team":
      return <Team ctx={ctx} spec={p.team ?? {}} audit={audit} onDone={onDone} />;
    case "dashboard":
      return <Dashboard ctx={ctx} />;
    default: {
      const items = p[page];
      const title = PAGES.find(([id]) => id === page)?.[1];
      return (
        <section class="card">
          <h2>{title}</h2>
          <Buttons ctx={ctx} items={items} onDone={onDone} />
        </section>
      );
    }
  }
}

function Explanation({ panel, onClose }) {
  if (!panel) return null;
  return (
    <aside class="explain" aria-live="polite">
      <header>
        <h3>Why? {panel.label}</h3>
        <button type="button" class="close" onClick={onClose} aria-label="Close the explanation">
          ×
        </button>
      </header>
      {panel.lines ? (
        <p>{panel.lines}</p>
      ) : (
        <>
          <p>
            <code>{panel.action}</code> at <code>{panel.scope || "the tenant"}</code>: <b class={`eff ${panel.decision.effect}`}>{panel.decision.effect}</b> ({panel.decision.reason})
            {panel.decision.hint ? <> — “{panel.decision.hint}”</> : null}
          </p>
          <ol class="steps">
            {panel.steps.map((s) => (
              <li key={s.step} class={s.decided ? "decided" : ""}>
                <b>{s.title}</b>: {s.finding}
              </li>
            ))}
          </ol>
        </>
      )}
    </aside>
  );
}

function Answer({ a, ...rest }) {
  return (
    <li class={a.agree ? "agree" : "disagree"} {...rest}>
      <code>
        {a.method} {a.path}
      </code>{" "}
      → <b data-status={a.status}>{a.status}</b> <span data-server-reason={a.reason}>{a.reason}</span>
      <br />
      <span class="muted">
        page: {a.ui} ({a.uiReason}) · {a.agree ? "server agrees" : "server disagrees"}
        {a.effect ? ` · ${a.effect}` : ""}
      </span>
    </li>
  );
}

function Answers({ answers }) {
  if (!answers.length) return <p class="muted">No request sent yet. Click a control; with “Force it”, hidden and locked ones send their request too.</p>;
  return (
    <ol class="answers">
      {answers.map((a, i) => (
        <Answer key={i} a={a} data-answer={i} />
      ))}
    </ol>
  );
}

function Workbench({ ctx, state, actions }) {
  const [tab, setTab] = useState("policy");
  const editorHost = useRef(null);
  const editor = useRef(null);
  useEffect(() => {
    editor.current = createEditor(editorHost.current, state.text, { onChange: actions.edit, diagnostics: () => state.errorsRef.current });
    return () => editor.current.destroy();
  }, [state.editorKey]);
  useEffect(() => {
    editor.current?.relint();
  }, [state.errors]);
  const matrix = useMemo(() => ctx.policy.matrix(), [ctx.policy]);
  const findings = useMemo(() => {
    try {
      return ctx.policy.lintTeam(ctx.team);
    } catch (error) {
      return [{ code: error.code, severity: "warning", message: error.message }];
    }
  }, [ctx.policy, ctx.team]);
  return (
    <section class="workbench">
      <div class="tabs" role="tablist">
        {[
          ["policy", "Policy"],
          ["matrix", "Matrix"],
          ["lint", `Team lint (${findings.length})`],
          ["server", `Server (${state.answers.length})`],
        ].map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} class={`tab ${tab === id ? "on" : ""}`} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div hidden={tab !== "policy"} class="tab-body">
        <div class="editor" ref={editorHost} />
        <div class="policy-status" data-policy-status={state.errors.length ? "invalid" : "valid"}>
          {state.errors.length ? (
            <>
              <b>{state.errors.length} error(s): the app keeps the last good policy.</b>
              <ul class="errors">
                {state.errors.map((e, i) => (
                  <li key={i} data-error-code={e.code} data-error-line={e.line} class="error-item" tabIndex={0} onClick={() => editor.current?.goTo(e.line, e.column)} onKeyDown={(ev) => ev.key === "Enter" && editor.current?.goTo(e.line, e.column)}>
                    line {e.line ?? "?"}:{e.column ?? "?"} <code>{e.code}</code> at <code>{e.path || "(document)"}</code>: {e.message}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <span>Valid: the app decides from this policy.</span>
          )}
        </div>
        <Changes changes={state.changes} names={ctx.names} />
        <div class="push">
          <button type="button" class="ctl shown" disabled={!ctx.server || state.errors.length > 0} onClick={actions.push}>
            Push this policy to the server
          </button>
          <button type="button" class="ctl shown" onClick={actions.revert}>
            Back to the preset
          </button>
        </div>
      </div>
      <div hidden={tab !== "matrix"} class="tab-body">
        <table class="matrix">
          <thead>
            <tr>
              <th>Action</th>
              {matrix.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.rows.map((r) => (
              <tr key={r.action} data-matrix-action={r.action}>
                <td title={r.action}>{r.label}</td>
                {r.cells.map((c, i) => (
                  <td key={i} class={`cell ${c}`}>
                    {c === "yes" ? "✓" : c === "conditional" ? "if" : ""}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div hidden={tab !== "lint"} class="tab-body">
        {findings.length ? (
          <ul class="findings">
            {findings.map((f, i) => (
              <li key={i} class={f.severity}>
                <code>{f.code}</code> {f.message}
                {f.fix ? <span class="muted"> — {f.fix}</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p>No finding: the team is in good shape.</p>
        )}
      </div>
      <div hidden={tab !== "server"} class="tab-body">
        {ctx.server ? null : <p class="notice">Static page: no server half. Requests are decided by the page's own gate and change nothing.</p>}
        <Answers answers={state.answers} />
        <h3>Server activity</h3>
        <ol class="activity">
          {state.activity
            .slice()
            .reverse()
            .map((a, i) => (
              <li key={i}>
                <code>{a.route}</code> {a.effect}
              </li>
            ))}
        </ol>
      </div>
    </section>
  );
}

function Changes({ changes, names }) {
  if (!changes) return null;
  const { people, cells } = changes;
  if (!people.length && !cells.length) return <p class="muted changes">What changed: nothing anyone can do.</p>;
  return (
    <div class="changes" data-changes={cells.length + people.length}>
      <h4>What changed</h4>
      <ul>
        {cells.map((c, i) => (
          <li key={`c${i}`} class={c.now === "no" ? "loses" : "gains"}>
            role <b>{c.role}</b> {c.now === "no" ? "loses" : "gains"} <code>{c.action}</code> ({c.was} → {c.now})
          </li>
        ))}
        {people.map((p) =>
          p.error ? (
            <li key={p.member} class="loses">
              <b>{names[p.member] ?? p.member}</b>: {p.error}
            </li>
          ) : (
            p.changes.map((c, i) => (
              <li key={p.member + i} class={c.now === "allow" ? "gains" : "loses"}>
                <b>{names[p.member] ?? p.member}</b> {c.now === "allow" ? "gains" : "loses"} <code>{c.action}</code>
                {c.scope ? ` at ${c.scope}` : ""} ({c.was} → {c.now})
              </li>
            ))
          ),
        )}
      </ul>
    </div>
  );
}

export function App({ boot }) {
  const [preset, setPreset] = useState(boot.preset);
  const [snap, setSnap] = useState(boot.snapshot);
  const [text, setText] = useState(boot.snapshot.policy);
  const [good, setGood] = useState(() => ({ policy: Policy.fromJson(boot.snapshot.policy), doc: JSON.parse(boot.snapshot.policy) }));
  const [base, setBase] = useState(good.policy);
  const [errors, setErrors] = useState([]);
  const errorsRef = useRef([]);
  const [editorKey, setEditorKey] = useState(0);
  const [person, setPerson] = useState(boot.snapshot.data.team.members[0].id);
  const [plan, setPlan] = useState(boot.snapshot.data.tenant.plan ?? null);
  const [features, setFeatures] = useState(boot.snapshot.data.tenant.features ?? []);
  const [scope, setScope] = useState("");
  const [page, setPageState] = useState(pageFromHash);
  useEffect(() => {
    const follow = () => setPageState(pageFromHash());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  const setPage = (id) => {
    if (location.hash !== `#/${id}`) location.hash = `#/${id}`;
    setPageState(id);
  };
  const [why, setWhy] = useState(false);
  const [force, setForce] = useState(false);
  const [panel, setPanel] = useState(null);
  const [answers, setAnswers] = useState([]);
  const [toast, setToast] = useState(null);
  const server = boot.server;

  const data = snap.data;
  const team = data.team;
  const doc = good.doc;
  const policy = good.policy;
  const root = rootLevel(doc);
  const product = { ...PRODUCTS[preset], about: data.about };
  const scoped = product.scoped;
  const tenant = useMemo(() => ({ id: data.tenant.id, plan: plan ?? undefined, features }), [data.tenant.id, plan, features]);
  const member = team.members.find((m) => m.id === person) ?? team.members[0];
  const session = useMemo(() => {
    try {
      return policy.session(principalOf(member, root), tenant);
    } catch (error) {
      return { error };
    }
  }, [policy, member, root, tenant]);
  useEffect(() => () => session.free?.(), [session]);

  const scopeNames = data.scopes ?? {};
  const viewScope = scoped ? (scoped === "business" ? "business.view" : "project.view") : null;
  const scopes = scoped ? team.scopes ?? [] : [];
  useEffect(() => {
    if (!scoped || session.error) return setScope("");
    const visible = scopes.filter((s) => session.check(viewScope, s).allowed);
    if (!visible.includes(scope)) setScope(visible[0] ?? scopes[0] ?? "");
  }, [session, preset]);

  const refresh = useCallback(async () => {
    if (!server) return;
    const next = await api.snapshot(preset);
    setSnap((old) => ({ ...next, policy: old.policy }));
  }, [preset, server]);

  const tokenFor = useCallback(() => api.token(preset, { member: person, plan, features }), [preset, person, plan, features]);

  const ctx = {
    policy,
    session,
    doc,
    root,
    scope,
    scoped,
    product,
    data,
    team,
    tenant,
    person,
    names: data.names ?? {},
    scopeNames,
    why,
    force,
    server,
    explain({ label, action, where, decision }) {
      const e = session.explain(action, where);
      setPanel({ label, action, scope: e.scope, decision, steps: e.steps });
    },
    explainAbsent(label, action) {
      setPanel({ label, lines: `“${label}” is not part of ${product.about ? data.product : "this product"}: the policy's catalog has no action \`${action}\`.` });
    },
    explainTeam({ label, state, hint }) {
      setPanel({ label, lines: state === "shown" ? "The team rules allow this change." : `Refused: ${hint}` });
    },
    async send({ label, action, decision, method, record, member: target, body, at }) {
      const req = requestFor(policy, action, { method, scope: at ?? scope, record, member: target });
      const ui = stateOf(decision);
      if (!req) {
        setToast(`“${label}”: the policy's route table has no route for \`${action}\`.`);
        return;
      }
      let answer;
      if (server) {
        answer = await api.request(preset, req, await tokenFor(), body);
      } else {
        let gate = session.gate(req.method, req.path);
        if (gate.outcome === "origin" && record) gate = session.completeGate(gate, record.attrs ?? {});
        answer = { status: gate.status, reason: gate.reason, effect: "static page: nothing changed", fingerprint: policy.fingerprint };
      }
      const agree = ui === "shown" ? answer.status === 200 : answer.status === 403 && answer.reason === decision.reason;
      const entry = { ...req, ...answer, ui, uiReason: decision.reason, agree };
      setAnswers((list) => [entry, ...list].slice(0, 30));
      setToast(`${req.method} ${req.path} → ${answer.status} ${answer.reason}${answer.effect ? ` · ${answer.effect}` : ""}`);
      if (answer.fingerprint) setSnap((s) => ({ ...s, fingerprint: answer.fingerprint }));
      await refresh();
    },
    async sendTeam({ label, change, state, reason }) {
      if (!server) {
        const result = policy.applyTeamChange(team, tenant, person, change);
        if (result.allowed) setSnap((s) => ({ ...s, data: { ...s.data, team: result.team }, audit: [...s.audit, result.event] }));
        setToast(result.allowed ? `${label}: done (static page)` : `${label}: refused, ${result.reason}`);
        return;
      }
      const answer = await api.team(preset, change, await tokenFor());
      const agree = state === "shown" ? answer.status === 200 : answer.status !== 200 && (!reason || answer.reason === reason);
      setAnswers((list) => [{ method: "POST", path: `/demo/${preset}/team (${change.type})`, ...answer, ui: state, uiReason: reason ?? "allowed", agree }, ...list].slice(0, 30));
      setToast(answer.status === 200 ? `${label}: done` : `${label}: refused by the team rules (${answer.reason}): ${answer.message}`);
      await refresh();
    },
  };

  // Policy editing: compile on every change; keep the last good policy.
  const edit = useCallback((next) => {
    setText(next);
    let compiled;
    try {
      compiled = Policy.fromJson(next);
    } catch (error) {
      const list = error.errors ?? [{ code: error.code ?? "syntax", path: "", message: error.message, severity: "error" }];
      errorsRef.current = list;
      setErrors(list);
      return;
    }
    errorsRef.current = [];
    setErrors([]);
    setGood({ policy: compiled, doc: JSON.parse(next) });
  }, []);

  const changes = useMemo(() => {
    if (policy === base) return null;
    try {
      return policyChanges(base, policy, team, tenant, root);
    } catch (error) {
      return { people: [], cells: [], error: error.message };
    }
  }, [policy, base, team, tenant, root]);

  const push = async () => {
    const answer = await api.pushPolicy(preset, text);
    if (answer.status === 200) {
      setBase(policy);
      setSnap((s) => ({ ...s, fingerprint: answer.fingerprint }));
      setToast("The server enforces the page's policy now.");
    } else {
      setToast(`The server refused the policy: ${answer.reason}`);
    }
  };

  const loadPreset = async (name, reset = false) => {
    if (server && reset) await api.reset(name);
    const next = server ? await api.snapshot(name) : boot.load(name);
    const compiled = Policy.fromJson(next.policy);
    setPreset(name);
    setSnap(next);
    setText(next.policy);
    setGood({ policy: compiled, doc: JSON.parse(next.policy) });
    setBase(compiled);
    errorsRef.current = [];
    setErrors([]);
    setEditorKey((k) => k + 1);
    setPerson(next.data.team.members[0].id);
    setPlan(next.data.tenant.plan ?? null);
    setFeatures(next.data.tenant.features ?? []);
    setPage("dashboard");
    setPanel(null);
    setAnswers([]);
  };

  useEffect(() => {
    window.__rolegateDemo = { preset, person, scope, plan, features, ready: true, fingerprint: policy.fingerprint, server: snap.fingerprint };
    document.body.dataset.ready = "true";
  });

  const planNames = Object.keys(doc.plans ?? {});
  const featureNames = Object.keys(doc.features ?? {});
  const same = snap.fingerprint === policy.fingerprint;

  return (
    <div class="demo">
      <header class="controls" aria-label="Demo controls">
        <label>
          Preset
          <select id="preset" value={preset} onChange={(e) => loadPreset(e.currentTarget.value)}>
            {boot.presets.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Person
          <select id="person" value={person} onChange={(e) => setPerson(e.currentTarget.value)}>
            {team.members.map((m) => (
              <option key={m.id} value={m.id}>
                {(data.names?.[m.id] ?? m.id) + " — " + rolesText(policy, m, scopeNames)}
              </option>
            ))}
          </select>
        </label>
        {planNames.length ? (
          <label>
            Plan
            <select id="plan" value={plan ?? ""} onChange={(e) => setPlan(e.currentTarget.value || null)}>
              <option value="">none</option>
              {planNames.map((p) => (
                <option key={p} value={p}>
                  {doc.plans[p].label ?? p}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {featureNames.map((f) => (
          <label key={f} class="switch">
            <input type="checkbox" id={`feature-${f}`} checked={features.includes(f)} onChange={(e) => setFeatures(e.currentTarget.checked ? [...features, f] : features.filter((x) => x !== f))} />
            {doc.features[f].label ?? f} on
          </label>
        ))}
        <label class="switch">
          <input type="checkbox" id="why" checked={why} onChange={(e) => setWhy(e.currentTarget.checked)} />
          Why?
        </label>
        <label class="switch">
          <input type="checkbox" id="force" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
          Force it
        </label>
        <button type="button" class="ctl shown small" onClick={() => loadPreset(preset, true)}>
          Reset
        </button>
        <span class={`fingerprints ${same ? "same" : "differ"}`} data-fingerprints={same ? "same" : "differ"} title="SHA-256 of the canonical policy, page and server">
          page <code data-page-fingerprint={policy.fingerprint}>{policy.fingerprint.slice(0, 12)}</code> · server{" "}
          {server ? <code data-server-fingerprint={snap.fingerprint}>{(snap.fingerprint ?? "").slice(0, 12)}</code> : <i>none (static page)</i>} {server ? (same ? "✓ same policy" : "≠ push to agree") : ""}
        </span>
      </header>
      <div class="body">
        <div class="app" data-preset={preset} data-person={person}>
          <nav class="sidebar" aria-label="Product">
            <div class="brand">{data.product}</div>
            {scoped ? (
              <div class="switcher" aria-label={`${scoped} switcher`}>
                {scopes.map((s) => (
                  <Control
                    key={s}
                    ctx={{ ...ctx, scope: s, send: (args) => (args.decision.allowed ? setScope(s) : ctx.send({ ...args, at: s })) }}
                    action={viewScope}
                    navigates
                    label={scopeNames[s] ?? s}
                    className={`scope ${s === scope ? "on" : ""}`}
                  />
                ))}
                {product.newScope ? (
                  <TeamControl ctx={ctx} gate={product.newScope} label={`+ New ${scoped}`} change={{ type: "add_scope", scope: `${scoped}:new${(team.scopes?.length ?? 0) + 1}` }} />
                ) : null}
              </div>
            ) : null}
            {PAGES.map(([id, label]) => {
              const action = product.nav?.[id];
              if (action === undefined) {
                return why ? (
                  <button key={id} type="button" class="nav absent" aria-disabled="true" title="Not in this product" onClick={() => ctx.explainAbsent(label, id)}>
                    {label}
                  </button>
                ) : null;
              }
              if (action === null) {
                return (
                  <button key={id} type="button" class={`nav ${page === id ? "on" : ""}`} onClick={() => setPage(id)}>
                    {label}
                  </button>
                );
              }
              return (
                <Control
                  key={id}
                  ctx={{ ...ctx, send: (args) => (args.decision.allowed ? setPage(id) : ctx.send(args)) }}
                  action={action}
                  navigates
                  label={label}
                  className={`nav ${page === id ? "on" : ""}`}
                />
              );
            })}
          </nav>
          <main class="content">
            {session.error ? (
              <p class="notice">
                This person has no session under the policy: {session.error.code} — {session.error.message}
              </p>
            ) : (
              <Page ctx={ctx} page={page} audit={snap.audit ?? []} onDone={refresh} />
            )}
            {answers[0] ? (
              <ol class="answers last">
                <Answer a={answers[0]} data-last-answer />
              </ol>
            ) : null}
            {toast ? (
              <p class="toast" role="status" data-toast>
                {toast}
              </p>
            ) : null}
          </main>
          <Explanation panel={panel} onClose={() => setPanel(null)} />
        </div>
        <Workbench ctx={ctx} state={{ text, errors, errorsRef, editorKey, changes, answers, activity: snap.activity ?? [] }} actions={{ edit, push, revert: () => loadPreset(preset) }} />
      </div>
    </div>
  );
}
