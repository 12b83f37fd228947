//! Variable expansion of a command's words before it is dispatched (upstream's
//! `SupportsSingleWordExpansion.Expand` and `SupportsSingleWordExpansionRaw.ExpandRaw`,
//! called by `dispatch` with the stage's current env).
//!
//! ARG is not expanded here (its value is expanded by its dispatch); RUN's expansion parses
//! its `--mount` values with the expander.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeSet;

use llb::state::State;
use syntax::instructions::{Command, KeyValuePair, SourcesAndDest};
use syntax::mount::{Mount, parse_mount};
use syntax::shell::{Env, Lexer, ShellError};

use super::env::ListEnv;
use super::error::Result;

/// The command with its words expanded in `state`'s env (borrowed as it is when none of its
/// words expand: RUN, CMD, …), and for RUN its mounts, parsed (borrowed from the command when
/// the parser could parse them: nothing in them expands).
/// `report` gets the variables each expansion looked up but found unset (for UndefinedVar),
/// also when the expansion fails.
pub(crate) fn expand_command<'c>(
    cmd: &'c Command,
    state: &State,
    shlex: &Lexer,
    report: &mut dyn FnMut(&BTreeSet<String>),
) -> Result<(Cow<'c, Command>, Cow<'c, [Mount]>)> {
    let env = ListEnv(state.env());
    let report = RefCell::new(report);
    let word = |w: &str| -> Result<String, ShellError> {
        match shlex.process_word_unmatched(w, &env) {
            Ok(r) => {
                if !r.unmatched.is_empty() {
                    (report.borrow_mut())(&r.unmatched);
                }
                Ok(r.result)
            }
            Err(e) => {
                if !e.unmatched.is_empty() {
                    (report.borrow_mut())(&e.unmatched);
                }
                Err(e)
            }
        }
    };
    let mut mounts = Vec::new();
    let out = match cmd {
        Command::Env(c) => {
            let mut c = c.clone();
            expand_kvps(&mut c.env, &word)?;
            Cow::Owned(Command::Env(c))
        }
        Command::Label(c) => {
            let mut c = c.clone();
            expand_kvps(&mut c.labels, &word)?;
            Cow::Owned(Command::Label(c))
        }
        Command::Add(c) => {
            let mut c = c.clone();
            c.chown = word(&c.chown)?;
            c.chmod = word(&c.chmod)?;
            c.checksum = word(&c.checksum)?;
            expand_sources(&mut c.sources, &word)?;
            expand_raw(&mut c.sources, &env, &report)?;
            Cow::Owned(Command::Add(c))
        }
        Command::Copy(c) => {
            let mut c = c.clone();
            c.chown = word(&c.chown)?;
            c.chmod = word(&c.chmod)?;
            expand_sources(&mut c.sources, &word)?;
            expand_raw(&mut c.sources, &env, &report)?;
            Cow::Owned(Command::Copy(c))
        }
        Command::Workdir(c) => {
            let mut c = c.clone();
            c.path = word(&c.path)?;
            Cow::Owned(Command::Workdir(c))
        }
        Command::Run(c) => {
            if let Some(parsed) = &c.literal_mounts {
                return Ok((Cow::Borrowed(cmd), Cow::Borrowed(parsed)));
            }
            let mut expander = |w: &str| word(w);
            for m in &c.mounts {
                mounts.push(parse_mount(m, Some(&mut expander))?);
            }
            return Ok((Cow::Borrowed(cmd), Cow::Owned(mounts)));
        }
        Command::User(c) => {
            let mut c = c.clone();
            c.user = word(&c.user)?;
            Cow::Owned(Command::User(c))
        }
        Command::Volume(c) => {
            let mut c = c.clone();
            for v in &mut c.volumes {
                *v = word(v)?;
            }
            Cow::Owned(Command::Volume(c))
        }
        Command::StopSignal(c) => {
            let mut c = c.clone();
            c.signal = word(&c.signal)?;
            Cow::Owned(Command::StopSignal(c))
        }
        _ => Cow::Borrowed(cmd),
    };
    Ok((out, Cow::Owned(mounts)))
}

fn expand_kvps(
    kvps: &mut [KeyValuePair],
    word: &dyn Fn(&str) -> Result<String, ShellError>,
) -> Result<()> {
    for kv in kvps {
        kv.key = word(&kv.key)?;
        kv.value = word(&kv.value)?;
    }
    Ok(())
}

fn expand_sources(
    s: &mut SourcesAndDest,
    word: &dyn Fn(&str) -> Result<String, ShellError>,
) -> Result<()> {
    for p in &mut s.source_paths {
        *p = word(p)?;
    }
    s.dest_path = word(&s.dest_path)?;
    Ok(())
}

/// Receives the unset variables an expansion looked up.
type Reporter<'a> = dyn FnMut(&BTreeSet<String>) + 'a;

/// `ExpandRaw`: heredoc bodies marked for expansion, expanded with quotes kept.
fn expand_raw(
    s: &mut SourcesAndDest,
    env: &dyn Env,
    report: &RefCell<&mut Reporter<'_>>,
) -> Result<()> {
    if s.source_contents.iter().all(|c| !c.expand) {
        return Ok(());
    }
    let lexer = Lexer::new('\\').with_skip_process_quotes(true);
    for content in &mut s.source_contents {
        if content.expand {
            let r = lexer
                .process_word_unmatched(&content.data, env)
                .inspect_err(|e| {
                    if !e.unmatched.is_empty() {
                        (report.borrow_mut())(&e.unmatched);
                    }
                })?;
            if !r.unmatched.is_empty() {
                (report.borrow_mut())(&r.unmatched);
            }
            content.data = r.result;
        }
    }
    Ok(())
}
