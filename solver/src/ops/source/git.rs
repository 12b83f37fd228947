//! `git://<host>/<path>[#<ref>[:<subdir>]]` through the `git` CLI. The
//! remote is `git.fullurl` when given. The key is the commit the ref
//! resolves to (`git ls-remote`), the subdir and `git.keepgitdir`.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use llb::pb;

use crate::error::{Result, SolveError};
use crate::ops::{KeyBuilder, KeyInfo, OpCtx};
use crate::refs::Ref;
use crate::store::SnapshotMeta;

/// A parsed git source.
#[derive(Debug, Clone, PartialEq)]
pub struct GitSource {
    /// The remote to fetch.
    pub remote: String,
    /// Ref (branch, tag, commit); empty = HEAD.
    pub reference: String,
    /// Sub-directory to keep.
    pub subdir: String,
    /// Keep `.git`.
    pub keep_git_dir: bool,
    /// Skip submodules.
    pub skip_submodules: bool,
}

/// Parses identifier and attrs.
pub fn parse(src: &pb::SourceOp) -> GitSource {
    let rest = src
        .identifier
        .strip_prefix("git://")
        .unwrap_or(&src.identifier);
    let (path, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (reference, subdir) = fragment.split_once(':').unwrap_or((fragment, ""));
    let remote = src
        .attrs
        .get("git.fullurl")
        .filter(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("https://{path}"));
    GitSource {
        remote,
        reference: reference.to_string(),
        subdir: subdir.to_string(),
        keep_git_dir: src.attrs.get("git.keepgitdir").is_some_and(|v| v == "true"),
        skip_submodules: src
            .attrs
            .get("git.skipsubmodules")
            .is_some_and(|v| v == "true"),
    }
}

fn git(dir: Option<&Path>, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new("git");
    cmd.env("GIT_TERMINAL_PROMPT", "0").args([
        "-c",
        "protocol.file.allow=always",
        "-c",
        "advice.detachedHead=false",
    ]);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd
        .args(args)
        .output()
        .map_err(SolveError::io("run git (is it installed?)"))?;
    if !out.status.success() {
        return Err(SolveError::Op(format!(
            "git {}: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn is_commit(s: &str) -> bool {
    s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Resolves the ref to a commit.
pub fn resolve_commit(g: &GitSource) -> Result<String> {
    if is_commit(&g.reference) {
        return Ok(g.reference.clone());
    }
    let wanted = if g.reference.is_empty() {
        "HEAD"
    } else {
        &g.reference
    };
    let out = git(None, &["ls-remote", &g.remote, wanted])?;
    let mut fallback = None;
    for line in out.lines() {
        let mut it = line.split_whitespace();
        let (Some(sha), Some(name)) = (it.next(), it.next()) else {
            continue;
        };
        // Peeled annotated tags win.
        if name.ends_with("^{}") {
            return Ok(sha.to_string());
        }
        if name == wanted
            || name == format!("refs/heads/{wanted}")
            || name == format!("refs/tags/{wanted}")
        {
            fallback.get_or_insert_with(|| sha.to_string());
        }
    }
    fallback.ok_or_else(|| {
        SolveError::Op(format!(
            "repository {} does not contain ref {wanted}",
            g.remote
        ))
    })
}

/// Key: the commit.
pub fn cache_key(ctx: &OpCtx, src: &pb::SourceOp) -> Result<KeyInfo> {
    let g = parse(src);
    ctx.status(format!("resolving {}", g.remote));
    let commit = resolve_commit(&g)?;
    Ok(KeyInfo::key(
        KeyBuilder::new("git")
            .add("commit", commit.as_bytes())
            .add("subdir", g.subdir.as_bytes())
            .add("keep", &[g.keep_git_dir as u8])
            .add("skipsub", &[g.skip_submodules as u8])
            .to_owned()
            .finish(),
    ))
}

/// Clones the commit into a snapshot.
pub fn run(ctx: &OpCtx, src: &pb::SourceOp) -> Result<Ref> {
    let g = parse(src);
    let commit = resolve_commit(&g)?;
    let scratch = ctx.store.scratch_dir("git")?;
    let checkout = scratch.join("checkout");
    std::fs::create_dir_all(&checkout).map_err(SolveError::io("create checkout dir"))?;
    git(Some(&checkout), &["init", "-q"])?;
    git(Some(&checkout), &["remote", "add", "origin", &g.remote])?;
    ctx.status(format!("fetching {commit}"));
    if git(
        Some(&checkout),
        &["fetch", "-q", "--depth=1", "origin", &commit],
    )
    .is_err()
    {
        // Servers that refuse fetching by commit: fetch the ref, then check.
        let r = if g.reference.is_empty() {
            "HEAD"
        } else {
            &g.reference
        };
        git(Some(&checkout), &["fetch", "-q", "origin", r])?;
    }
    git(Some(&checkout), &["checkout", "-q", &commit])?;
    if !g.skip_submodules && checkout.join(".gitmodules").exists() {
        git(
            Some(&checkout),
            &["submodule", "update", "--init", "--recursive", "--depth=1"],
        )?;
    }
    if !g.keep_git_dir {
        crate::store::force_remove(&checkout.join(".git"))
            .map_err(SolveError::io("remove .git"))?;
    }
    let from = if g.subdir.is_empty() {
        checkout.clone()
    } else {
        crate::fsutil::safepath::resolve_in_root(&checkout, &g.subdir, true)
            .map_err(|e| SolveError::Op(e.to_string()))?
    };
    let work = ctx.store.new_work_dir()?;
    crate::fsutil::tree::copy_deep(&from, &work.fs, &Default::default())
        .map_err(SolveError::io("copy checkout"))?;
    let snap = ctx.store.commit(
        work,
        SnapshotMeta {
            description: format!("git {}#{commit}", g.remote),
            ..Default::default()
        },
    )?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(Ref::Snapshot(Arc::new(snap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_identifier_and_attrs() {
        let src = pb::SourceOp {
            identifier: "git://github.com/moby/buildkit#v0.1:docs".into(),
            attrs: [("git.keepgitdir".to_string(), "true".to_string())].into(),
        };
        let g = parse(&src);
        assert_eq!(g.remote, "https://github.com/moby/buildkit");
        assert_eq!(g.reference, "v0.1");
        assert_eq!(g.subdir, "docs");
        assert!(g.keep_git_dir);
    }
}
