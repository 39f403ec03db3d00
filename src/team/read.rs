//! Reading teams, changes and audit events from JSON, with the typed reader of the JSON
//! layer (the one that reads policies and principals).

use super::{AuditEvent, Member, Membership, Status, Team, TeamChange, TeamSlice};
use crate::error::{DocPath, ErrorCode, InputError, InputErrorCode};
use crate::json::read::Reader;
use crate::json::tree::{Kind, Node};

fn bad(path: DocPath, message: String) -> InputError {
    InputError::new(InputErrorCode::BadInput, path, message)
}

fn parse(text: &str, what: &str) -> Result<Node, InputError> {
    Reader::parse_input(text, what)
}

fn done<T>(r: Reader, value: T) -> Result<T, InputError> {
    r.into_input(value)
}

fn time(r: &mut Reader, node: Option<&Node>, path: DocPath) -> Option<u64> {
    let node = node?;
    match node.kind {
        Kind::Null => None,
        Kind::Integer(n) if n >= 0 => u64::try_from(n).ok(),
        _ => {
            r.error(
                ErrorCode::BadType,
                path,
                node.start,
                format!(
                    "expected a time in seconds since 1970 (a whole number), found {}",
                    node.kind.describe()
                ),
            );
            None
        }
    }
}

fn member(r: &mut Reader, node: &Node, path: &DocPath) -> Option<Member> {
    let mut t = r.table(
        node,
        path,
        "a member: { id, email, status, role, memberships, last_active }",
    )?;
    let id = r.required_string(&mut t, "id");
    let email = r.opt_string(&mut t, "email");
    let status = match r.opt_string(&mut t, "status").as_deref() {
        None | Some("active") => Status::Active,
        Some("invited") => Status::Invited,
        Some(other) => {
            r.error(
                ErrorCode::BadValue,
                path.key("status"),
                node.start,
                format!("`{other}` is not a status: expected `invited` or `active`"),
            );
            Status::Active
        }
    };
    let role = r.opt_string(&mut t, "role");
    let mut memberships = Vec::new();
    if let Some(list) = t.take("memberships") {
        let p = path.key("memberships");
        for (i, item) in r.list(list, &p, "a list of memberships").iter().enumerate() {
            if let Some(mut mt) = r.table(item, &p.index(i), "a membership: { scope, role }") {
                let scope = r.required_string(&mut mt, "scope");
                let role = r.required_string(&mut mt, "role");
                r.finish(mt, &["scope", "role"]);
                memberships.push(Membership { scope, role });
            }
        }
    }
    let last_active = time(r, t.take("last_active"), path.key("last_active"));
    r.finish(
        t,
        &[
            "id",
            "email",
            "status",
            "role",
            "memberships",
            "last_active",
        ],
    );
    Some(Member {
        id,
        email,
        status,
        role,
        memberships,
        last_active,
    })
}

fn slice(r: &mut Reader, node: &Node, path: &DocPath) -> TeamSlice {
    let mut out = TeamSlice::default();
    let Some(mut t) = r.table(node, path, "a team: { members, scopes }") else {
        return out;
    };
    if let Some(list) = t.take("members") {
        let p = path.key("members");
        for (i, item) in r.list(list, &p, "a list of members").iter().enumerate() {
            if let Some(m) = member(r, item, &p.index(i)) {
                out.members.push(m);
            }
        }
    }
    out.scopes = r.strings(&mut t, "scopes");
    r.finish(t, &["members", "scopes"]);
    out
}

/// Reads a team.
pub fn team(text: &str) -> Result<Team, InputError> {
    let node = parse(text, "team")?;
    let mut r = Reader::default();
    let s = slice(&mut r, &node, &DocPath::root().key("team"));
    done(
        r,
        Team {
            members: s.members,
            scopes: s.scopes,
        },
    )
}

