// The call-center workload of compare.mjs and peak-memory.mjs, written once: an organisation
// with 50 workspaces, 500 users holding roles at many scopes, 40 actions, a viewer cap written
// as a deny rule across roles, and numbers that agents and members see only when assigned to
// them. Everything here is plain data and plain functions (no engine is imported), so that a
// child process measuring one engine's memory loads that engine alone.
//
// Expressed four ways: rolegate's policy document (`policyDocument`), CASL rules
// (`caslAbility`), Cedar policies (`cedarPolicies`, `cedarUser`) and a hand-written function
// (`handUser` + `handCheck`), which is the oracle the others are compared with.

export const WORKSPACES = 50;
export const USERS = 500;
export const NUMBERS_PER_WORKSPACE = 10;
export const TENANT = { id: "acme" };

// The catalog: [name, level, tag]. 12 organisation actions, 28 workspace actions.
const CATALOG = [
  ["team.view", "org", "read"],
  ["team.invite", "org", "write"],
  ["team.remove", "org", "write"],
  ["billing.view", "org", "read"],
  ["billing.manage", "org", "write"],
  ["settings.view", "org", "read"],
  ["settings.edit", "org", "write"],
  ["audit.view", "org", "read"],
  ["report.view", "org", "read"],
  ["report.export", "org", "read"],
  ["workspace.create", "org", "write"],
  ["integration.manage", "org", "write"],
  ["workspace.view", "workspace", "read"],
  ["workspace.edit", "workspace", "write"],
  ["call.make", "workspace", "write"],
  ["call.answer", "workspace", "write"],
  ["call.transfer", "workspace", "write"],
  ["call.listen", "workspace", "read"],
  ["call.whisper", "workspace", "write"],
  ["call.view", "workspace", "read"],
  ["recording.view", "workspace", "read"],
  ["recording.delete", "workspace", "write"],
  ["recording.download", "workspace", "read"],
  ["voicemail.view", "workspace", "read"],
  ["voicemail.delete", "workspace", "write"],
  ["sms.send", "workspace", "write"],
  ["sms.view", "workspace", "read"],
  ["contact.view", "workspace", "read"],
  ["contact.edit", "workspace", "write"],
  ["contact.import", "workspace", "write"],
  ["number.view", "workspace", "read"],
  ["number.configure", "workspace", "write"],
  ["number.buy", "workspace", "write"],
  ["queue.view", "workspace", "read"],
  ["queue.edit", "workspace", "write"],
  ["ivr.view", "workspace", "read"],
  ["ivr.edit", "workspace", "write"],
  ["analytics.view", "workspace", "read"],
  ["member.view", "workspace", "read"],
  ["member.manage", "workspace", "write"],
];
export const ACTIONS = CATALOG.map(([name]) => name);
export const ACTION_INFO = Object.fromEntries(CATALOG.map(([name, level, tag]) => [name, { level, write: tag === "write" }]));
const matching = (prefix) => ACTIONS.filter((a) => a.startsWith(prefix));
// The 14 actions of a workspace page's toolbar (the first render of a new user).
export const RENDER_ACTIONS = [
  "workspace.view", "call.make", "call.answer", "call.transfer", "call.listen", "call.view", "recording.view",
  "voicemail.view", "sms.send", "contact.view", "contact.edit", "queue.view", "analytics.view", "member.view",
];
// The actions whose rules read the resource: agents and members, only on their numbers.
export const CONDITIONAL = ["number.view", "number.configure"];

// Roles: three organisation roles that hold in every workspace, three workspace roles.
// The grants, as patterns (rolegate) and expanded (CASL, Cedar, the hand-written function).
const ROLE_PATTERNS = {
  owner: ["*"],
  admin: [
    "team.*", "billing.view", "settings.*", "audit.view", "report.*", "workspace.*", "integration.manage",
    "call.*", "recording.*", "voicemail.*", "sms.*", "contact.*", "number.*", "queue.*", "ivr.*", "analytics.*", "member.*",
  ],
  viewer: ["tag:read"],
  manager: [
    "workspace.view", "workspace.edit", "call.listen", "call.whisper", "recording.*", "voicemail.delete",
    "contact.import", "number.*", "queue.edit", "ivr.*", "analytics.view", "member.*",
  ],
  agent: [
    "workspace.view", "call.make", "call.answer", "call.transfer", "call.view", "voicemail.view",
    "sms.send", "sms.view", "contact.view", "contact.edit", "queue.view",
  ],
  member: ["workspace.view", "call.view", "contact.view", "queue.view", "analytics.view", "member.view"],
};
const expand = (patterns) =>
  new Set(
    patterns.flatMap((p) => {
      if (p === "*") return ACTIONS;
      if (p.startsWith("tag:")) return ACTIONS.filter((a) => (ACTION_INFO[a].write ? "write" : "read") === p.slice(4));
      if (p.endsWith(".*")) return matching(p.slice(0, -1));
      return [p];
    }),
  );
