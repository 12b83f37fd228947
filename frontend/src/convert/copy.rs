//! `COPY` and `ADD` (upstream's `dispatchCopy`, `convert_copy.go`).
//!
//! Both build one file op whose copy actions read, per source: the build context or the
//! `--from` stage (local paths, wildcards, `--parents`), a git repository (`ADD` only), a
//! downloaded URL (`ADD` only), or a heredoc written by a "preparing inline document" op.
//! `--link` copies onto scratch and stacks the result on the stage with a merge op, when
//! the daemon has cap `mergeop` and no `--chmod` is given.

mod chmod;
pub(crate) mod git_ref;
mod go_url;
mod http;

use llb::marshal::new_id;
use llb::state::{
    ChmodOpt, ChownOpt, Constraints, CopyOptions, FileAction, Git, Http, MkfileOptions, Platform,
    State, caps, merge,
};
use syntax::instructions::{AddCommand, CopyCommand, SourcesAndDest};
use syntax::lint::hooks;
use syntax::parser::Range;

use self::chmod::parse_chmod;
use self::git_ref::{GitRef, GitRefParse, parse_git_ref};
use self::http::{download_filename, is_http_source, validate_digest};
use super::dispatch::{DispatchCx, Settings};
use super::env::ListEnv;
use super::error::{ConvertError, Result};
use super::history::commit_to_history;
use super::naming::{
    COMMAND_DESCRIPTION, internal_name, prefix_command, process_cmd_env, uppercase_cmd,
};
use super::paths::{self, normalize_path, path_relative_to_working_dir};
use super::stage::DispatchState;
use crate::gateway::caps::{CapsError, llb_cap_info};

/// Where a COPY reads from.
#[derive(Debug, Clone)]
pub(crate) enum CopySource {
    /// The build context (`.dockerignore` applies); the State is the context source of
    /// this pass.
    Context(State),
    /// `--from=<stage|image|index>`: the source stage's (or image's) final State.
    Stage(State),
}

impl CopySource {
    fn state(&self) -> &State {
        match self {
            CopySource::Context(s) | CopySource::Stage(s) => s,
        }
    }
}

/// Everything `COPY` and `ADD` have in common (upstream's `copyConfig`).
struct CopyConfig<'a> {
    params: &'a SourcesAndDest,
    exclude_patterns: &'a [String],
    source: &'a State,
    is_add: bool,
    /// The instruction's source text (progress names).
    code: &'a str,
    chown: &'a str,
    chmod: &'a str,
    link: bool,
    keep_git_dir: Option<bool>,
    checksum: &'a str,
    parents: bool,
    unpack: Option<bool>,
    location: Vec<Range>,
    /// The instruction's `# check=` comments (lint scope).
    comments: &'a [String],
    /// Whether local sources are checked against `.dockerignore` (CopyIgnoredFile): ADD, and
    /// COPY without `--from`, as upstream passes its ignore matcher only to those.
    check_ignored: bool,
}

/// `COPY` (already expanded: `--chown`, `--chmod`, sources, destination, heredoc bodies
/// with `expand`). Builds the file op (or the `--link` merge), updates `d.state` and
/// `d.image` (history). The caller registers the context / source-stage paths afterwards.
pub(crate) fn dispatch_copy(
    d: &mut DispatchState,
    c: &CopyCommand,
    source: CopySource,
    cx: &mut DispatchCx<'_>,
) -> Result<()> {
    let check_ignored = matches!(source, CopySource::Context(_));
    let cfg = CopyConfig {
        params: &c.sources,
        exclude_patterns: &c.exclude_patterns,
        source: source.state(),
        is_add: false,
        code: &c.meta.code,
        chown: &c.chown,
        chmod: &c.chmod,
        link: c.link,
        keep_git_dir: None,
        checksum: "",
        parents: c.parents,
        unpack: None,
        location: c.meta.location(),
        comments: &c.meta.comments,
        check_ignored,
    };
    dispatch(d, cfg, cx)
}