/// Reads a change.
pub fn change(text: &str) -> Result<TeamChange, InputError> {
    let node = parse(text, "change")?;
    let path = DocPath::root().key("change");
    let mut r = Reader::default();
    let Some(mut t) = r.table(&node, &path, "a change: { type, ... }") else {
        return Err(done(r, ())
            .err()
            .unwrap_or_else(|| bad(path, "expected a change".into())));
    };
    let kind = r.required_string(&mut t, "type");
    let (change, fields): (TeamChange, &[&str]) = match kind.as_str() {
        "invite" => (
            TeamChange::Invite {
                member: r.required_string(&mut t, "member"),
                email: r.opt_string(&mut t, "email"),
                role: r.required_string(&mut t, "role"),
                scope: r.opt_string(&mut t, "scope"),
            },
            &["type", "member", "email", "role", "scope"],
        ),
        "accept" => (
            TeamChange::Accept {
                member: r.required_string(&mut t, "member"),
            },
            &["type", "member"],
        ),
        "change_role" => (
            TeamChange::ChangeRole {
                member: r.required_string(&mut t, "member"),
                role: r.required_string(&mut t, "role"),
            },
            &["type", "member", "role"],
        ),
        "remove" => (
            TeamChange::Remove {
                member: r.required_string(&mut t, "member"),
            },
            &["type", "member"],
        ),
        "add_membership" | "change_membership" => {
            let member = r.required_string(&mut t, "member");
            let scope = r.required_string(&mut t, "scope");
            let role = r.required_string(&mut t, "role");
            let change = if kind == "add_membership" {
                TeamChange::AddMembership {
                    member,
                    scope,
                    role,
                }
            } else {
                TeamChange::ChangeMembership {
                    member,
                    scope,
                    role,
                }
            };
            (change, &["type", "member", "scope", "role"])
        }
        "remove_membership" => (
            TeamChange::RemoveMembership {
                member: r.required_string(&mut t, "member"),
                scope: r.required_string(&mut t, "scope"),
            },
            &["type", "member", "scope"],
        ),
        "transfer_ownership" => (
            TeamChange::TransferOwnership {
                to: r.required_string(&mut t, "to"),
            },
            &["type", "to"],
        ),
        "add_scope" | "remove_scope" => {
            let scope = r.required_string(&mut t, "scope");
            let change = if kind == "add_scope" {
                TeamChange::AddScope { scope }
            } else {
                TeamChange::RemoveScope { scope }
            };
            (change, &["type", "scope"])
        }
        other => {
            if r.errors.is_empty() {
                r.error(
                    ErrorCode::BadValue,
                    path.key("type"),
                    node.start,
                    format!(
                        "`{other}` is not a change: expected one of `invite`, `accept`, `change_role`, `remove`, `add_membership`, `change_membership`, `remove_membership`, `transfer_ownership`, `add_scope`, `remove_scope`"
                    ),
                );
            }
            return Err(done(r, ())
                .err()
                .unwrap_or_else(|| bad(path, "expected a change".into())));
        }
    };
    r.finish(t, fields);
    done(r, change)
}

/// Reads an audit event.
pub fn event(text: &str) -> Result<AuditEvent, InputError> {
    let node = parse(text, "event")?;
    let path = DocPath::root().key("event");
    let mut r = Reader::default();
    let Some(mut t) = r.table(&node, &path, "an audit event") else {
        return Err(done(r, ())
            .err()
            .unwrap_or_else(|| bad(path, "expected an audit event".into())));
    };
    let at = time(&mut r, t.take("at"), path.key("at")).unwrap_or(0);
    let actor = r.required_string(&mut t, "actor");
    let change_name = r.required_string(&mut t, "change");
    let change = match change_name.as_str() {
        "invite" => "invite",
        "accept" => "accept",
        "change_role" => "change_role",
        "remove" => "remove",
        "add_membership" => "add_membership",
        "change_membership" => "change_membership",
        "remove_membership" => "remove_membership",
        "transfer_ownership" => "transfer_ownership",
        "add_scope" => "add_scope",
        "remove_scope" => "remove_scope",
        other => {
            return Err(bad(
                path.key("change"),
                format!("`{other}` is not a change type"),
            ));
        }
    };
    let target = r.required_string(&mut t, "target");
    let before = match t.take("before") {
        Some(n) => slice(&mut r, n, &path.key("before")),
        None => TeamSlice::default(),
    };
    let after = match t.take("after") {
        Some(n) => slice(&mut r, n, &path.key("after")),
        None => TeamSlice::default(),
    };
    let rule = r.required_string(&mut t, "rule");
    r.finish(
        t,
        &["at", "actor", "change", "target", "before", "after", "rule"],
    );
    done(
        r,
        AuditEvent {
            at,
            actor,
            change,
            target,
            before,
            after,
            rule,
        },
    )
}