const INCLUDES = { manager: ["agent"] };
export const ORG_ROLES = ["owner", "admin", "viewer"];
export const WORKSPACE_ROLES = ["manager", "agent", "member"];
// Each role's unconditional grants, with the roles it includes.
export const GRANTS = Object.fromEntries(
  Object.keys(ROLE_PATTERNS).map((r) => [r, new Set([...expand(ROLE_PATTERNS[r]), ...(INCLUDES[r] ?? []).flatMap((i) => [...expand(ROLE_PATTERNS[i])])])]),
);
// Conditional grants (resource.assignee == principal.id), by role, with includes.
const OWN_RULES = { "number.view": ["agent", "member"], "number.configure": ["agent"] };

export const policyDocument = {
  version: 1,
  name: "callcenter",
  scopes: { org: { label: "Organization" }, workspace: { parent: "org", label: "Workspace" } },
  attributes: { resource: { assignee: "string" } },
  actions: Object.fromEntries(CATALOG.map(([name, level, tag]) => [name, { scope: level, tags: [tag] }])),
  roles: {
    owner: { scope: "org", cascade: true, allow: ROLE_PATTERNS.owner },
    admin: { scope: "org", cascade: true, allow: ROLE_PATTERNS.admin },
    viewer: { scope: "org", cascade: true, allow: ROLE_PATTERNS.viewer },
    manager: { scope: "workspace", includes: INCLUDES.manager, allow: ROLE_PATTERNS.manager },
    agent: { scope: "workspace", allow: ROLE_PATTERNS.agent },
    member: { scope: "workspace", allow: ROLE_PATTERNS.member },
  },
  rules: {
    viewer_cap: { effect: "deny", roles: ["viewer"], actions: ["tag:write"], description: "an organisation viewer changes nothing, whatever else they hold" },
    own_numbers: { effect: "allow", roles: OWN_RULES["number.view"], actions: ["number.view"], when: "resource.assignee == principal.id" },
    configure_own_numbers: { effect: "allow", roles: OWN_RULES["number.configure"], actions: ["number.configure"], when: "resource.assignee == principal.id" },
  },
};

// ---------------------------------------------------------------------------------------------
// The people, the numbers and the requests: generated from a fixed seed.
// ---------------------------------------------------------------------------------------------

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const workspaceScope = (w) => `workspace:w${w}`;

// A user: { id, org: [org roles], ws: Map(workspace number -> role) }.
// u1-u2 owners, u3-u12 admins, u13-u42 viewers (half of them also hold workspace roles: the
// cap applies across roles), the rest workspace people with 1 to 25 memberships.
export function makeUsers() {
  const rand = prng(11);
  const pick = (n) => Math.floor(rand() * n);
  const users = [];
  for (let i = 1; i <= USERS; i++) {
    const org = i <= 2 ? ["owner"] : i <= 12 ? ["admin"] : i <= 42 ? ["viewer"] : [];
    let k = 0;
    if (i > 42) {
      const r = rand();
      k = r < 0.4 ? 1 : r < 0.7 ? 2 + pick(2) : r < 0.9 ? 4 + pick(5) : 10 + pick(16);
    } else if (i > 12 && i % 2 === 0) k = 1 + pick(3);
    const ws = new Map();
    while (ws.size < k) {
      const r = rand();
      ws.set(1 + pick(WORKSPACES), r < 0.1 ? "manager" : r < 0.7 ? "agent" : "member");
    }
    users.push({ id: `u${i}`, org, ws });
  }
  return users;
}

