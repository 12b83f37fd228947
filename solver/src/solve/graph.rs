//! Display names and source locations of vertices.

use llb::definition::DecodedDefinition;
use llb::pb;

/// The metadata key holding a vertex's progress name.
pub const CUSTOM_NAME: &str = "llb.customname";

/// The display name of a vertex: its `llb.customname`, else a description
/// of the op like BuildKit's defaults.
pub fn vertex_name(def: &DecodedDefinition, digest: &str, op: &pb::Op) -> String {
    if let Some(name) = def
        .metadata(digest)
        .and_then(|m| m.description.get(CUSTOM_NAME))
        .filter(|n| !n.is_empty())
    {
        return name.clone();
    }
    default_name(op)
}

/// A description of an op when it has no custom name.
pub fn default_name(op: &pb::Op) -> String {
    use pb::op::Op as O;
    match &op.op {
        Some(O::Source(s)) => s.identifier.clone(),
        Some(O::Exec(e)) => e
            .meta
            .as_ref()
            .map(|m| m.args.join(" "))
            .unwrap_or_default(),
        Some(O::File(f)) => {
            let parts: Vec<String> = f
                .actions
                .iter()
                .filter_map(|a| a.action.as_ref())
                .map(|a| {
                    use pb::file_action::Action as A;
                    match a {
                        A::Copy(c) => format!("copy {} {}", c.src, c.dest),
                        A::Mkfile(m) => format!("mkfile {}", m.path),
                        A::Mkdir(m) => format!("mkdir {}", m.path),
                        A::Rm(r) => format!("rm {}", r.path),
                        A::Symlink(s) => format!("symlink {} -> {}", s.newpath, s.oldpath),
                    }
                })
                .collect();
            parts.join(", ")
        }
        Some(O::Merge(_)) => "merge".to_string(),
        Some(O::Diff(_)) => "diff".to_string(),
        Some(O::Build(_)) => "build".to_string(),
        Some(O::Passthrough(_)) => "passthrough".to_string(),
        None => "output".to_string(),
    }
}

/// A source position of a vertex: file name and 1-based line range, with
/// the text of those lines when the Definition carries the source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLocation {
    /// The source file name (e.g. `Dockerfile`).
    pub filename: String,
    /// First line (1-based).
    pub start: i32,
    /// Last line.
    pub end: i32,
    /// The whole source text, if present.
    pub data: Option<String>,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start == self.end {
            write!(f, "{}:{}", self.filename, self.start)
        } else {
            write!(f, "{}:{}-{}", self.filename, self.start, self.end)
        }
    }
}

impl SourceLocation {
    /// The lines around the location in BuildKit's error style.
    pub fn snippet(&self) -> Option<String> {
        let data = self.data.as_ref()?;
        let lines: Vec<&str> = data.lines().collect();
        let from = (self.start - 3).max(1);
        let to = self.end.min(lines.len() as i32);
        let mut out = format!("{self}\n--------------------\n");
        for n in from..=to {
            let text = lines.get((n - 1) as usize).copied().unwrap_or("");
            let marker = if n >= self.start && n <= self.end {
                ">>>"
            } else {
                "   "
            };
            out.push_str(&format!(" {marker} {n:>3} | {text}\n"));
        }
        out.push_str("--------------------");
        Some(out)
    }
}

/// The first source location recorded for a vertex.
pub fn vertex_location(def: &DecodedDefinition, digest: &str) -> Option<SourceLocation> {
    let source = def.source.as_ref()?;
    let locs = source.locations.get(digest)?;
    let loc = locs.locations.first()?;
    let info = source.infos.get(usize::try_from(loc.source_index).ok()?)?;
    let start = loc
        .ranges
        .iter()
        .filter_map(|r| r.start.as_ref())
        .map(|p| p.line)
        .min()?;
    let end = loc
        .ranges
        .iter()
        .filter_map(|r| r.end.as_ref())
        .map(|p| p.line)
        .max()
        .unwrap_or(start);
    Some(SourceLocation {
        filename: info.filename.clone(),
        start,
        end,
        data: (!info.data.is_empty()).then(|| String::from_utf8_lossy(&info.data).into_owned()),
    })
}
