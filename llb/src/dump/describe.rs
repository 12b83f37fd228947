//! Short human descriptions of ops, shared by the dot, tree and diff views.

use crate::pb;
use crate::pb::file_action::Action;
use crate::pb::op::Op as Payload;

/// Description key BuildKit shows as a vertex's progress name.
pub const CUSTOM_NAME: &str = "llb.customname";

/// Kind of an op: `exec`, `source`, `file`, `build`, `merge`, `diff`,
/// `passthrough`, or `output` for the payload-less root op.
pub fn kind(op: &pb::Op) -> &'static str {
    match &op.op {
        Some(Payload::Exec(_)) => "exec",
        Some(Payload::Source(_)) => "source",
        Some(Payload::File(_)) => "file",
        Some(Payload::Build(_)) => "build",
        Some(Payload::Merge(_)) => "merge",
        Some(Payload::Diff(_)) => "diff",
        Some(Payload::Passthrough(_)) => "passthrough",
        None => "output",
    }
}

/// The `llb.customname` of an op's metadata, if any.
pub fn custom_name(meta: Option<&pb::OpMetadata>) -> Option<&str> {
    meta.and_then(|m| m.description.get(CUSTOM_NAME))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

/// One line saying what the op does: the command of an exec, the
/// identifier of a source, the paths of file actions, and so on.
pub fn summary(op: &pb::Op) -> String {
    match &op.op {
        Some(Payload::Exec(e)) => {
            let args = e
                .meta
                .as_ref()
                .map(|m| m.args.join(" "))
                .unwrap_or_default();
            let extra: Vec<String> = e
                .mounts
                .iter()
                .filter(|m| m.input < 0 && m.dest != "/")
                .map(mount)
                .collect();
            if extra.is_empty() {
                args
            } else {
                format!("{args} {{{}}}", extra.join(", "))
            }
        }
        Some(Payload::Source(s)) => s.identifier.clone(),
        Some(Payload::File(f)) => f
            .actions
            .iter()
            .map(file_action)
            .collect::<Vec<_>>()
            .join("; "),
        Some(Payload::Build(b)) => format!("build (builder input {})", b.builder),
        Some(Payload::Merge(m)) => format!("{} layers", m.inputs.len()),
        Some(Payload::Diff(d)) => format!(
            "lower {} upper {}",
            d.lower.map_or(-1, |l| l.input),
            d.upper.map_or(-1, |u| u.input)
        ),
        Some(Payload::Passthrough(p)) => p.id.clone(),
        None => match op.inputs.first() {
            Some(i) if i.index != 0 => format!("result (output {})", i.index),
            _ => "result".to_string(),
        },
    }
}

/// `cache /var/cache/apk`, `secret /run/secrets/id`, `bind /src (ro)`, …
pub fn mount(m: &pb::Mount) -> String {
    let kind = match pb::MountType::try_from(m.mount_type) {
        Ok(pb::MountType::Bind) => "bind",
        Ok(pb::MountType::Secret) => "secret",
        Ok(pb::MountType::Ssh) => "ssh",
        Ok(pb::MountType::Cache) => "cache",
        Ok(pb::MountType::Tmpfs) => "tmpfs",
        Err(_) => "mount",
    };
    let mut s = format!("{kind} {}", m.dest);
    if !m.selector.is_empty() {
        s.push_str(&format!(" from {}", m.selector));
    }
    if m.readonly {
        s.push_str(" (ro)");
    }
    s
}

/// `copy /src -> /dest`, `mkdir /p`, `mkfile /p`, `rm /p`, `symlink a -> b`.
pub fn file_action(a: &pb::FileAction) -> String {
    match &a.action {
        Some(Action::Copy(c)) => format!("copy {} -> {}", c.src, c.dest),
        Some(Action::Mkfile(m)) => format!("mkfile {}", m.path),
        Some(Action::Mkdir(m)) => format!("mkdir {}", m.path),
        Some(Action::Rm(r)) => format!("rm {}", r.path),
        Some(Action::Symlink(s)) => format!("symlink {} -> {}", s.newpath, s.oldpath),
        None => "noop".to_string(),
    }
}

/// What input `index` of `op` is used as: the mount destination(s) of an
/// exec, `base`/`source` of file actions, `lower`/`upper` of a diff, …
/// Empty when the op gives the input no particular role.
pub fn input_role(op: &pb::Op, index: usize) -> String {
    let idx = i64::try_from(index).unwrap_or(i64::MAX);
    match &op.op {
        Some(Payload::Exec(e)) => e
            .mounts
            .iter()
            .filter(|m| m.input == idx)
            .map(|m| m.dest.as_str())
            .collect::<Vec<_>>()
            .join(","),
        Some(Payload::File(f)) => {
            let mut roles: Vec<&str> = Vec::new();
            for a in &f.actions {
                if a.input == idx && !roles.contains(&"base") {
                    roles.push("base");
                }
                if a.secondary_input == idx && !roles.contains(&"source") {
                    roles.push("source");
                }
            }
            roles.join(",")
        }
        Some(Payload::Merge(m)) => m
            .inputs
            .iter()
            .position(|i| i.input == idx)
            .map(|p| format!("layer {p}"))
            .unwrap_or_default(),
        Some(Payload::Diff(d)) => {
            if d.lower.is_some_and(|l| l.input == idx) {
                "lower".to_string()
            } else if d.upper.is_some_and(|u| u.input == idx) {
                "upper".to_string()
            } else {
                String::new()
            }
        }
        Some(Payload::Build(b)) => b
            .inputs
            .iter()
            .filter(|(_, v)| v.input == idx)
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}