/// `ADD` (already expanded: `--chown`, `--chmod`, `--checksum`, sources, destination,
/// heredoc bodies). Reads local sources from `cx.build_context`. The caller registers the
/// context paths afterwards.
pub(crate) fn dispatch_add(
    d: &mut DispatchState,
    c: &AddCommand,
    cx: &mut DispatchCx<'_>,
) -> Result<()> {
    let context = cx.build_context.clone();
    let cfg = CopyConfig {
        params: &c.sources,
        exclude_patterns: &c.exclude_patterns,
        source: &context,
        is_add: true,
        code: &c.meta.code,
        chown: &c.chown,
        chmod: &c.chmod,
        link: c.link,
        keep_git_dir: c.keep_git_dir,
        checksum: &c.checksum,
        parents: false,
        unpack: c.unpack,
        location: c.meta.location(),
        comments: &c.meta.comments,
        check_ignored: true,
    };
    dispatch(d, cfg, cx)
}

/// The options every copy action of the instruction shares (upstream's `copyOpt`, applied
/// after each action's own `CopyInfo`).
struct SharedCopyOptions {
    mode: Option<ChmodOpt>,
    chown: Option<ChownOpt>,
    exclude_patterns: Vec<String>,
}

impl SharedCopyOptions {
    fn apply(&self, mut opts: CopyOptions) -> CopyOptions {
        opts.mode = self.mode.clone();
        if self.chown.is_some() {
            opts.chown = self.chown.clone();
        }
        if !self.exclude_patterns.is_empty() {
            opts.exclude_patterns = self.exclude_patterns.clone();
        }
        opts
    }
}

