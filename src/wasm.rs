//! The JavaScript boundary: the one file that knows wasm-bindgen.
//!
//! The exports here are raw and compact on purpose; the npm package's JavaScript layer
//! (`js/`) wraps them into the public API. The boundary is designed for render loops:
//!
//! - action names are interned once on the JS side; checks cross as two integers
//!   (action id, scope id) and return one integer, a decision id;
//! - a decision id stands for one distinct decision of the policy, shared by all its
//!   sessions (the same role at the same scope text, the same reason, rule and hint); JS
//!   fetches a decision's JSON once per policy and reuses the same frozen object for every
//!   session afterwards, so a new session's first render reads no JSON at all once the
//!   policy has met its decisions;
//! - scope strings are parsed once per session and referred to by id;
//! - only requests with resource details (id, type, attributes) cross as JSON.
//!
//! Two modules are built from this file: the decision engine (feature `wasm`), what pages
//! and edge functions load, and the full one (feature `wasm-full`) that adds explanations,
//! the matrix, team changes, the lint and query plans.
//!
//! Errors cross as JSON text (`{"code", "path", "message", "errors"?}`) that the JS layer
//! turns into `RolegateError` objects; nothing here panics.

use crate::decide::{Reason, Verdict};
#[cfg(feature = "wasm-full")]
use crate::json::ToJson;
use crate::json::{self, Object};
#[cfg(feature = "wasm-full")]
use crate::matrix::Matrix;
#[cfg(feature = "wasm-full")]
use crate::team::{Team, TeamChange};
use crate::{
    Decision, InputError, Policy, PolicyErrors, Principal, Resource, Scope, Session,
    SessionOptions, Tenant,
};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

fn policy_error(errors: &PolicyErrors) -> JsValue {
    let first = errors.iter().next();
    let mut out = String::new();
    let mut o = Object::new(&mut out);
    o.str("code", first.map_or("syntax", |d| d.code.as_str()))
        .str(
            "path",
            &first.map(|d| d.path.to_string()).unwrap_or_default(),
        )
        .str("message", &errors.to_string());
    json::write(o.key("errors"), &errors.0);
    o.end();
    JsValue::from_str(&out)
}

/// Seconds from a JS number; the JS layer has checked it is a whole number from 0.
#[cfg(feature = "wasm-full")]
fn seconds(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value as u64
    } else {
        0
    }
}

fn input_error(error: &InputError) -> JsValue {
    JsValue::from_str(&json::to_json(error))
}

/// A resource given by parts (its scope goes by id, apart): attributes as JSON text.
fn resource_of_parts(
    id: Option<String>,
    kind: Option<String>,
    attrs: Option<String>,
) -> Result<Resource, JsValue> {
    let attrs = match attrs {
        Some(text) => Resource::attrs_from_json(&text).map_err(|e| input_error(&e))?,
        None => Default::default(),
    };
    let resource = Resource {
        kind,
        id,
        scope: String::new(),
        attrs,
    };
    crate::decide::input_limits::resource(&resource, None).map_err(|e| input_error(&e))?;
    Ok(resource)
}

/// Test builds only (feature `debug-trap`): how many decisions until one panics (0: none).
#[cfg(feature = "debug-trap")]
static TRAP: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

#[cfg(feature = "debug-trap")]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Test builds only (feature `debug-trap`): the `calls`-th decision from now panics, a
/// trap in WebAssembly, so that the package's tests see what a trap does; the panic's
/// message goes to `console.error` first.
#[cfg(feature = "debug-trap")]
#[wasm_bindgen(js_name = __armTrap)]
pub fn arm_trap(calls: u32) {
    std::panic::set_hook(Box::new(|info| console_error(&info.to_string())));
    TRAP.store(calls, core::sync::atomic::Ordering::Relaxed);
}

/// Where an armed trap goes off; nothing in the package's builds.
#[inline(always)]
fn trap_point() {
    #[cfg(feature = "debug-trap")]
    {
        use core::sync::atomic::Ordering::Relaxed;
        match TRAP.load(Relaxed) {
            0 => {}
            1 => {
                TRAP.store(0, Relaxed);
                #[allow(clippy::panic)] // the whole point of this test-only switch
                {
                    panic!("the trap armed by a test went off");
                }
            }
            n => TRAP.store(n - 1, Relaxed),
        }
    }
}

