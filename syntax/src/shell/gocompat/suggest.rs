//! Upstream's `util/suggest`: "did you mean X?" hints by levenshtein distance.

/// Upstream's `suggest.Search` with case sensitivity: the option with the smallest rune-level
/// edit distance below 3 (first one wins on ties, in `options` order); `None` on an exact match
/// or when nothing is close enough.
pub(crate) fn search(value: &str, options: &[&str]) -> Option<String> {
    let mut best: Option<&str> = None;
    let mut min_dist = 3;
    let value_len = value.chars().count();
    for opt in options {
        if value == *opt {
            return None;
        }
        // The length difference is a lower bound of the distance: such an option cannot win.
        if value_len.abs_diff(opt.chars().count()) >= min_dist {
            continue;
        }
        let dist = levenshtein(value, opt);
        if dist < min_dist {
            best = Some(opt);
            min_dist = dist;
        }
    }
    best.map(str::to_owned)
}

/// Rune-level levenshtein distance with unit costs.
fn levenshtein(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() {
        return distance(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    distance(&a, &b)
}

/// The edit distance of two sequences, one row at a time.
fn distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_closest() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(search("typ", &["type", "from"]), Some("type".into()));
        assert_eq!(
            search("tmp", &["bind", "cache", "tmpfs"]),
            Some("tmpfs".into())
        );
        assert_eq!(search("type", &["type"]), None);
        assert_eq!(search("zzzzzz", &["type"]), None);
        // Runes, not bytes: `é` is one edit.
        assert_eq!(levenshtein("café", "cafe"), 1);
        assert_eq!(levenshtein("日本", "日本語"), 1);
        // An exact match later in the list still means no suggestion; ties keep the first.
        assert_eq!(search("ab", &["abcdefgh", "ab"]), None);
        assert_eq!(search("abc", &["abd", "abe"]), Some("abd".into()));
        // An option too long or short to be close is skipped, a closer later one wins.
        assert_eq!(
            search("MODE", &["PATH", "MODEX", "MOD"]),
            Some("MODEX".into())
        );
    }
}
