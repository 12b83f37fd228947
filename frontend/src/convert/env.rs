//! Variable environments for expansion (upstream's `shell.EnvGetter`s): a State's env, the
//! global args, and RUN's secret-masked env.

use llb::state::EnvList;
use syntax::shell::Env;

/// An [`Env`] that can also list its keys, in order (upstream's `EnvGetter.Keys`).
pub(crate) trait KeyedEnv: Env {
    /// The variable names, in order.
    fn keys(&self) -> Vec<String>;
}

/// An [`llb::state::EnvList`] (a State's env, or the global args) as an [`Env`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListEnv<'a>(pub &'a EnvList);

impl Env for ListEnv<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).map(str::to_string)
    }
}

impl KeyedEnv for ListEnv<'_> {
    fn keys(&self) -> Vec<String> {
        self.0.keys().map(str::to_string).collect()
    }
}

/// Nothing set (upstream's `emptyEnvs`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NoKeys;

impl Env for NoKeys {
    fn get(&self, _name: &str) -> Option<String> {
        None
    }
}

impl KeyedEnv for NoKeys {
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
}

/// An env with some variables overridden (upstream's `secretEnv`: secret env mounts shown
/// as `****` in progress names).
#[derive(Debug, Clone)]
pub(crate) struct OverlayEnv<'a> {
    /// The underlying env.
    pub base: &'a dyn KeyedEnv,
    /// The overrides.
    pub overrides: EnvList,
}

impl std::fmt::Debug for dyn KeyedEnv + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.keys()).finish()
    }
}

impl Env for OverlayEnv<'_> {
    fn get(&self, name: &str) -> Option<String> {
        match self.overrides.get(name) {
            Some(v) => Some(v.to_string()),
            None => self.base.get(name),
        }
    }
}

impl KeyedEnv for OverlayEnv<'_> {
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .base
            .keys()
            .into_iter()
            .filter(|k| self.overrides.get(k).is_none())
            .collect();
        keys.extend(self.overrides.keys().map(str::to_string));
        keys
    }
}

/// Splits `KEY=value` (no `=`: empty value), as upstream's `parseKeyValue`.
pub(crate) fn parse_key_value(entry: &str) -> (&str, &str) {
    entry.split_once('=').unwrap_or((entry, ""))
}

/// Upstream's `addEnv`: replaces the entry for `key` in place, or appends one.
pub(crate) fn add_env(env: &mut Vec<String>, key: &str, value: &str) {
    let entry = [key, "=", value].concat();
    match env.iter_mut().find(|e| parse_key_value(e).0 == key) {
        Some(slot) => *slot = entry,
        None => env.push(entry),
    }
}