/// The distinct decisions of a policy's sessions, by id, with their keys
/// ([`Verdict::decision_key`]), and a hash table over them (open addressing, linear probing:
/// compact code for the page module) whose slots hold a decision's id + 1, 0 when empty;
/// its length is 0 or a power of two, at most half of it full. The key and the scope text
/// make the hash; a candidate is the same decision only if it is equal field for field.
#[derive(Default)]
struct Decisions {
    slots: Vec<u32>,
    keys: Vec<u64>,
    list: Vec<Decision>,
}

impl Decisions {
    /// The id of `decision` (of `key`), or the empty slot where it goes.
    fn find(&self, key: u64, decision: &Decision) -> Result<u32, usize> {
        // FNV-1a over the scope text, from the key.
        let text = decision.scope.as_deref().unwrap_or("");
        let hash = text.bytes().fold(key, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask;
        while let Some(&slot) = self.slots.get(i) {
            let id = slot.wrapping_sub(1);
            if slot == 0 {
                return Err(i);
            }
            if self.keys.get(id as usize) == Some(&key)
                && self.list.get(id as usize) == Some(decision)
            {
                return Ok(id);
            }
            i = (i + 1) & mask;
        }
        Err(0)
    }

    /// Adds `decision` under `key` (not there yet); returns its id.
    fn insert(&mut self, key: u64, decision: Decision) -> u32 {
        let id = self.list.len();
        self.keys.push(key);
        self.list.push(decision);
        if self.list.len() * 2 > self.slots.len() {
            // Grow: every entry is placed again, this one with them.
            self.slots = vec![0; (self.slots.len() * 2).max(64)];
            for i in 0..self.list.len() {
                self.place(i);
            }
        } else {
            self.place(id);
        }
        u32::try_from(id).unwrap_or(u32::MAX)
    }

    /// Puts entry `id` in the first empty slot from its start.
    fn place(&mut self, id: usize) {
        // (An entry equal to this one would end the search: none is, entries are distinct.)
        let at = match (self.keys.get(id), self.list.get(id)) {
            (Some(&key), Some(decision)) => self.find(key, decision),
            _ => return,
        };
        if let Some(slot) = at.err().and_then(|at| self.slots.get_mut(at)) {
            *slot = u32::try_from(id + 1).unwrap_or(0);
        }
    }
}

/// A compiled policy.
#[wasm_bindgen]
pub struct RawPolicy {
    policy: Policy,
    decisions: Rc<RefCell<Decisions>>,
}

impl From<Policy> for RawPolicy {
    fn from(policy: Policy) -> Self {
        RawPolicy {
            policy,
            decisions: Rc::default(),
        }
    }
}

#[wasm_bindgen]
impl RawPolicy {
    /// Compiles a policy written in JSON (full module: the page module loads artifacts).
    #[cfg(feature = "wasm-full")]
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Result<RawPolicy, JsValue> {
        Policy::from_json(text)
            .map(RawPolicy::from)
            .map_err(|e| policy_error(&e))
    }

    /// Compiles a policy that JS gave as an object (turned into JSON text on the way): its
    /// errors name the place by path, without the line and column of that text, which
    /// the caller never wrote.
    #[cfg(feature = "wasm-full")]
    #[wasm_bindgen(js_name = fromObjectJson)]
    pub fn from_object_json(text: &str) -> Result<RawPolicy, JsValue> {
        Policy::from_json(text)
            .map(RawPolicy::from)
            .map_err(|mut e| {
                for d in &mut e.0 {
                    d.line = None;
                    d.column = None;
                }
                policy_error(&e)
            })
    }

    /// Loads a policy from its artifact (what `rolegate build` writes).
    pub fn load(bytes: &[u8]) -> Result<RawPolicy, JsValue> {
        Policy::from_artifact(bytes)
            .map(RawPolicy::from)
            .map_err(|e| policy_error(&e))
    }

    /// The policy's artifact.
    #[cfg(feature = "wasm-full")]
    pub fn build(&self) -> Vec<u8> {
        self.policy.to_artifact()
    }

    /// Compiles a policy written in TOML.
    #[cfg(feature = "toml")]
    #[wasm_bindgen(js_name = fromToml)]
    pub fn from_toml(text: &str) -> Result<RawPolicy, JsValue> {
        Policy::from_toml(text)
            .map(RawPolicy::from)
            .map_err(|e| policy_error(&e))
    }

