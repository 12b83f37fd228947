//! Upstream's `util/suggest`: "did you mean X?" for unknown instructions and flags.

use crate::parser::gostr::{to_lower, to_upper};
use crate::shell::gocompat::suggest::search;

/// Case-sensitive search: the option closest to `value` (edit distance below 3), first
/// one on ties in `options` order; `None` on an exact match.
pub(crate) fn search_case_sensitive(value: &str, options: &[&str]) -> Option<String> {
    search(value, options)
}

/// Case-insensitive search; the suggestion follows the casing of `value` (all lower, all
/// upper, else lower).
pub(crate) fn search_case_insensitive(value: &str, options: &[&str]) -> Option<String> {
    let lower_value = to_lower(value);
    let lower_options: Vec<String> = options.iter().map(|o| to_lower(o).into_owned()).collect();
    let refs: Vec<&str> = lower_options.iter().map(String::as_str).collect();
    let found = search(&lower_value, &refs)?;
    Some(if value == lower_value {
        found
    } else if value == to_upper(value) {
        to_upper(&found)
    } else {
        found
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_suggestions() {
        let opts = ["RUN", "FROM", "COPY"];
        assert_eq!(
            search_case_insensitive("RUNN", &opts).as_deref(),
            Some("RUN")
        );
        assert_eq!(
            search_case_insensitive("runn", &opts).as_deref(),
            Some("run")
        );
        assert_eq!(
            search_case_insensitive("Runn", &opts).as_deref(),
            Some("run")
        );
        assert_eq!(search_case_insensitive("run", &opts), None);
        assert_eq!(search_case_insensitive("XYZXYZ", &opts), None);
    }
}
