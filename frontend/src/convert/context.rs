//! The build context source (upstream's `dockerui.DefaultMainContext` / `Client.MainContext`)
//! and its `followpaths` (`normalizeContextPaths`).

use std::collections::BTreeSet;

use llb::state::{Constraints, Local, State};

use super::api::ConvertOptions;
use super::naming::internal_name;
use super::paths;

/// The local name of the build context.
pub(crate) const CONTEXT_LOCAL_NAME: &str = "context";

/// Upstream's `normalizeContextPaths`: the used paths relative to the context root,
/// sorted; empty (everything) when `/` is used.
pub(crate) fn normalize_context_paths(used: &BTreeSet<String>) -> Vec<String> {
    if used.contains("/") {
        return Vec::new();
    }
    let mut out: Vec<String> = used.iter().map(|p| paths::join(&[".", p])).collect();
    out.sort();
    out
}

/// The `local://context` source: the client session when there is one (`local.unique`,
/// added when marshalling, otherwise), the `.dockerignore` excludes, and only
/// `follow_paths` transferred when not empty.
pub(crate) fn main_context(opts: &ConvertOptions, follow_paths: &[String]) -> State {
    let mut local = Local::new(CONTEXT_LOCAL_NAME);
    if let Some(session) = &opts.session_id {
        local = local.session_id(session.clone());
    }
    local = local.exclude_patterns(opts.excludes.iter().cloned());
    local
        .shared_key_hint(CONTEXT_LOCAL_NAME)
        .follow_paths(follow_paths.iter().cloned())
        .constraints(Constraints::new().custom_name(internal_name("load build context")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        let set: BTreeSet<String> = ["/b", "/a/x", "/a/x/../y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(normalize_context_paths(&set), vec!["a/x", "a/y", "b"]);
        let all: BTreeSet<String> = ["/", "/a"].iter().map(|s| s.to_string()).collect();
        assert!(normalize_context_paths(&all).is_empty());
    }
}
