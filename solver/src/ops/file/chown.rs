//! Resolving a `ChownOpt` to ids. Names are looked up in the `/etc/passwd`
//! and `/etc/group` of the tree the option's `input` names; like BuildKit,
//! a name that is not found (or a missing file) gives id 0, a numeric user
//! without a group gives gid = uid.

use std::path::PathBuf;

use llb::pb;
use llb::pb::user_opt::User;

use crate::error::{Result, SolveError};
use crate::fsutil::users::UserDb;

/// The inputs whose databases a file action reads.
pub fn name_inputs(a: &pb::FileAction) -> Vec<i64> {
    use pb::file_action::Action;
    let owner = match &a.action {
        Some(Action::Copy(c)) => c.owner.as_ref(),
        Some(Action::Mkdir(m)) => m.owner.as_ref(),
        Some(Action::Mkfile(m)) => m.owner.as_ref(),
        Some(Action::Symlink(s)) => s.owner.as_ref(),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(o) = owner {
        for u in [&o.user, &o.group].into_iter().flatten() {
            if let Some(User::ByName(n)) = &u.user {
                out.push(n.input);
            }
        }
    }
    out
}

/// Resolves the owner; `tree(i)` gives the directory of index `i`.
pub fn resolve(
    opt: Option<&pb::ChownOpt>,
    tree: &dyn Fn(i64) -> Result<Option<PathBuf>>,
) -> Result<Option<(u32, u32)>> {
    let Some(opt) = opt else {
        return Ok(None);
    };
    if opt.user.is_none() && opt.group.is_none() {
        return Ok(None);
    }
    let db = |input: i64, what: &str| -> Result<UserDb> {
        match tree(input)? {
            Some(dir) => Ok(UserDb::load(&dir)),
            None if input < 0 => Err(SolveError::Op(format!("invalid missing {what} mount"))),
            None => Ok(UserDb::default()),
        }
    };
    let (mut uid, mut gid) = (0u32, 0u32);
    if let Some(u) = opt.user.as_ref().and_then(|u| u.user.as_ref()) {
        match u {
            User::ByName(n) => {
                let d = db(n.input, "user")?;
                if let Some(e) = d.passwd.iter().find(|e| e.name == n.name) {
                    uid = e.uid;
                    gid = e.gid;
                }
            }
            User::ById(id) => {
                uid = *id;
                gid = *id;
            }
        }
    }
    if let Some(g) = opt.group.as_ref().and_then(|g| g.user.as_ref()) {
        match g {
            User::ByName(n) => {
                let d = db(n.input, "group")?;
                if let Some(e) = d.group.iter().find(|e| e.name == n.name) {
                    gid = e.gid;
                }
            }
            User::ById(id) => gid = *id,
        }
    }
    Ok(Some((uid, gid)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_name(name: &str, input: i64) -> pb::UserOpt {
        pb::UserOpt {
            user: Some(User::ByName(pb::NamedUserOpt {
                name: name.into(),
                input,
            })),
        }
    }

    #[test]
    fn names_ids_and_fallbacks() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("etc")).unwrap();
        std::fs::write(d.path().join("etc/passwd"), "app:x:1000:1001::/:/bin/sh\n").unwrap();
        std::fs::write(d.path().join("etc/group"), "staff:x:50:\n").unwrap();
        let dir = d.path().to_path_buf();
        let tree = move |_i: i64| -> Result<Option<PathBuf>> { Ok(Some(dir.clone())) };
        let opt = pb::ChownOpt {
            user: Some(by_name("app", 0)),
            group: None,
        };
        assert_eq!(resolve(Some(&opt), &tree).unwrap(), Some((1000, 1001)));
        let opt = pb::ChownOpt {
            user: Some(by_name("app", 0)),
            group: Some(by_name("staff", 0)),
        };
        assert_eq!(resolve(Some(&opt), &tree).unwrap(), Some((1000, 50)));
        let opt = pb::ChownOpt {
            user: Some(pb::UserOpt {
                user: Some(User::ById(7)),
            }),
            group: None,
        };
        assert_eq!(resolve(Some(&opt), &tree).unwrap(), Some((7, 7)));
        let opt = pb::ChownOpt {
            user: Some(by_name("ghost", 0)),
            group: None,
        };
        assert_eq!(resolve(Some(&opt), &tree).unwrap(), Some((0, 0)));
        assert_eq!(resolve(None, &tree).unwrap(), None);
    }
}