    /// The policy's name, catalog and roles as JSON, for the JS layer to hold once:
    /// `{ name?, actions: [{ name, label, group, scope, tags, feature, plans,
    /// readsResource? }] in id order, roles: [{ name, label, scope, cascade }] }`.
    pub fn catalog(&self) -> String {
        let levels = self.policy.levels();
        let features = self.policy.features();
        let plans = self.policy.plans();
        let level = |l: usize| levels.get(l).map(|l| &*l.name);
        let mut out = String::new();
        let mut top = Object::new(&mut out);
        top.opt_str("name", self.policy.name());
        json::list(top.key("actions"), self.policy.actions(), |out, a| {
            let mut o = Object::new(out);
            o.str("name", &a.name)
                .opt_str("label", a.label.as_deref())
                .opt_str("group", a.group.as_deref())
                .opt_str("scope", level(a.level))
                .opt_str(
                    "feature",
                    a.feature.and_then(|f| features.get(f)).map(|f| &*f.name),
                );
            if a.reads_resource {
                o.bool("readsResource", true);
            }
            json::list(o.key("tags"), &a.tags, |out, t| json::string(out, t));
            json::list(o.key("plans"), &a.plans, |out, p| {
                json::string(out, plans.get(*p).map_or("", |p| &p.name))
            });
            o.end();
        });
        json::list(top.key("roles"), self.policy.roles(), |out, r| {
            let mut o = Object::new(out);
            o.str("name", &r.name)
                .opt_str("label", r.label.as_deref())
                .opt_str("scope", level(r.level))
                .bool("cascade", r.cascade);
            o.end();
        });
        top.end();
        out
    }

    /// Compile warnings as JSON.
    #[cfg(feature = "wasm-full")]
    pub fn warnings(&self) -> String {
        json::to_json(self.policy.warnings())
    }

    /// The role x action matrix as JSON, or as the text `rolegate matrix` prints for
    /// `format` `markdown`, `csv` or `html`.
    #[cfg(feature = "wasm-full")]
    pub fn matrix(&self, format: Option<String>) -> Result<String, JsValue> {
        let matrix = Matrix::of(&self.policy);
        Ok(match format.as_deref() {
            None => json::to_json(&matrix),
            Some("markdown") => matrix.to_markdown(),
            Some("csv") => matrix.to_csv(),
            Some("html") => matrix.to_html(),
            Some(other) => {
                return Err(input_error(&InputError::new(
                    crate::InputErrorCode::BadInput,
                    crate::DocPath::root().key("format"),
                    format!("format must be `markdown`, `csv` or `html`, got `{other}`"),
                )));
            }
        })
    }

    /// The document the policy was compiled from, as JSON (what `rolegate export` prints);
    /// nothing for a policy loaded from its artifact.
    #[cfg(feature = "wasm-full")]
    pub fn document(&self) -> Option<String> {
        self.policy.document().map(json::to_json)
    }

    /// TypeScript unions of the policy's names, as `rolegate types` prints them.
    #[cfg(feature = "wasm-full")]
    pub fn types(&self) -> String {
        crate::typescript::unions(&self.policy)
    }

    /// Applies a team change (all given as JSON) at `at` (seconds since 1970). Returns
    /// `{ allowed: true, team, event }` or `{ allowed: false, reason, message }`.
    #[cfg(feature = "wasm-full")]
    #[wasm_bindgen(js_name = applyTeam)]
    pub fn apply_team(
        &self,
        team: &str,
        tenant: &str,
        actor: &str,
        change: &str,
        at: f64,
    ) -> Result<String, JsValue> {
        let team = Team::from_json(team).map_err(|e| input_error(&e))?;
        let tenant = Tenant::from_json(tenant).map_err(|e| input_error(&e))?;
        let change = TeamChange::from_json(change).map_err(|e| input_error(&e))?;
        let mut out = String::new();
        let mut o = Object::new(&mut out);
        match self
            .policy
            .apply(&team, &tenant, actor, &change, seconds(at))
        {
            Ok((next, event)) => {
                o.bool("allowed", true);
                next.write_json(o.key("team"));
                event.write_json(o.key("event"));
            }
            Err(denial) => {
                o.bool("allowed", false)
                    .str("reason", denial.reason.as_str())
                    .str("message", &denial.message);
            }
        }
        o.end();
        Ok(out)
    }

    /// The hygiene findings of a team (JSON) at `now` (seconds since 1970), as JSON.
    #[cfg(feature = "wasm-full")]
    #[wasm_bindgen(js_name = lintTeam)]
    pub fn lint_team(&self, team: &str, now: f64) -> Result<String, JsValue> {
        let team = Team::from_json(team).map_err(|e| input_error(&e))?;
        Ok(self.policy.lint(&team, seconds(now)).to_json())
    }