// 10 numbers per workspace, assigned to one of the workspace's agents or members, to someone
// else, or to nobody.
export function makeNumbers(users) {
  const rand = prng(23);
  const byWorkspace = new Map();
  for (const u of users) for (const [w, role] of u.ws) if (role !== "manager") (byWorkspace.get(w) ?? byWorkspace.set(w, []).get(w)).push(u.id);
  const numbers = [];
  for (let w = 1; w <= WORKSPACES; w++) {
    const people = byWorkspace.get(w) ?? [];
    for (let k = 0; k < NUMBERS_PER_WORKSPACE; k++) {
      const r = rand();
      const assignee = r < 0.1 ? null : r < 0.85 && people.length ? people[Math.floor(rand() * people.length)] : users[Math.floor(rand() * users.length)].id;
      numbers.push({ id: `n${w}-${k + 1}`, workspace: w, assignee });
    }
  }
  return numbers;
}

// What a UI asks for each user: the organisation page and two workspace pages (two of the
// user's workspaces, or any), every action of the catalog at each; and on each workspace page
// the two conditional actions on each of the workspace's numbers. Shuffled, so that the
// requests of one user do not follow each other.
export function makeRequests(users, numbers) {
  const rand = prng(37);
  const byWorkspace = new Map();
  for (const n of numbers) (byWorkspace.get(n.workspace) ?? byWorkspace.set(n.workspace, []).get(n.workspace)).push(n);
  const scoped = [];
  const conditional = [];
  const pages = [];
  users.forEach((u, ui) => {
    const own = [...u.ws.keys()];
    const visited = new Set();
    while (visited.size < 2) visited.add(own.length > visited.size && rand() < 0.8 ? own[Math.floor(rand() * own.length)] : 1 + Math.floor(rand() * WORKSPACES));
    const scopes = ["org", ...[...visited].map(workspaceScope)];
    pages.push(scopes);
    for (const scope of scopes) for (const action of ACTIONS) scoped.push({ user: ui, action, scope });
    for (const w of visited) for (const n of byWorkspace.get(w)) for (const action of CONDITIONAL) conditional.push({ user: ui, action, number: n });
  });
  const shuffle = (xs) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  return { scoped: shuffle(scoped), conditional: shuffle(conditional), pages };
}

// rolegate's principal and resource.
export const rolegatePrincipal = (u) => ({
  id: u.id,
  roles: [...u.org.map((role) => ({ role, scope: "org" })), ...[...u.ws].map(([w, role]) => ({ role, scope: workspaceScope(w) }))],
});
export const rolegateNumber = (n) => ({ type: "number", id: n.id, scope: workspaceScope(n.workspace), attrs: n.assignee === null ? {} : { assignee: n.assignee } });

// ---------------------------------------------------------------------------------------------
// The hand-written function: the floor, and the oracle.
// ---------------------------------------------------------------------------------------------

// A user prepared for checks: organisation grants merged, workspace roles by scope string.
export function handUser(u) {
  const orgGrants = new Set();
  for (const r of u.org) for (const a of GRANTS[r]) orgGrants.add(a);
  const ws = new Map();
  for (const [w, role] of u.ws) ws.set(workspaceScope(w), role);
  return { id: u.id, capped: u.org.includes("viewer"), orgGrants, ws };
}
const WS_GRANTS = Object.fromEntries(WORKSPACE_ROLES.map((r) => [r, GRANTS[r]]));
const OWN = Object.fromEntries(WORKSPACE_ROLES.map((r) => [r, new Set(CONDITIONAL.filter((a) => OWN_RULES[a].includes(r) || (INCLUDES[r] ?? []).some((i) => OWN_RULES[a].includes(i))))]));
// scope: "org" or "workspace:wN"; resource: { assignee } or undefined.
export function handCheck(h, action, scope, resource) {
  const info = ACTION_INFO[action];
  if (info === undefined) return false;
  if (info.write && h.capped) return false;
  if (h.orgGrants.has(action)) return true;
  if (info.level !== "workspace") return false;
  const role = h.ws.get(scope);
  if (role === undefined) return false;
  if (WS_GRANTS[role].has(action)) return true;
  return resource !== undefined && OWN[role].has(action) && resource.assignee != null && resource.assignee === h.id;
}

// ---------------------------------------------------------------------------------------------
// CASL: "call.make" is the verb "make" on the subject "Call"; a workspace role's rules carry
// the condition { workspace }, the agents' own numbers { workspace, assignee }; the viewer
// cap is a `cannot` per write action, written last so that it wins.
// ---------------------------------------------------------------------------------------------

