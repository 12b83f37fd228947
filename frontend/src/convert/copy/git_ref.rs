//! Whether an `ADD`/`COPY` source names a git repository, and which part of it (upstream's
//! `dfgitutil.ParseGitRef` over `gitutil.ParseURL`).
//!
//! A source is a git ref when it is a `http(s)://…` URL whose path ends in `.git`, a
//! `git://` or `ssh://` URL, or an SCP-like remote (`user@host:path`); `github.com/…` is
//! recognised but "indistinguishable from a local path" and copied as one. The fragment is
//! `ref[:subdir]`; query parameters (`ref`, `tag`, `branch`, `subdir`, `checksum`/`commit`,
//! `keep-git-dir`, `submodules`, `mtime`, `fetch-by-commit`) refine it.

use std::collections::BTreeMap;

use llb::state::git_url::{ScpRemote, scp_style, url_scheme};

use super::go_url;
use crate::convert::history::go_quote;
use crate::convert::paths;

/// A git source (upstream's `GitRef`, the fields `ADD` uses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GitRef {
    /// The remote without query and fragment.
    pub remote: String,
    /// Branch, tag or commit; empty for the default branch.
    pub git_ref: String,
    /// The commit the ref must resolve to.
    pub checksum: String,
    /// Subdirectory of the repository.
    pub subdir: String,
    /// `github.com/…`: copied as a local path.
    pub indistinguishable_from_local: bool,
    /// `keep-git-dir=` query.
    pub keep_git_dir: Option<bool>,
    /// `submodules=` query.
    pub submodules: Option<bool>,
    /// `fetch-by-commit` query.
    pub fetch_by_commit: bool,
    /// `mtime=` query (`checkout` or `commit`); empty when not given.
    pub mtime: String,
}

/// What [`parse_git_ref`] made of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GitRefParse {
    /// Not a git remote (a local path or a plain URL).
    NotGit,
    /// A git remote.
    Git(GitRef),
    /// A git remote with invalid query parameters: upstream's message.
    Invalid(String),
}

impl GitRefParse {
    /// Upstream's `isGitSource`: parsed as a git ref without error (`github.com/…`
    /// included).
    pub(crate) fn is_git_source(&self) -> bool {
        matches!(self, GitRefParse::Git(_))
    }
}

/// A remote as `gitutil.ParseURL` returns it.
struct Remote {
    scheme: String,
    path: String,
    remote: String,
    query: BTreeMap<String, Vec<String>>,
    fragment: String,
}

/// Upstream's `ParseGitRef`.
pub(crate) fn parse_git_ref(src: &str) -> GitRefParse {
    if src.starts_with("./") || src.starts_with("../") {
        return GitRefParse::NotGit;
    }
    let mut out = GitRef::default();
    let remote = if src.starts_with("github.com/") {
        out.indistinguishable_from_local = true;
        let Ok(mut u) = go_url::parse(src) else {
            return GitRefParse::NotGit;
        };
        u.scheme = "https".to_string();
        from_url(&u)
    } else {
        let Some(remote) = parse_remote(src) else {
            return GitRefParse::NotGit;
        };
        if matches!(remote.scheme.as_str(), "http" | "https") && !remote.path.ends_with(".git") {
            return GitRefParse::NotGit;
        }
        remote
    };
    out.remote = remote.remote.clone();
    if out.indistinguishable_from_local
        && let Some((_, rest)) = out.remote.split_once("://")
    {
        out.remote = rest.to_string();
    }
    if !remote.fragment.is_empty() {
        let (r, subdir) = remote
            .fragment
            .split_once(':')
            .unwrap_or((&remote.fragment, ""));
        out.git_ref = r.to_string();
        out.subdir = paths::join(&["/", subdir])
            .trim_start_matches('/')
            .to_string();
    }
    match load_query(&mut out, &remote.query) {
        Ok(()) => GitRefParse::Git(out),
        Err(msg) => GitRefParse::Invalid(msg),
    }
}

/// `gitutil.ParseURL`; `None` for every error (unknown or unsupported protocol, malformed).
fn parse_remote(remote: &str) -> Option<Remote> {
    if let Some(proto) = url_scheme(remote) {
        if !matches!(
            proto.to_ascii_lowercase().as_str(),
            "http" | "https" | "ssh" | "git"
        ) {
            return None;
        }
        let u = go_url::parse(remote).ok()?;
        return Some(from_url(&u));
    }
    parse_scp_style(remote)
}

/// `gitutil.FromURL`.
fn from_url(u: &go_url::GoUrl) -> Remote {
    Remote {
        scheme: u.scheme.clone(),
        path: u.path.clone(),
        remote: u.without_query_and_fragment(),
        query: u.query(),
        fragment: u.fragment.clone(),
    }
}