    /// The policy fingerprint (64 lowercase hex digits).
    pub fn fingerprint(&self) -> String {
        self.policy.fingerprint().to_owned()
    }

    /// The route table as JSON: `[{ route, method, action, params, resource }]`.
    #[cfg(feature = "routes")]
    pub fn routes(&self) -> String {
        let actions = self.policy.actions();
        let mut out = String::new();
        json::list(&mut out, self.policy.routes(), |out, r| {
            let mut o = Object::new(out);
            o.str("route", &r.pattern)
                .str("method", r.method())
                .str("action", actions.get(r.action).map_or("", |a| &*a.name));
            json::list(o.key("params"), &r.params, |out, p| json::string(out, p));
            o.opt_str("resource", r.resource.as_deref());
            o.end();
        });
        out
    }

    /// A session for a principal in a tenant, both given as JSON.
    pub fn session(&self, principal: &str, tenant: &str) -> Result<RawSession, JsValue> {
        let principal = Principal::from_json(principal).map_err(|e| input_error(&e))?;
        let tenant = Tenant::from_json(tenant).map_err(|e| input_error(&e))?;
        // Strict: the JS layer leaves undeclared roles out itself (lenient sessions) and
        // lists them in `session.warnings`, which keeps that code out of the page module
        // (measured: 168 bytes gzip, to decide leniently here).
        let session = self
            .policy
            .session_with(&principal, &tenant, SessionOptions::strict())
            .map_err(|e| input_error(&e))?;
        Ok(RawSession {
            session,
            scopes: Vec::new(),
            decisions: Rc::clone(&self.decisions),
        })
    }
}

/// A principal in a tenant, deciding through the decision ids of its policy.
#[wasm_bindgen]
pub struct RawSession {
    session: Session,
    /// Scopes by id: parsed, or the text that failed to parse.
    scopes: Vec<Result<Scope, ()>>,
    /// The policy's decisions, shared with its other sessions.
    decisions: Rc<RefCell<Decisions>>,
}

/// The policy-wide id of a verdict's decision in a session (`u32::MAX` if the table is
/// busy, which a single-threaded module never sees: nothing calls back into it while it
/// decides).
#[inline(never)]
fn intern_in(decisions: &RefCell<Decisions>, session: &Session, verdict: Verdict) -> u32 {
    let key = verdict.decision_key();
    let decision = session.decision(verdict);
    let Ok(mut table) = decisions.try_borrow_mut() else {
        return u32::MAX;
    };
    match table.find(key, &decision) {
        Ok(id) => id,
        Err(_) => table.insert(key, decision),
    }
}

impl RawSession {
    fn intern(&mut self, verdict: Verdict) -> u32 {
        intern_in(&self.decisions, &self.session, verdict)
    }

    /// (Not inlined: one copy serves the four exports that decide.)
    #[inline(never)]
    fn decide(&self, action: u32, scope: i32, resource: &Resource) -> Verdict {
        trap_point();
        let scope = usize::try_from(scope).ok().and_then(|s| self.scopes.get(s));
        match scope {
            Some(Ok(scope)) => self.session.verdict_at(action as usize, scope, resource),
            // A scope that failed to parse, or an id never given out.
            Some(Err(_)) | None => self.unreadable_scope(action),
        }
    }

    /// The verdict at a scope that cannot be read: `bad_scope` for an action of the
    /// catalog, else `unknown_action` (as `Session::verdict` answers both).
    fn unreadable_scope(&self, action: u32) -> Verdict {
        let action = action as usize;
        if action < self.session.policy().actions().len() {
            Verdict::deny(Reason::BadScope, action)
        } else {
            Verdict::unknown_action()
        }
    }
}

#[wasm_bindgen]
impl RawSession {
    /// Interns a scope string; the id is used by `check` and `permissions`.
    /// Interns a scope string in `slot` (a new one when `slot` is past the end, so that
    /// the JS layer can bound how many it keeps); returns its id.
    pub fn scope(&mut self, text: &str, slot: u32) -> i32 {
        // An unreadable scope keeps nothing of its text.
        let parsed = self.session.scope(text).map_err(|_| ());
        match self.scopes.get_mut(slot as usize) {
            Some(existing) => *existing = parsed,
            None => self.scopes.push(parsed),
        }
        i32::try_from(self.scopes.len().min(slot as usize + 1) - 1).unwrap_or(-1)
    }

