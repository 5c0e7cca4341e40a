//! "Did you mean" hints: known names close to a misspelt one.

/// The names closest to `name` for a "did you mean" hint: those within an edit distance of 2,
/// nearest first; failing that, those sharing its first three letters (at most five).
pub(super) fn closest<'k>(known: impl IntoIterator<Item = &'k str>, name: &str) -> Vec<&'k str> {
    let name = name.to_lowercase();
    let known: Vec<&str> = known.into_iter().collect();
    let mut near: Vec<(usize, &str)> = known
        .iter()
        .map(|k| (edit_distance(&k.to_lowercase(), &name), *k))
        .filter(|(d, _)| *d <= 2)
        .collect();
    near.sort_by_key(|(d, _)| *d);
    if !near.is_empty() {
        return near.into_iter().map(|(_, k)| k).collect();
    }
    known
        .into_iter()
        .filter(|k| {
            let k = k.to_lowercase();
            k.len() >= 3 && name.len() >= 3 && k.as_bytes()[..3] == name.as_bytes()[..3]
        })
        .take(5)
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