/// Upstream's `dispatchCopy`.
fn dispatch(d: &mut DispatchState, cfg: CopyConfig<'_>, cx: &mut DispatchCx<'_>) -> Result<()> {
    let settings = cx.settings;
    let os = d.os().to_string();
    let dest = path_relative_to_working_dir(&d.state, &cfg.params.dest_path, &os)?;

    let mode = if cfg.chmod.is_empty() {
        None
    } else {
        Some(parse_chmod(cfg.chmod)?)
    };
    let shared = SharedCopyOptions {
        mode,
        chown: (!cfg.chown.is_empty()).then(|| ChownOpt::parse(cfg.chown)),
        exclude_patterns: cfg.exclude_patterns.to_vec(),
    };

    let mut checksum = cfg.checksum.to_string();
    if !checksum.is_empty() {
        if !cfg.is_add {
            return Err(ConvertError::msg("checksum can't be specified for COPY"));
        }
        if cfg.params.source_paths.len() != 1 {
            return Err(ConvertError::msg(
                "checksum can't be specified for multiple sources",
            ));
        }
        let src = &cfg.params.source_paths[0];
        if !is_http_source(src) && !parse_git_ref(src).is_git_source() {
            return Err(ConvertError::msg(
                "checksum requires HTTP(S) or Git sources",
            ));
        }
    }

    let mut commit_message = String::from(if cfg.is_add { "ADD" } else { "COPY" });
    if cfg.parents {
        commit_message.push_str(" --parents");
    }
    if !cfg.chown.is_empty() {
        commit_message.push_str(" --chown=");
        commit_message.push_str(cfg.chown);
    }
    if !cfg.chmod.is_empty() {
        commit_message.push_str(" --chmod=");
        commit_message.push_str(cfg.chmod);
    }

    let platform = d
        .platform
        .clone()
        .unwrap_or_else(|| settings.target_platform.clone());
    let state = d.state.clone();
    let env = ListEnv(state.env());
    let name = if settings.progress_names {
        uppercase_cmd(&process_cmd_env(&settings.shlex, cfg.code, &env))
    } else {
        String::new()
    };
    let prefix_platform = d.prefix_platform;
    let pg_name = prefix_command(d, &name, prefix_platform, Some(&platform), &env);

    let mut actions: Option<FileAction> = None;
    let mut push = |a: FileAction| {
        actions = Some(match actions.take() {
            Some(prev) => prev.then(a),
            None => a,
        });
    };
    let mut keep_git_dir = cfg.keep_git_dir;

    for src in &cfg.params.source_paths {
        commit_message.push(' ');
        commit_message.push_str(src);
        let git = parse_git_ref(src);
        if let GitRefParse::Invalid(msg) = &git {
            return Err(ConvertError::msg(msg.clone()));
        }
        if let GitRefParse::Git(git) = &git
            && !git.indistinguishable_from_local
        {
            if !cfg.is_add {
                return Err(ConvertError::msg("source can't be a git ref for COPY"));
            }
            let st = git_source(git, &pg_name, &mut keep_git_dir, &mut checksum)?;
            let opts = shared.apply(CopyOptions {
                create_dest_path: true,
                ..CopyOptions::default()
            });
            push(FileAction::copy(&st, "/", dest.clone(), opts));
        } else if is_http_source(src) {
            if !cfg.is_add {
                return Err(ConvertError::msg("source can't be a URL for COPY"));
            }
            let filename = download_filename(src);
            let mut http = Http::new(src.clone()).filename(filename.clone());
            if !checksum.is_empty() {
                validate_digest(&checksum)?;
                http = http.checksum(checksum.clone());
            }
            let st = http
                .constraints(
                    Constraints::new()
                        .custom_name(pg_name.clone())
                        .description(COMMAND_DESCRIPTION, ""),
                )
                .build();
            let opts = shared.apply(CopyOptions {
                create_dest_path: true,
                attempt_unpack: cfg.unpack.unwrap_or(false),
                ..CopyOptions::default()
            });
            push(FileAction::copy(&st, filename, dest.clone(), opts));
        } else {
            if cfg.check_ignored {
                let ignore = cx.ignore;
                let mut scope = cx.lint(cfg.comments);
                hooks::copy_source(&mut scope, cfg.is_add, src, ignore, &cfg.location);
            }
            let (src_path, include_patterns, required_paths) =
                local_source(src, cfg.parents, &os).map_err(|e| e.wrap("removing drive letter"))?;
            let opts = shared.apply(CopyOptions {
                follow_symlinks: true,
                copy_dir_contents_only: true,
                include_patterns,
                required_paths,
                attempt_unpack: cfg.unpack.unwrap_or(cfg.is_add),
                create_dest_path: true,
                allow_wildcard: true,
                allow_empty_wildcard: true,
                ..CopyOptions::default()
            });
            push(FileAction::copy(cfg.source, src_path, dest.clone(), opts));
        }
    }

    for content in &cfg.params.source_contents {
        commit_message.push_str(&format!(" <<{}", content.path));
        let file = paths::strip_drive_letter(&content.path, &os, false)?;
        let st = State::scratch().file(
            FileAction::mkfile(
                file.clone(),
                0o644,
                content.data.clone().into_bytes(),
                MkfileOptions::default(),
            ),
            Constraints::new()
                .custom_name(internal_name("preparing inline document"))
                .platform(platform.clone()),
        );
        let opts = shared.apply(CopyOptions {
            create_dest_path: true,
            ..CopyOptions::default()
        });
        push(FileAction::copy(&st, file, dest.clone(), opts));
    }

    commit_message.push(' ');
    commit_message.push_str(&cfg.params.dest_path);

    let Some(actions) = actions else {
        return Err(ConvertError::msg(format!(
            "{} requires at least one source",
            if cfg.is_add { "ADD" } else { "COPY" }
        )));
    };

    check_file_caps(&actions, settings)?;

    if cfg.link && cfg.chmod.is_empty() && settings.supports(caps::MERGE_OP) {
        link_copy(d, actions, &name, &platform, &env, &cfg.location, cx);
    } else {
        let mut constraints =
            settings.with_location(Constraints::new().custom_name(pg_name), &cfg.location);
        if d.ignore_cache {
            constraints = constraints.ignore_cache();
        }
        d.state = d.state.file(actions, constraints);
    }

    commit_to_history(&mut d.image, commit_message, true, true, d.epoch);
    Ok(())
}

