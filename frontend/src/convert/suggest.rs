//! "did you mean …?" suggestions (upstream's `util/suggest`).

/// Upstream's `suggest.Search`: the option closest to `val` (edit distance below 3), `None`
/// on an exact match or when nothing is close.
pub(crate) fn search(val: &str, options: &[String], case_sensitive: bool) -> Option<String> {
    let v = if case_sensitive {
        val.to_string()
    } else {
        val.to_lowercase()
    };
    let mut best: Option<String> = None;
    let mut min = 3;
    for opt in options {
        let o = if case_sensitive {
            opt.clone()
        } else {
            opt.to_lowercase()
        };
        if o == v {
            return None;
        }
        let dist = levenshtein(&v, &o);
        if dist < min {
            best = Some(if case_sensitive {
                o
            } else {
                match_case(&o, val)
            });
            min = dist;
        }
    }
    best
}

/// `message` with ` (did you mean X?)` when an option is close to `val`.
pub(crate) fn wrap(message: String, val: &str, options: &[String], case_sensitive: bool) -> String {
    match search(val, options, case_sensitive) {
        Some(m) => format!("{message} (did you mean {m}?)"),
        None => message,
    }
}

fn match_case(val: &str, orig: &str) -> String {
    if orig == orig.to_lowercase() {
        val.to_lowercase()
    } else if orig == orig.to_uppercase() {
        val.to_uppercase()
    } else {
        val.to_string()
    }
}

/// Levenshtein distance over characters (unit costs, as `agext/levenshtein` defaults).
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests() {
        let opts = vec!["build".to_string(), "test".to_string()];
        assert_eq!(search("biuld", &opts, true), Some("build".into()));
        assert_eq!(search("build", &opts, true), None);
        assert_eq!(search("zzzzz", &opts, true), None);
    }
}
