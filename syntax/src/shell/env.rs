//! Variable lookup for expansion.

use std::collections::{BTreeMap, HashMap};

/// Where the lexer looks variables up. Names are case-sensitive (upstream's Linux behaviour).
///
/// The compiler implements this over stage environment + build args; tests use [`EnvList`] or a
/// map. Closures can be used through [`FnEnv`].
pub trait Env {
    /// The value of `name`, or `None` when it is not set (set-but-empty is `Some("")`).
    fn get(&self, name: &str) -> Option<String>;
}

impl<T: Env + ?Sized> Env for &T {
    fn get(&self, name: &str) -> Option<String> {
        (**self).get(name)
    }
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).cloned()
    }
}

impl<S: std::hash::BuildHasher> Env for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).cloned()
    }
}

/// An environment with nothing set (upstream's `emptyEnvs`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEnv;

impl Env for NoEnv {
    fn get(&self, _name: &str) -> Option<String> {
        None
    }
}

/// Adapts a closure `Fn(&str) -> Option<String>` into an [`Env`].
#[derive(Debug, Clone, Copy)]
pub struct FnEnv<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env for FnEnv<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }
}

/// An environment built from `KEY=VALUE` strings, like upstream's `EnvsFromSlice`: an entry
/// without `=` sets the key to the empty string, and a later entry for the same key wins.
/// Keys keep their first-seen order in [`EnvList::keys`] (duplicates included, as upstream).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvList {
    values: HashMap<String, String>,
    keys: Vec<String>,
}

impl EnvList {
    /// Builds the environment from `KEY=VALUE` entries.
    pub fn from_entries<I, S>(entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut env = EnvList::default();
        for entry in entries {
            let entry = entry.as_ref();
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            env.keys.push(key.to_owned());
            env.values.insert(key.to_owned(), value.to_owned());
        }
        env
    }

    /// The keys in the order they were given.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }
}

impl Env for EnvList {
    fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }
}
