//! `COPY` and `ADD`: sources (paths or heredoc bodies) and a destination.

use std::collections::HashMap;

use super::{CommandMeta, InstructionErrorKind, Request};
use crate::parser::{Heredoc, chomp_heredoc_content, parse_heredoc};

/// An inline file from a heredoc (upstream's `SourceContent`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceContent {
    /// File name (the heredoc word).
    pub path: String,
    /// Content (tabs already stripped for `<<-`).
    pub data: String,
    /// Variables in `data` are to be expanded.
    pub expand: bool,
}

/// Sources and destination (upstream's `SourcesAndDest`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourcesAndDest {
    /// Destination path, unexpanded.
    pub dest_path: String,
    /// Source paths, unexpanded.
    pub source_paths: Vec<String>,
    /// Heredoc sources.
    pub source_contents: Vec<SourceContent>,
}

/// `ADD` (upstream's `AddCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// What to add, and where.
    pub sources: SourcesAndDest,
    /// `--chown`, unexpanded.
    pub chown: String,
    /// `--chmod`, unexpanded.
    pub chmod: String,
    /// `--link`.
    pub link: bool,
    /// `--exclude` patterns.
    pub exclude_patterns: Vec<String>,
    /// `--keep-git-dir`, `None` when not given.
    pub keep_git_dir: Option<bool>,
    /// `--checksum`, unexpanded.
    pub checksum: String,
    /// `--unpack`, `None` when not given.
    pub unpack: Option<bool>,
}

/// `COPY` (upstream's `CopyCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// What to copy, and where.
    pub sources: SourcesAndDest,
    /// `--from` (stage name, index or image), unexpanded.
    pub from: String,
    /// `--chown`, unexpanded.
    pub chown: String,
    /// `--chmod`, unexpanded.
    pub chmod: String,
    /// `--link`.
    pub link: bool,
    /// `--exclude` patterns.
    pub exclude_patterns: Vec<String>,
    /// `--parents`.
    pub parents: bool,
}

/// A word that is a heredoc, as upstream's `MustParseHeredoc` (errors count as "no").
fn heredoc_word(word: &str) -> Option<Heredoc> {
    parse_heredoc(word).ok().flatten()
}

/// Upstream's `parseSourcesAndDest`.
fn sources_and_dest(
    req: &Request<'_>,
    name: &'static str,
) -> Result<SourcesAndDest, InstructionErrorKind> {
    let (dest, srcs) = match req.args.split_last() {
        Some((d, s)) => (d.clone(), s),
        None => (String::new(), &[][..]),
    };
    if heredoc_word(&dest).is_some() {
        return Err(InstructionErrorKind::BadHeredoc {
            instruction: name,
            what: "a destination",
        });
    }
    let bodies: HashMap<&str, &Heredoc> = req
        .heredocs()
        .iter()
        .map(|h| (h.name.as_str(), h))
        .collect();
    let mut out = SourcesAndDest {
        dest_path: dest,
        ..SourcesAndDest::default()
    };
    for src in srcs {
        match heredoc_word(src) {
            Some(h) => {
                let content = bodies.get(h.name.as_str()).map_or("", |b| &b.content);
                let data = if h.chomp {
                    chomp_heredoc_content(content)
                } else {
                    content.to_string()
                };
                out.source_contents.push(SourceContent {
                    path: h.name,
                    data,
                    expand: h.expand,
                });
            }
            None => out.source_paths.push(src.clone()),
        }
    }
    Ok(out)
}

pub(crate) fn parse_add(req: &mut Request<'_>) -> Result<AddCommand, InstructionErrorKind> {
    if req.args.len() < 2 {
        return Err(InstructionErrorKind::NoDestination("ADD"));
    }
    let chown = req.flags.add_string("chown", "");
    let chmod = req.flags.add_string("chmod", "");
    let link = req.flags.add_bool("link", false);
    let keep_git_dir = req.flags.add_bool("keep-git-dir", false);
    let checksum = req.flags.add_string("checksum", "");
    let unpack = req.flags.add_bool("unpack", false);
    let exclude = req.flags.add_strings("exclude");
    req.flags.parse()?;
    let sources = sources_and_dest(req, "ADD")?;
    let f = &req.flags;
    Ok(AddCommand {
        meta: req.meta(),
        sources,
        chown: f.string(chown).to_string(),
        chmod: f.string(chmod).to_string(),
        link: f.bool(link),
        exclude_patterns: f.strings(exclude).to_vec(),
        keep_git_dir: f.is_used(keep_git_dir).then(|| f.bool(keep_git_dir)),
        checksum: f.string(checksum).to_string(),
        unpack: f.is_used(unpack).then(|| f.bool(unpack)),
    })
}

pub(crate) fn parse_copy(req: &mut Request<'_>) -> Result<CopyCommand, InstructionErrorKind> {
    if req.args.len() < 2 {
        return Err(InstructionErrorKind::NoDestination("COPY"));
    }
    let chown = req.flags.add_string("chown", "");
    let from = req.flags.add_string("from", "");
    let chmod = req.flags.add_string("chmod", "");
    let link = req.flags.add_bool("link", false);
    let exclude = req.flags.add_strings("exclude");
    let parents = req.flags.add_bool("parents", false);
    req.flags.parse()?;
    let sources = sources_and_dest(req, "COPY")?;
    let f = &req.flags;
    Ok(CopyCommand {
        meta: req.meta(),
        sources,
        from: f.string(from).to_string(),
        chown: f.string(chown).to_string(),
        chmod: f.string(chmod).to_string(),
        link: f.bool(link),
        exclude_patterns: f.strings(exclude).to_vec(),
        parents: f.bool(parents),
    })
}