/// Fails clearly when the daemon lacks a cap the copy actions need (`file.copy.modestring`
/// for a symbolic `--chmod`, `file.copy.includeexcludepatterns` for `--exclude`/`--parents`,
/// `file.copy.requiredpaths` for `--parents`). Upstream records none of them, so an old
/// daemon would silently ignore the options; with unknown caps (offline) nothing is checked.
fn check_file_caps(actions: &FileAction, settings: &Settings) -> Result<()> {
    for id in actions.required_caps() {
        if settings.supports(id) {
            continue;
        }
        let info = llb_cap_info(id);
        let err = CapsError::Missing {
            id: id.to_string(),
            feature: info.map_or_else(|| id.to_string(), |i| i.feature.to_string()),
            since: info.map_or_else(|| "unknown".to_string(), |i| i.since.to_string()),
            server: String::new(),
            product: "buildkit".to_string(),
        };
        return Err(ConvertError::msg(err.to_string()));
    }
    Ok(())
}

/// `--link`: the copy onto scratch (a weak member of a progress group) merged onto the
/// stage (`LINK …`), both named with the same step number.
fn link_copy(
    d: &mut DispatchState,
    actions: FileAction,
    name: &str,
    platform: &Platform,
    env: &ListEnv<'_>,
    location: &[Range],
    cx: &DispatchCx<'_>,
) {
    let settings = cx.settings;
    let prefix_platform = d.prefix_platform;
    let with_common = |c: Constraints, ignore_cache: bool| {
        let c = settings.with_location(c, location);
        if ignore_cache { c.ignore_cache() } else { c }
    };
    let pg_id = new_id();
    // The step was counted when the name was made; name it again with the same number.
    d.cmd_index = d.cmd_index.saturating_sub(1);
    let pg_name = prefix_command(d, name, prefix_platform, Some(platform), env);

    let copy_constraints = with_common(
        Constraints::new()
            .platform(platform.clone())
            .custom_name(pg_name.clone()),
        d.ignore_cache,
    )
    .progress_group(pg_id.clone(), pg_name.clone(), true);

    d.cmd_index = d.cmd_index.saturating_sub(1);
    let link_name = prefix_command(
        d,
        &format!("LINK {name}"),
        prefix_platform,
        Some(platform),
        env,
    );
    let merge_constraints = with_common(Constraints::new(), d.ignore_cache)
        .progress_group(pg_id, pg_name, false)
        .custom_name(link_name);

    let copied = State::scratch().file(actions, copy_constraints);
    let merged = merge(&[d.state.clone(), copied], merge_constraints);
    d.state = d.state.with_output(merged.output().cloned());
}

/// The git repository of an `ADD <git ref>`, with `--keep-git-dir` / `--checksum` reconciled
/// with the URL's own settings.
fn git_source(
    git: &GitRef,
    pg_name: &str,
    keep_git_dir: &mut Option<bool>,
    checksum: &mut String,
) -> Result<State> {
    let mut g = Git::new(git.remote.clone()).git_ref(git.git_ref.clone());
    if let (Some(flag), Some(url)) = (*keep_git_dir, git.keep_git_dir)
        && flag != url
    {
        return Err(ConvertError::msg("inconsistent keep-git-dir configuration"));
    }
    if git.keep_git_dir.is_some() {
        *keep_git_dir = git.keep_git_dir;
    }
    if *keep_git_dir == Some(true) {
        g = g.keep_git_dir();
    }
    if !checksum.is_empty() && !git.checksum.is_empty() && *checksum != git.checksum {
        return Err(ConvertError::msg(format!(
            "checksum mismatch {} != {}",
            super::history::go_quote(checksum),
            super::history::go_quote(&git.checksum)
        )));
    }
    if !git.checksum.is_empty() {
        *checksum = git.checksum.clone();
    }
    if !checksum.is_empty() {
        g = g.checksum(checksum.clone());
    }
    if !git.subdir.is_empty() {
        g = g.subdir(git.subdir.clone());
    }
    if git.submodules == Some(false) {
        g = g.skip_submodules();
    }
    if git.fetch_by_commit {
        g = g.fetch_by_commit();
    }
    Ok(
        g.constraints(Constraints::new().custom_name(pg_name.to_string()))
            .build(),
    )
}

