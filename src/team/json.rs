//! Teams, audit events, denials and findings as JSON, written with the crate's JSON
//! writer; and the `from_json` entry points, which read with [`super::read`].

use super::lint::Finding;
use super::{AuditEvent, Denial, Member, Membership, Team, TeamChange, TeamSlice, read};
use crate::InputError;
use crate::json::{self, Object, ToJson};

impl ToJson for Membership {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("scope", &self.scope).str("role", &self.role);
        o.end();
    }
}

impl ToJson for Member {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("id", &self.id)
            .opt_str("email", self.email.as_deref())
            .str("status", self.status.as_str())
            .opt_str("role", self.role.as_deref());
        json::list(o.key("memberships"), &self.memberships, |out, m| {
            m.write_json(out);
        });
        if let Some(t) = self.last_active {
            o.num("last_active", t);
        }
        o.end();
    }
}

/// `{ members: [...], scopes: [...] }`, the shape of a team and of a slice of one.
fn write_members_and_scopes(out: &mut String, members: &[Member], scopes: &[String]) {
    let mut o = Object::new(out);
    json::list(o.key("members"), members, |out, m| m.write_json(out));
    json::list(o.key("scopes"), scopes, |out, s| json::string(out, s));
    o.end();
}

impl ToJson for TeamSlice {
    fn write_json(&self, out: &mut String) {
        write_members_and_scopes(out, &self.members, &self.scopes);
    }
}

impl ToJson for Team {
    fn write_json(&self, out: &mut String) {
        write_members_and_scopes(out, &self.members, &self.scopes);
    }
}

impl ToJson for AuditEvent {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.num("at", self.at)
            .str("actor", &self.actor)
            .str("change", self.change)
            .str("target", &self.target);
        self.before.write_json(o.key("before"));
        self.after.write_json(o.key("after"));
        o.str("rule", &self.rule);
        o.end();
    }
}

impl ToJson for Denial {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("reason", self.reason.as_str())
            .str("message", &self.message);
        o.end();
    }
}

impl ToJson for Finding {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.str("code", self.code.as_str())
            .str("severity", self.severity.as_str())
            .str("subject", &self.subject)
            .str("message", &self.message)
            .str("fix", &self.fix);
        o.end();
    }
}

impl ToJson for [Finding] {
    fn write_json(&self, out: &mut String) {
        json::list(out, self, |out, f| f.write_json(out));
    }
}

impl Team {
    /// The team as JSON: `{ members: [...], scopes: [...] }`.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }

    /// Reads a team from JSON.
    pub fn from_json(text: &str) -> Result<Team, InputError> {
        read::team(text)
    }
}

impl AuditEvent {
    /// The event as JSON.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }

    /// Reads an event from JSON (to replay a stored audit log).
    pub fn from_json(text: &str) -> Result<AuditEvent, InputError> {
        read::event(text)
    }
}

/// Findings as a JSON list.
pub fn findings_to_json(findings: &[Finding]) -> String {
    ToJson::to_json(findings)
}

impl Denial {
    /// The denial as JSON: `{ reason, message }`.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }
}

impl TeamChange {
    /// Reads a change from JSON: `{ "type": "change_role", "member": "u2", "role": "admin" }`.
    pub fn from_json(text: &str) -> Result<TeamChange, InputError> {
        read::change(text)
    }
}