    /// Decides an action (by catalog id) on a resource given by parts: its scope (by id),
    /// id, type and attributes (JSON of an object), each part absent for a check at the
    /// scope alone; returns a decision id.
    #[wasm_bindgen(js_name = checkParts)]
    pub fn check_parts(
        &mut self,
        action: u32,
        scope: i32,
        id: Option<String>,
        kind: Option<String>,
        attrs: Option<String>,
    ) -> Result<u32, JsValue> {
        let resource = resource_of_parts(id, kind, attrs)?;
        let verdict = self.decide(action, scope, &resource);
        Ok(self.intern(verdict))
    }

    /// What decides an action (by catalog id) at a scope (by id) for a particular
    /// resource, for the package's evaluator: JSON with decision ids of the policy
    /// (`src/decide/program.rs`), or `null` where the session's row or the engine alone
    /// decides.
    pub fn program(&mut self, action: u32, scope: i32) -> String {
        let scope = usize::try_from(scope)
            .ok()
            .and_then(|s| self.scopes.get(s))
            .and_then(|s| s.as_ref().ok());
        let (decisions, session) = (&self.decisions, &self.session);
        scope
            .and_then(|scope| {
                session.program_json(action as usize, scope, &mut |v| {
                    intern_in(decisions, session, v)
                })
            })
            .unwrap_or_else(|| "null".to_owned())
    }

    /// The decision of a decision id (given out by any session of this policy), as JSON.
    pub fn decision(&self, id: u32) -> String {
        let table = self.decisions.try_borrow();
        match table.as_ref().ok().and_then(|t| t.list.get(id as usize)) {
            Some(d) => json::to_json(d),
            None => "null".to_owned(),
        }
    }

    /// Forgets the decisions that the sessions of this policy gave out so far: later ids
    /// start again from 0. The JS layer calls it when it holds too many, and drops its own
    /// table of them.
    pub fn forget(&self) {
        if let Ok(mut table) = self.decisions.try_borrow_mut() {
            *table = Decisions::default();
        }
    }

    /// Decides a request by method and path through the route table: the gate's answer as
    /// JSON (`{ outcome, status, reason, action?, route?, params, resource?, decision? }`).
    #[cfg(feature = "routes")]
    pub fn gate(&self, method: &str, path: &str) -> String {
        json::to_json(&self.session.gate(method, path))
    }

    /// The query plan of `action` over resources of type `kind` at `scope` or below it
    /// (the tenant when absent), as JSON: what `QueryPlan` serializes to (docs/PLANS.md).
    #[cfg(feature = "wasm-full")]
    pub fn plan(&self, action: &str, kind: &str, scope: Option<String>) -> Result<String, JsValue> {
        let plan = self
            .session
            .plan(action, kind, scope.as_deref())
            .map_err(|e| input_error(&e))?;
        serde_json::to_string(&plan).map_err(|e| {
            let mut out = String::new();
            let mut o = Object::new(&mut out);
            o.str("code", "internal").str("path", "").str(
                "message",
                &format!("the plan cannot be written as JSON: {e}"),
            );
            o.end();
            JsValue::from_str(&out)
        })
    }

    /// The explanation of a decision and its readable text (the engine's `Display`), as
    /// JSON `{ explanation: { action, scope, decision, steps }, text }`.
    #[cfg(feature = "wasm-full")]
    pub fn explain(&self, action: &str, resource: &str) -> Result<String, JsValue> {
        let resource = Resource::from_json(resource).map_err(|e| input_error(&e))?;
        let explanation = self.session.explain(action, &resource);
        let mut out = String::new();
        let mut o = Object::new(&mut out);
        o.key("explanation").push_str(&json::to_json(&explanation));
        o.str("text", &explanation.to_string());
        o.end();
        Ok(out)
    }
}

/// The stable codes, for the JS layer's checks: `{ reasons, errors, inputErrors }`.
#[wasm_bindgen]
pub fn codes() -> String {
    let mut out = String::new();
    let mut o = Object::new(&mut out);
    json::list(o.key("reasons"), crate::Reason::ALL, |out, c| {
        json::string(out, c.as_str())
    });
    json::list(o.key("errors"), crate::ErrorCode::ALL, |out, c| {
        json::string(out, c.as_str())
    });
    json::list(
        o.key("inputErrors"),
        crate::InputErrorCode::ALL,
        |out, c| json::string(out, c.as_str()),
    );
    o.end();
    out
}