/// A context or stage source: the path to copy, and with `--parents` the include pattern
/// below the pivot (`a/./b` copies `b` keeping its path from `a`) and, without wildcards,
/// the path that must exist.
/// Paths follow the rules of the stage's OS `os`; a refused Windows path fails.
fn local_source(src: &str, parents: bool, os: &str) -> Result<(String, Vec<String>, Vec<String>)> {
    let mut src = src.to_string();
    let mut patterns = Vec::new();
    let mut required = Vec::new();
    if parents {
        let pattern = match src.split_once("/./") {
            Some((parent, pattern)) => {
                let pattern = pattern.to_string();
                src = parent.to_string();
                pattern
            }
            None => std::mem::replace(&mut src, "/".to_string()),
        };
        let pattern = normalize_path("/", &pattern, os, false)?;
        if !contains_wildcards(&src) && !contains_wildcards(&pattern) {
            required.push(paths::join(&[&src, &pattern]));
        }
        patterns.push(pattern.strip_prefix('/').unwrap_or(&pattern).to_string());
    }
    let src = normalize_path("/", &src, os, false)?;
    let required = required
        .iter()
        .map(|p| normalize_path("/", p, os, false))
        .collect::<Result<_>>()?;
    Ok((src, patterns, required))
}

/// Upstream's `containsWildcards`: `*`, `?` or `[` not escaped by `\`.
fn contains_wildcards(name: &str) -> bool {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'*' | b'?' | b'[' => return true,
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources_with_parents() {
        assert_eq!(
            local_source("./x/**/*.txt", true, "linux").ok(),
            Some(("/".to_string(), vec!["x/**/*.txt".to_string()], vec![]))
        );
        assert_eq!(
            local_source("a/./b/c", true, "linux").ok(),
            Some((
                "/a".to_string(),
                vec!["b/c".to_string()],
                vec!["/a/b/c".to_string()]
            ))
        );
        assert_eq!(
            local_source("dir?/", false, "linux").ok(),
            Some(("/dir?".to_string(), vec![], vec![]))
        );
    }

    #[test]
    fn missing_file_caps_fail_clearly() {
        use crate::convert::{ConvertOptions, OfflineResolver, convert};
        let without = |cap: &str| ConvertOptions {
            llb_caps: Some(
                caps::ALL
                    .iter()
                    .filter(|c| **c != cap)
                    .map(|c| c.to_string())
                    .collect(),
            ),
            ..ConvertOptions::default()
        };
        let df = b"FROM scratch\nCOPY --chmod=u+x a /a\n";
        let err = convert(
            df,
            &without(caps::FILE_COPY_MODE_STRING_FORMAT),
            &OfflineResolver,
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "requested feature file.copy.modestring (COPY/ADD --chmod with a symbolic mode) \
                 is not supported by build server (added in BuildKit v0.17), please update buildkit"
            )
        );
        assert!(convert(df, &without(caps::MERGE_OP), &OfflineResolver).is_ok());
        let link = b"FROM scratch\nCOPY --link a /a\n";
        let def = convert(link, &without(caps::MERGE_OP), &OfflineResolver)
            .map(|r| r.definition)
            .ok();
        assert!(def.is_some_and(|d| d.metadata.values().all(|m| !m.caps.contains_key("mergeop"))));
    }

    #[test]
    fn wildcards() {
        assert!(contains_wildcards("a*"));
        assert!(contains_wildcards("[ab]"));
        assert!(!contains_wildcards("a\\*b"));
        assert!(!contains_wildcards("plain"));
    }
}
