//! "Did you mean": the closest known name to a misspelled one, for the messages that name
//! an unknown action, role, scope level, feature or plan (the engine's errors and the
//! command's).

/// The edit distance between two names (insertions, deletions, substitutions), by chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = substitute.min(above + 1).min(left + 1);
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// The known name closest to `word`, when it is close enough to be a misspelling (at most
/// a third of its length away, at least 2 edits allowed; ASCII case differences count as
/// close: names are ASCII, and Unicode case tables would weigh on the page module).
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    let scored: Vec<(usize, &str)> = known
        .into_iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), k))
        .collect();
    if scored.iter().any(|(_, k)| *k == word) {
        return None; // not a misspelling: the name is known
    }
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, known).map_or_else(String::new, |k| format!(" (did you mean `{k}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_not() {
        let known = ["campaign.create", "campaign.delete", "sms.configure"];
        assert_eq!(closest("campagn.create", known), Some("campaign.create"));
        assert_eq!(closest("Campaign.Create", known), Some("campaign.create"));
        assert_eq!(closest("billing.view", known), None);
        assert_eq!(closest("campaign.create", known), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
    }
}