/// `sshutil.ParseSCPStyleURL` + `fromSCPStyleURL`:
/// `^([a-zA-Z0-9-_]+)@([a-zA-Z0-9-.]+):(.*?)(?:\?(.*?))?(?:#(.*))?$`.
fn parse_scp_style(s: &str) -> Option<Remote> {
    let ScpRemote {
        user,
        host,
        path,
        query,
        fragment,
    } = scp_style(s)?;
    let query = if query.is_empty() {
        BTreeMap::new()
    } else {
        let (values, failed) = go_url::parse_query(query);
        if failed {
            return None;
        }
        values
    };
    Some(Remote {
        scheme: "ssh".to_string(),
        path: path.to_string(),
        remote: format!("{}@{host}:{path}", go_url::escape_user(user)),
        query,
        fragment: fragment.to_string(),
    })
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A boolean query flag: present without value = true.
fn flag_value(value: Option<&str>, what: &str) -> std::result::Result<bool, String> {
    match value {
        None => Ok(true),
        Some(v) => parse_bool(v).ok_or_else(|| format!("invalid {what} value: {}", go_quote(v))),
    }
}

/// Upstream's `GitRef.loadQuery` (keys in sorted order; upstream iterates a Go map).
fn load_query(
    gf: &mut GitRef,
    query: &BTreeMap<String, Vec<String>>,
) -> std::result::Result<(), String> {
    let mut tag = String::new();
    let mut branch = String::new();
    for (k, values) in query {
        let value: Option<&str> = match values.as_slice() {
            [] => None,
            [v] if v.is_empty() => None,
            [v] => Some(v.as_str()),
            _ => return Err(format!("query {} has multiple values", go_quote(k))),
        };
        if value.is_none()
            && !matches!(
                k.as_str(),
                "submodules" | "keep-git-dir" | "fetch-by-commit"
            )
        {
            return Err(format!("query {} has no value", go_quote(k)));
        }
        let v = value.unwrap_or("");
        match k.as_str() {
            "ref" => {
                if !gf.git_ref.is_empty() && gf.git_ref != v {
                    return Err(format!(
                        "ref conflicts: {} vs {}",
                        go_quote(&gf.git_ref),
                        go_quote(v)
                    ));
                }
                gf.git_ref = v.to_string();
            }
            "tag" => tag = v.to_string(),
            "branch" => branch = v.to_string(),
            "subdir" => {
                if !gf.subdir.is_empty() && gf.subdir != v {
                    return Err(format!(
                        "subdir conflicts: {} vs {}",
                        go_quote(&gf.subdir),
                        go_quote(v)
                    ));
                }
                gf.subdir = v.to_string();
            }
            "checksum" | "commit" => gf.checksum = v.to_string(),
            "keep-git-dir" => gf.keep_git_dir = Some(flag_value(value, "keep-git-dir")?),
            "submodules" => gf.submodules = Some(flag_value(value, "submodules")?),
            "mtime" => {
                if !matches!(v, "checkout" | "commit") {
                    return Err(format!(
                        "invalid mtime value: {} (must be \"checkout\" or \"commit\")",
                        go_quote(v)
                    ));
                }
                gf.mtime = v.to_string();
            }
            "fetch-by-commit" => {
                gf.fetch_by_commit = flag_value(value, "fetch-by-commit")?;
            }
            _ => return Err(format!("unexpected query {}", go_quote(k))),
        }
    }
    if !tag.is_empty() {
        if !tag.starts_with("refs/tags/") {
            tag = format!("refs/tags/{tag}");
        }
        if !gf.git_ref.is_empty() && gf.git_ref != tag {
            return Err(format!(
                "ref conflicts: {} vs {}",
                go_quote(&gf.git_ref),
                go_quote(&tag)
            ));
        }
        gf.git_ref = tag.clone();
    }
    if !branch.is_empty() {
        if !tag.is_empty() {
            return Err("branch conflicts with tag".to_string());
        }
        if !branch.starts_with("refs/heads/") {
            branch = format!("refs/heads/{branch}");
        }
        if !gf.git_ref.is_empty() && gf.git_ref != branch {
            return Err(format!(
                "ref conflicts: {} vs {}",
                go_quote(&gf.git_ref),
                go_quote(&branch)
            ));
        }
        gf.git_ref = branch;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(src: &str) -> GitRef {
        match parse_git_ref(src) {
            GitRefParse::Git(g) => g,
            other => panic!("{src}: {other:?}"),
        }
    }

    #[test]
    fn recognises_git_sources() {
        let g = git("https://github.com/moby/buildkit.git#v0.10.1:docs/../sub");
        assert_eq!(g.remote, "https://github.com/moby/buildkit.git");
        assert_eq!(g.git_ref, "v0.10.1");
        assert_eq!(g.subdir, "sub");
        let g = git("git@github.com:moby/buildkit.git#main");
        assert_eq!(g.remote, "git@github.com:moby/buildkit.git");
        assert_eq!(g.git_ref, "main");
        let g = git("git://host/repo?branch=dev&keep-git-dir");
        assert_eq!(g.git_ref, "refs/heads/dev");
        assert_eq!(g.keep_git_dir, Some(true));
        assert!(git("github.com/moby/buildkit").indistinguishable_from_local);
        for local in [
            "app.tar.gz",
            "./x.git",
            "https://example.com/file.txt",
            "ftp://host/x.git",
            "/abs/path",
        ] {
            assert_eq!(parse_git_ref(local), GitRefParse::NotGit, "{local}");
        }
    }

    #[test]
    fn reports_query_errors() {
        let cases = [
            ("https://h/r.git?ref=", "query \"ref\" has no value"),
            ("https://h/r.git?x=1", "unexpected query \"x\""),
            (
                "https://h/r.git?ref=a&ref=b",
                "query \"ref\" has multiple values",
            ),
            ("https://h/r.git?ref=b#a", "ref conflicts: \"a\" vs \"b\""),
            (
                "https://h/r.git?tag=v1&branch=main",
                "branch conflicts with tag",
            ),
            (
                "https://h/r.git?keep-git-dir=maybe",
                "invalid keep-git-dir value: \"maybe\"",
            ),
        ];
        for (src, msg) in cases {
            assert_eq!(
                parse_git_ref(src),
                GitRefParse::Invalid(msg.to_string()),
                "{src}"
            );
        }
    }
}
