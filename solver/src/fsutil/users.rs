//! Resolving user and group names through a root filesystem's `/etc/passwd`
//! and `/etc/group`, the way runc / BuildKit resolve `USER` and `--chown`.

use std::path::Path;

use super::safepath::resolve_in_root;

/// A resolution failure; messages follow BuildKit's.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum UserError {
    /// A user name with no passwd entry.
    #[error("unable to find user {0}: no matching entries in passwd file")]
    NoUser(String),
    /// A group name with no group entry.
    #[error("unable to find group {0}: no matching entries in group file")]
    NoGroup(String),
}

/// One `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
}

/// One `/etc/group` line.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Member user names.
    pub members: Vec<String>,
}

/// The user a process runs as.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecUser {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Supplementary groups.
    pub additional_gids: Vec<u32>,
    /// Home directory (for `HOME`), `/` if unknown.
    pub home: String,
}

/// Parses passwd text; malformed lines are skipped.
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f.get(5).map(|s| s.to_string()).unwrap_or_default(),
            })
        })
        .collect()
}

/// Parses group text; malformed lines are skipped.
pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 3 {
                return None;
            }
            Some(GroupEntry {
                name: f[0].to_string(),
                gid: f[2].parse().ok()?,
                members: f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// The passwd and group databases of one root filesystem.
#[derive(Debug, Clone, Default)]
pub struct UserDb {
    /// `/etc/passwd` entries.
    pub passwd: Vec<PasswdEntry>,
    /// `/etc/group` entries.
    pub group: Vec<GroupEntry>,
}

impl UserDb {
    /// Reads `/etc/passwd` and `/etc/group` under `root` (missing files give
    /// empty databases). Paths resolve safely inside the root.
    pub fn load(root: &Path) -> UserDb {
        let read = |p: &str| {
            resolve_in_root(root, p, true)
                .ok()
                .and_then(|p| std::fs::read_to_string(p).ok())
                .unwrap_or_default()
        };
        UserDb {
            passwd: parse_passwd(&read("/etc/passwd")),
            group: parse_group(&read("/etc/group")),
        }
    }

    /// Resolves a user name or numeric id to a uid.
    pub fn uid(&self, user: &str) -> Result<u32, UserError> {
        if let Some(e) = self.passwd.iter().find(|e| e.name == user) {
            return Ok(e.uid);
        }
        user.parse()
            .map_err(|_| UserError::NoUser(user.to_string()))
    }

    /// Resolves a group name or numeric id to a gid.
    pub fn gid(&self, group: &str) -> Result<u32, UserError> {
        if let Some(e) = self.group.iter().find(|e| e.name == group) {
            return Ok(e.gid);
        }
        group
            .parse()
            .map_err(|_| UserError::NoGroup(group.to_string()))
    }

    /// Resolves an exec `user` string (`name`, `uid`, `name:group`,
    /// `uid:gid`, empty for root) like runc's `GetExecUser`.
    pub fn exec_user(&self, spec: &str) -> Result<ExecUser, UserError> {
        let (user_part, group_part) = match spec.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (spec, None),
        };
        let user_part = if user_part.is_empty() { "0" } else { user_part };
        let by_name = self.passwd.iter().find(|e| e.name == user_part);
        let (uid, mut gid, home, matched_name) = match by_name {
            Some(e) => (e.uid, e.gid, e.home.clone(), Some(e.name.clone())),
            None => {
                let uid: u32 = user_part
                    .parse()
                    .map_err(|_| UserError::NoUser(user_part.to_string()))?;
                match self.passwd.iter().find(|e| e.uid == uid) {
                    Some(e) => (uid, e.gid, e.home.clone(), None),
                    None => (uid, 0, "/".to_string(), None),
                }
            }
        };
        let mut additional = Vec::new();
        match group_part {
            Some(g) if !g.is_empty() => {
                gid = self.gid(g)?;
            }
            _ => {
                if let Some(name) = &matched_name {
                    additional = self
                        .group
                        .iter()
                        .filter(|g| g.members.iter().any(|m| m == name))
                        .map(|g| g.gid)
                        .collect();
                }
            }
        }
        Ok(ExecUser {
            uid,
            gid,
            additional_gids: additional,
            home: if home.is_empty() {
                "/".to_string()
            } else {
                home
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> UserDb {
        UserDb {
            passwd: parse_passwd(
                "root:x:0:0:root:/root:/bin/sh\n# c\napp:x:1000:1001::/home/app:/bin/sh\nbad\n",
            ),
            group: parse_group("root:x:0:\nappgrp:x:1001:\nextra:x:2000:app,other\n"),
        }
    }

    #[test]
    fn exec_user_forms() {
        let d = db();
        let u = d.exec_user("").unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (0, 0, "/root"));
        let u = d.exec_user("app").unwrap();
        assert_eq!((u.uid, u.gid), (1000, 1001));
        assert_eq!(u.additional_gids, vec![2000]);
        let u = d.exec_user("app:extra").unwrap();
        assert_eq!((u.uid, u.gid), (1000, 2000));
        assert!(u.additional_gids.is_empty());
        let u = d.exec_user("4242:7").unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (4242, 7, "/"));
        assert_eq!(
            d.exec_user("nobody").unwrap_err(),
            UserError::NoUser("nobody".into())
        );
        assert_eq!(
            d.exec_user("app:nogroup").unwrap_err(),
            UserError::NoGroup("nogroup".into())
        );
    }

    #[test]
    fn ids_by_name_or_number() {
        let d = db();
        assert_eq!(d.uid("app"), Ok(1000));
        assert_eq!(d.uid("55"), Ok(55));
        assert_eq!(d.gid("appgrp"), Ok(1001));
        assert!(d.gid("nope").is_err());
    }
}
