//! "Did you mean" hints: the one rule behind every error that names something unknown (a
//! branch, a field, a column, a function, a correction, a table).
//!
//! Names are compared ignoring case, by optimal-string-alignment edit distance (`strsim`: a
//! swap of two neighbours counts as one edit). The nearest names within a third of the name's
//! length (at least 2 edits) are suggested, and only the nearest tier of them: `list_summ`
//! suggests `list_sum`, not every `list_*` within three edits. When no name is that near,
//! names that contain the misspelt one (or are contained in it), or that share its first three
//! letters, are suggested instead, nearest first. At most five names, never the name itself
//! spelt the same way.

/// The most names a hint lists.
pub const MAX_SUGGESTIONS: usize = 5;

/// The names among `known` close to `name`, best first (see the module documentation).
///
/// ```
/// use rask_core::suggest::closest;
/// let known = ["list_sum", "list_min", "list_max", "len"];
/// assert_eq!(closest("list_summ", known), ["list_sum"]);
/// assert_eq!(closest("LIST_SUM", known), ["list_sum"]);
/// assert_eq!(closest("list", known), ["list_sum", "list_min", "list_max"]);
/// assert!(closest("zzzzzz", known).is_empty());
/// ```
pub fn closest<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Vec<&'k str> {
    let lower = name.to_lowercase();
    let limit = (lower.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, usize, &str)> = Vec::new();
    for (i, k) in known.into_iter().enumerate() {
        if k == name || scored.iter().any(|(_, _, s)| *s == k) {
            continue;
        }
        let kl = k.to_lowercase();
        scored.push((strsim::osa_distance(&lower, &kl), i, k));
    }
    scored.sort_unstable();
    let nearest = scored.first().map_or(usize::MAX, |s| s.0);
    if nearest <= limit {
        return scored
            .iter()
            .take_while(|s| s.0 == nearest)
            .take(MAX_SUGGESTIONS)
            .map(|s| s.2)
            .collect();
    }
    let prefix: String = lower.chars().take(3).collect();
    scored
        .iter()
        .filter(|(_, _, k)| {
            let kl = k.to_lowercase();
            lower.chars().count() >= 3
                && (kl.contains(&lower) || lower.contains(&kl) || kl.starts_with(&prefix))
        })
        .take(MAX_SUGGESTIONS)
        .map(|s| s.2)
        .collect()
}

/// The hint appended to an error message: `"; did you mean a, b?"`, or `""` for no names.
///
/// ```
/// assert_eq!(rask_core::suggest::did_you_mean(&["pt", "phi"]), "; did you mean pt, phi?");
/// assert_eq!(rask_core::suggest::did_you_mean::<&str>(&[]), "");
/// ```
pub fn did_you_mean<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
        format!("; did you mean {}?", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_tier_only() {
        let known = ["Muon_pt", "Muon_eta", "Jet_pt", "nMuon"];
        assert_eq!(closest("muon_pt", known), ["Muon_pt"]);
        assert_eq!(closest("Muon_ptt", known), ["Muon_pt"]);
        // One edit from nMuon, three from Muon_pt: only the nearest tier.
        assert_eq!(closest("Muon", ["Muon_pt", "nMuon", "Jet"]), ["nMuon"]);
        assert!(closest("zzzzzzzz", known).is_empty());
    }

    #[test]
    fn containment_and_prefix_when_nothing_is_near() {
        let known = ["muon_id_sf", "muon_iso_sf", "electron_sf"];
        assert_eq!(closest("muon", known), ["muon_id_sf", "muon_iso_sf"]);
        assert_eq!(closest("elec", known), ["electron_sf"]);
        // Two-letter names suggest only what is within two edits.
        assert!(closest("mu", known).is_empty());
    }

    #[test]
    fn swaps_count_once_and_the_name_itself_is_not_suggested() {
        assert_eq!(closest("ETa", ["eta", "phi"]), ["eta"]);
        assert_eq!(closest("pt", ["pt", "pz"]), ["pz"]);
        assert_eq!(closest("mses", ["mass", "pt"]), ["mass"]);
        assert_eq!(closest("x", ["x", "x"]), Vec::<&str>::new());
    }
}
