//! Action patterns (`*`, `tag:<name>`, `campaign.*`, `campaign.create`) and their expansion
//! against the catalog into a set of action ids.

use super::context::{is_action_name, is_name};
use super::{Action, ActionId, BitSet};
use crate::error::ErrorCode;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an action pattern selects.
enum Pattern<'a> {
    All,
    Tag(&'a str),
    Prefix(&'a str),
    Exact(&'a str),
}

fn read_pattern(pattern: &str) -> Result<Pattern<'_>, String> {
    if pattern == "*" {
        return Ok(Pattern::All);
    }
    if let Some(tag) = pattern.strip_prefix("tag:") {
        return if is_name(tag) {
            Ok(Pattern::Tag(tag))
        } else {
            Err(format!("tag `{tag}` is not a valid tag name"))
        };
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return if prefix
            .split('.')
            .all(|s| is_action_name(&format!("{s}.x")) && !s.is_empty())
        {
            Ok(Pattern::Prefix(prefix))
        } else {
            Err(format!(
                "`{pattern}` is not a pattern: write `resource.*`, `*`, `tag:<name>` or an action name"
            ))
        };
    }
    if is_action_name(pattern) {
        Ok(Pattern::Exact(pattern))
    } else {
        Err(format!(
            "`{pattern}` is not a pattern: write `resource.*`, `*`, `tag:<name>` or an action name"
        ))
    }
}

/// Expands an action pattern against the catalog.
pub(super) fn expand_pattern(
    pattern: &str,
    actions: &[Action],
    action_index: &BTreeMap<Arc<str>, ActionId>,
) -> Result<BitSet, (ErrorCode, String)> {
    let mut set = BitSet::new(actions.len());
    match read_pattern(pattern).map_err(|m| (ErrorCode::BadPattern, m))? {
        Pattern::All => set = BitSet::full(actions.len()),
        Pattern::Tag(tag) => {
            for (id, a) in actions.iter().enumerate() {
                if a.tags.iter().any(|t| t == tag) {
                    set.insert(id);
                }
            }
        }
        Pattern::Prefix(prefix) => {
            for (id, a) in actions.iter().enumerate() {
                if a.name
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
                {
                    set.insert(id);
                }
            }
        }
        Pattern::Exact(name) => match action_index.get(name) {
            Some(id) => set.insert(*id),
            None => {
                return Err((
                    ErrorCode::UnknownAction,
                    format!(
                        "action `{name}` is not in the catalog{}",
                        crate::suggest::did_you_mean(name, action_index.keys().map(|k| &**k))
                    ),
                ));
            }
        },
    }
    if set.is_empty() {
        return Err((
            ErrorCode::PatternMatchesNothing,
            format!("pattern `{pattern}` matches no action of the catalog"),
        ));
    }
    Ok(set)
}