const pascal = (s) => s.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
// CASL's verb `manage` means every verb, so the catalog's `*.manage` become `administer`.
export const caslAction = (a) => {
  const [subj, verb] = a.split(".");
  return [verb === "manage" ? "administer" : verb, pascal(subj)];
};
export function caslAbility(casl, u) {
  const { can, cannot, build } = new casl.AbilityBuilder(casl.createMongoAbility);
  const grant = (actions, conditions) => {
    for (const a of actions) {
      const [verb, subj] = caslAction(a);
      if (conditions) can(verb, subj, conditions);
      else can(verb, subj);
    }
  };
  if (u.org.includes("owner")) can("manage", "all");
  for (const r of u.org) if (r !== "owner") grant(GRANTS[r]);
  for (const [w, role] of u.ws) {
    grant(GRANTS[role], { workspace: w });
    for (const a of OWN[role]) {
      const [verb, subj] = caslAction(a);
      can(verb, subj, { workspace: w, assignee: u.id });
    }
  }
  if (u.org.includes("viewer")) for (const a of ACTIONS) if (ACTION_INFO[a].write) {
    const [verb, subj] = caslAction(a);
    cannot(verb, subj);
  }
  return build();
}
// The object CASL checks for an action at a scope: one per subject type and workspace, made
// once (a UI holds the record it renders).
export function caslSubjects(casl) {
  const cache = new Map();
  return (action, scope) => {
    const subj = caslAction(action)[1];
    const key = `${subj} ${scope}`;
    let o = cache.get(key);
    if (o === undefined) {
      o = casl.subject(subj, scope === "org" ? {} : { workspace: Number(scope.slice("workspace:w".length)) });
      cache.set(key, o);
    }
    return o;
  };
}
export const caslNumber = (casl, n) => casl.subject("Number", { id: n.id, workspace: n.workspace, assignee: n.assignee });

// ---------------------------------------------------------------------------------------------
// Cedar: the roles as attributes of the user (organisation roles as booleans, workspace roles
// as sets of workspace ids), the scope as the resource's `workspace` attribute.
// ---------------------------------------------------------------------------------------------

const cedarList = (actions) => `[${[...actions].map((a) => `Action::"${a}"`).join(", ")}]`;
export function cedarPolicies() {
  const out = [];
  out.push(`permit (principal, action, resource) when { principal.owner };`);
  out.push(`permit (principal, action in ${cedarList(GRANTS.admin)}, resource) when { principal.admin };`);
  out.push(`permit (principal, action in ${cedarList(GRANTS.viewer)}, resource) when { principal.viewer };`);
  for (const role of WORKSPACE_ROLES) {
    const wsActions = [...GRANTS[role]].filter((a) => ACTION_INFO[a].level === "workspace");
    out.push(`permit (principal, action in ${cedarList(wsActions)}, resource) when { resource has workspace && principal.${role}.contains(resource.workspace) };`);
    if (OWN[role].size) out.push(`permit (principal, action in ${cedarList(OWN[role])}, resource) when { resource has workspace && principal.${role}.contains(resource.workspace) && resource has assignee && resource.assignee == principal.id };`);
  }
  out.push(`forbid (principal, action in ${cedarList(ACTIONS.filter((a) => ACTION_INFO[a].write))}, resource) when { principal.viewer };`);
  return out.join("\n");
}
export function cedarUser(u) {
  const attrs = { id: u.id, owner: u.org.includes("owner"), admin: u.org.includes("admin"), viewer: u.org.includes("viewer") };
  for (const role of WORKSPACE_ROLES) attrs[role] = [...u.ws].filter(([, r]) => r === role).map(([w]) => w);
  return { uid: { type: "User", id: u.id }, attrs, parents: [] };
}
// The resource Cedar decides on: the scope (an organisation action is decided at the
// organisation, as in rolegate) and, for a number, its assignee.
export function cedarResource(action, scope, number) {
  const workspace = ACTION_INFO[action].level === "workspace" && scope !== "org" ? Number(scope.slice("workspace:w".length)) : null;
  const attrs = {};
  if (workspace !== null) attrs.workspace = workspace;
  if (number && number.assignee !== null) attrs.assignee = number.assignee;
  const id = number ? number.id : scope;
  return { uid: { type: number ? "Number" : "Scope", id }, attrs, parents: [] };
}
