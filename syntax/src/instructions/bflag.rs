//! Builder flags (`--from=x`, `--link`), as upstream's `BFlags`: an instruction declares the
//! flags it knows, then the written flags are checked against them.

use super::error::FlagError;
use super::suggest::search_case_sensitive;
use crate::parser::gostr::to_lower;

/// How a flag takes values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    Bool,
    String,
    Strings,
}

#[derive(Debug, Clone)]
struct Flag {
    name: &'static str,
    kind: FlagKind,
    value: String,
    values: Vec<String>,
    used: bool,
}

/// Handle of a declared flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagId(usize);

/// The flags written on one instruction and the flags it declares.
#[derive(Debug, Clone)]
pub struct BFlags<'a> {
    args: &'a [String],
    flags: Vec<Flag>,
    used_order: Vec<&'static str>,
}

impl<'a> BFlags<'a> {
    /// Flags as written (`--from=x`), none declared yet.
    pub fn new(args: &'a [String]) -> Self {
        BFlags {
            args,
            flags: Vec::new(),
            used_order: Vec::new(),
        }
    }

    fn add(&mut self, name: &'static str, kind: FlagKind, value: &str) -> FlagId {
        self.flags.push(Flag {
            name,
            kind,
            value: value.to_string(),
            values: Vec::new(),
            used: false,
        });
        FlagId(self.flags.len() - 1)
    }

    /// Declare a boolean flag.
    pub fn add_bool(&mut self, name: &'static str, default: bool) -> FlagId {
        self.add(name, FlagKind::Bool, if default { "true" } else { "false" })
    }

    /// Declare a single-valued flag.
    pub fn add_string(&mut self, name: &'static str, default: &str) -> FlagId {
        self.add(name, FlagKind::String, default)
    }

    /// Declare a repeatable flag.
    pub fn add_strings(&mut self, name: &'static str) -> FlagId {
        self.add(name, FlagKind::Strings, "")
    }

    /// Check the written flags against the declared ones (upstream's `BFlags.Parse`).
    pub fn parse(&mut self) -> Result<(), FlagError> {
        for a in self.args {
            if a == "--" {
                return Ok(());
            }
            if !a.starts_with("--") {
                return Err(FlagError::NotAFlag(a.clone()));
            }
            let (flag_name, value, has_value) = match a.split_once('=') {
                Some((n, v)) => (n, v, true),
                None => (a.as_str(), "", false),
            };
            let name = &flag_name[2..];
            let Some(idx) = self.flags.iter().position(|f| f.name == name) else {
                let options: Vec<&str> = self.flags.iter().map(|f| f.name).collect();
                return Err(FlagError::Unknown {
                    flag: flag_name.to_string(),
                    suggestion: search_case_sensitive(name, &options),
                });
            };
            let flag = &mut self.flags[idx];
            if flag.used && flag.kind != FlagKind::Strings {
                return Err(FlagError::Duplicate(flag_name.to_string()));
            }
            if !flag.used {
                self.used_order.push(flag.name);
            }
            flag.used = true;
            match flag.kind {
                FlagKind::Bool => {
                    if has_value && value.is_empty() {
                        return Err(FlagError::MissingValue(flag_name.to_string()));
                    }
                    match &*to_lower(value) {
                        "true" | "" => flag.value = "true".into(),
                        "false" => flag.value = "false".into(),
                        _ => {
                            return Err(FlagError::NotBool {
                                flag: flag_name.to_string(),
                                value: value.to_string(),
                            });
                        }
                    }
                }
                FlagKind::String => {
                    if !has_value {
                        return Err(FlagError::MissingValue(flag_name.to_string()));
                    }
                    flag.value = value.to_string();
                }
                FlagKind::Strings => {
                    if !has_value {
                        return Err(FlagError::MissingValue(flag_name.to_string()));
                    }
                    flag.values.push(value.to_string());
                }
            }
        }
        Ok(())
    }

    /// The value of a single-valued flag (its default when not given).
    pub fn string(&self, id: FlagId) -> &str {
        &self.flags[id.0].value
    }

    /// The value of a boolean flag.
    pub fn bool(&self, id: FlagId) -> bool {
        self.flags[id.0].value == "true"
    }

    /// The values of a repeatable flag, in order.
    pub fn strings(&self, id: FlagId) -> &[String] {
        &self.flags[id.0].values
    }

    /// Was the flag written?
    pub fn is_used(&self, id: FlagId) -> bool {
        self.flags[id.0].used
    }

    /// Names of the flags written, in first-use order.
    pub fn used(&self) -> Vec<String> {
        self.used_order.iter().map(|s| s.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_and_defaults() {
        let args = owned(&[
            "--str1=BVAL1",
            "--bool1",
            "--strs=a",
            "--strs=b",
            "--bool2=FALSE",
        ]);
        let mut bf = BFlags::new(&args);
        let s1 = bf.add_string("str1", "def");
        let s2 = bf.add_string("str2", "def2");
        let b1 = bf.add_bool("bool1", false);
        let b2 = bf.add_bool("bool2", true);
        let ss = bf.add_strings("strs");
        bf.parse().unwrap();
        assert_eq!(bf.string(s1), "BVAL1");
        assert_eq!(bf.string(s2), "def2");
        assert!(bf.bool(b1));
        assert!(!bf.bool(b2));
        assert_eq!(bf.strings(ss), ["a", "b"]);
        assert!(!bf.is_used(s2));
        assert_eq!(bf.used(), vec!["str1", "bool1", "strs", "bool2"]);
    }

    #[test]
    fn errors_are_upstreams() {
        let cases: &[(&[&str], &str)] = &[
            (&["--mont=x"], "unknown flag: --mont (did you mean mount?)"),
            (&["--zzz"], "unknown flag: --zzz"),
            (&["-x"], "arg should start with -- : -x"),
            (
                &["--link=maybe"],
                "expecting boolean value for flag --link, not: maybe",
            ),
            (&["--link="], "missing a value on flag: --link"),
            (&["--from"], "missing a value on flag: --from"),
            (&["--mount"], "missing a value on flag: --mount"),
            (
                &["--from=a", "--from=b"],
                "duplicate flag specified: --from",
            ),
        ];
        for (args, want) in cases {
            let args = owned(args);
            let mut bf = BFlags::new(&args);
            bf.add_bool("link", false);
            bf.add_string("from", "");
            bf.add_strings("mount");
            assert_eq!(bf.parse().unwrap_err().to_string(), *want, "{args:?}");
        }
        let args = owned(&["--", "--anything"]);
        let mut bf = BFlags::new(&args);
        bf.parse().unwrap();
    }
}
