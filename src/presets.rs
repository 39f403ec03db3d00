//! The presets shipped with rolegate: policies reproducing real products' role models.

/// Every preset, as `(name, TOML text)`.
pub const PRESETS: &[(&str, &str)] = &[
    ("callaro", include_str!("../presets/callaro.toml")),
    ("callscaler", include_str!("../presets/callscaler.toml")),
    ("outreach", include_str!("../presets/outreach.toml")),
    (
        "project-members",
        include_str!("../presets/project-members.toml"),
    ),
    ("calilio", include_str!("../presets/calilio.toml")),
];

/// The preset used when no policy is given: the Outreach role model.
pub const DEFAULT_PRESET: &str = "outreach";

/// The TOML text of a preset.
pub fn preset(name: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
