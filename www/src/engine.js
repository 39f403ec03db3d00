// The page's questions to the engine: the decision of every control, the request a
// control sends, the dry run of a team change, and the difference between two policies
// (who gains and who loses what). Everything here asks the compiled policy; nothing
// decides by itself.

/** The document's root level (`org`, `workspace`): the scope of tenant-wide actions. */
export function rootLevel(document) {
  const scopes = Object.entries(document.scopes ?? {});
  return (scopes.find(([, level]) => !level.parent) ?? scopes[0] ?? ["org"])[0];
}

/** Whether the catalog has the action. */
export function inCatalog(policy, action) {
  return action != null && policy.actionId(action) >= 0;
}

/** The level of an action (`business`), or undefined. */
export function levelOf(policy, action) {
  return policy.actions.find((a) => a.name === action)?.scope;
}

/**
 * What a control is decided on: a record (its type, id, scope and attributes), the scope
 * chosen in the switcher for actions of a lower level, or the tenant.
 */
export function target(policy, action, { scope, record, type, root }) {
  const level = levelOf(policy, action);
  const at = level && level !== root ? scope || "" : "";
  if (record) {
    return { type, id: record.id, scope: record.scope ?? at, attrs: record.attrs ?? {} };
  }
  return at;
}

/** A control's decision, or null when the product has no such action. */
export function decide(session, policy, action, where) {
  if (!inCatalog(policy, action)) return null;
  return session.check(action, target(policy, action, where));
}

/** The UI state of a decision: shown, locked or hidden. */
export function stateOf(decision) {
  if (!decision) return "absent";
  // `conditional`: allowed for some resources (asked without one), so the entry is shown.
  return decision.effect === "allow" || decision.effect === "conditional" ? "shown" : decision.effect === "locked" ? "locked" : "hidden";
}

/**
 * The request a control sends: the first route of the table with the control's action (the
 * one with the record's parameter first, when a record is given), with its parameters
 * filled from the record, the switcher's scope and the team member concerned.
 */
export function requestFor(policy, action, { method, scope, record, member }) {
  const routes = policy.routes().filter((r) => r.action === action && (!method || r.method === method));
  if (!routes.length) return null;
  const fits = (r) => (record ? r.resource != null || r.params.length > 0 : r.resource == null);
  const route = routes.find(fits) ?? routes[0];
  const scopeId = scope && scope.includes(":") ? scope.slice(scope.lastIndexOf(":") + 1) : "";
  const scopeLevel = scope && scope.includes(":") ? scope.slice(scope.lastIndexOf("/") + 1, scope.lastIndexOf(":")) : "";
  const path = route.route
    .slice(route.method.length + 1)
    .replace(/\{([^}]+)\}/g, (_, name) => {
      if (name === scopeLevel && scopeId) return encodeURIComponent(scopeId);
      if (name === "member" || name === "user") return encodeURIComponent(member ?? record?.id ?? "x1");
      if (record && (name === route.resource || name === record.type)) return encodeURIComponent(record.id);
      return encodeURIComponent(record?.id ?? "x1");
    });
  return { method: route.method, path, route: route.route };
}

/** A team member as a principal: the organization role at the root, and the memberships. */
export function principalOf(member, root) {
  const roles = [];
  if (member.role) roles.push({ role: member.role, scope: root });
  for (const m of member.memberships ?? []) roles.push({ role: m.role, scope: m.scope });
  return { id: member.id, roles };
}

/** The roles of a member, for people: `Admin`, `Member at Bright Plumbing`. */
export function rolesText(policy, member, scopeNames) {
  const label = (name) => policy.roles.find((r) => r.name === name)?.label ?? name;
  const parts = [];
  if (member.role) parts.push(label(member.role));
  for (const m of member.memberships ?? []) parts.push(`${label(m.role)} at ${scopeNames[m.scope] ?? m.scope}`);
  return parts.join(", ") || "no role";
}

/** A team change tried without applying it: `{ allowed, reason?, message? }`. */
export function dryRun(policy, team, tenant, actor, change) {
  try {
    const result = policy.applyTeamChange(team, tenant, actor, change);
    return result.allowed ? { allowed: true } : { allowed: false, reason: result.reason, message: result.message };
  } catch (error) {
    return { allowed: false, reason: error.code ?? "internal", message: error.message };
  }
}

/**
 * Who gains and who loses what between two policies: per person of the team, the actions
 * (at the tenant and at each scope of the team) whose effect changed; and per role, the
 * matrix cells that changed.
 */
export function policyChanges(before, after, team, tenant, root) {
  const people = [];
  const scopes = ["", ...(team.scopes ?? [])];
  const actions = new Set([...before.actions.map((a) => a.name), ...after.actions.map((a) => a.name)]);
  for (const member of team.members) {
    const principal = principalOf(member, root);
    let a;
    let b;
    try {
      a = before.session(principal, tenant);
      b = after.session(principal, tenant);
    } catch (error) {
      people.push({ member: member.id, error: error.code ?? error.message, changes: [] });
      a?.free();
      continue;
    }
    const changes = [];
    for (const action of actions) {
      for (const scope of scopes) {
        const level = levelOf(after, action) ?? levelOf(before, action);
        if ((scope === "") !== (level === root)) continue;
        const was = a.check(action, scope);
        const now = b.check(action, scope);
        if (was.effect !== now.effect) changes.push({ action, scope, was: was.effect, now: now.effect, reason: now.reason });
      }
    }
    a.free();
    b.free();
    if (changes.length) people.push({ member: member.id, changes });
  }
  const cells = [];
  const mb = before.matrix();
  const ma = after.matrix();
  const cell = (m, role, action) => {
    const row = m.rows.find((r) => r.action === action);
    const i = m.roles.indexOf(role);
    return row && i >= 0 ? row.cells[i] : "no";
  };
  for (const role of new Set([...ma.roles, ...mb.roles])) {
    for (const action of actions) {
      const was = cell(mb, role, action);
      const now = cell(ma, role, action);
      if (was !== now) cells.push({ role, action, was, now });
    }
  }
  return { people, cells };
}
