//! Which ops differ between two Definitions, and why.
//!
//! Ops with the same digest in both Definitions are unchanged and never
//! reported. The others are paired up, A ("before") with B ("after"):
//!
//! 1. By position from the root: the two output ops are paired; for each
//!    pair, the inputs that changed on each side (digest absent from the
//!    other Definition) are paired by the role the op gives them (the same
//!    mount destination, `base`/`source` of a file op, `lower`/`upper`, …),
//!    then by input position, then in order. This follows the same output
//!    path through both graphs.
//! 2. Ops still unpaired are paired by equal progress name
//!    (`llb.customname`), then by equal kind and summary, and their inputs
//!    are paired as in step 1.
//! 3. What is left is reported as only in A (removed) or only in B (added).
//!
//! A pair is *changed* when the ops differ in more than their input
//! digests; the report gives the first differing field in the field order
//! of `llb-dump --format json` (e.g. `exec.meta.args[2]`) with both values.
//! A pair whose ops differ only in input digests is *affected*: the report
//! names the input that carried the change and the chain of ops down to
//! the changed (or removed) op that caused it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use serde_json::Value;

use super::{describe, json};
use crate::definition::{DecodedDefinition, Vertex};
use crate::digest::Digest;
use crate::pb;

/// Longest value or name printed in a report, in characters.
const MAX_TEXT: usize = 120;

/// An op as named in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VertexRef {
    /// The op's digest.
    pub digest: Digest,
    /// Its kind (`exec`, `file`, …).
    pub kind: &'static str,
    /// Its `llb.customname`, else kind and summary.
    pub name: String,
}

/// A paired op whose own fields differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The op in A.
    pub a: VertexRef,
    /// The op in B.
    pub b: VertexRef,
    /// Path of the first differing field, e.g. `exec.meta.args[2]`.
    pub field: String,
    /// Its JSON value in A, or `(absent)`.
    pub old: String,
    /// Its JSON value in B, or `(absent)`.
    pub new: String,
    /// Whether some input digest changed as well.
    pub inputs_changed: bool,
}

/// A paired op that differs only because an input changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// The op in A.
    pub a: VertexRef,
    /// The op in B.
    pub b: VertexRef,
    /// Position of the input that carried the change (in A's op).
    pub input: usize,
    /// Role of that input (e.g. a mount destination), may be empty.
    pub role: String,
    /// The A-side ops from that input down to the cause, the cause last.
    pub chain: Vec<VertexRef>,
}

/// The result of [`diff`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiffReport {
    /// Distinct ops in A.
    pub ops_a: usize,
    /// Distinct ops in B.
    pub ops_b: usize,
    /// Ops with the same digest in both.
    pub unchanged: usize,
    /// Paired ops whose own fields differ, in A's Definition order.
    pub changed: Vec<Change>,
    /// Paired ops that differ only through inputs, in A's Definition order.
    pub affected: Vec<Affected>,
    /// Ops of A with no counterpart in B.
    pub only_a: Vec<VertexRef>,
    /// Ops of B with no counterpart in A.
    pub only_b: Vec<VertexRef>,
}

impl DiffReport {
    /// True when both Definitions have the same ops.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
            && self.affected.is_empty()
            && self.only_a.is_empty()
            && self.only_b.is_empty()
    }
}

/// Compares two Definitions (see the module documentation).
pub fn diff(a: &DecodedDefinition, b: &DecodedDefinition) -> DiffReport {
    let side_a = Side::new(a);
    let side_b = Side::new(b);
    let mut pairing = Pairing::default();

    if let (Some(ra), Some(rb)) = (side_a.root, side_b.root) {
        pairing.pair_from(&side_a, &side_b, ra, rb);
    }
    let fallbacks: [fn(&Side, usize) -> Option<String>; 2] = [
        |s, i| {
            describe::custom_name(s.def.metadata(s.vertex(i).digest.as_str())).map(str::to_string)
        },
        |s, i| {
            let op = &s.vertex(i).op;
            Some(format!("{} {}", describe::kind(op), describe::summary(op)))
        },
    ];
    // The name fallback pairs ops of the same kind only.
    let fallbacks = fallbacks.map(|key| {
        move |s: &Side, i: usize| {
            key(s, i).map(|k| format!("{}\0{k}", describe::kind(&s.vertex(i).op)))
        }
    });
    for key in fallbacks {
        let left_b = pairing.unpaired(&side_b, &side_a, false);
        let mut by_key: HashMap<String, VecDeque<usize>> = HashMap::new();
        for ib in left_b {
            if let Some(k) = key(&side_b, ib) {
                by_key.entry(k).or_default().push_back(ib);
            }
        }
        for ia in pairing.unpaired(&side_a, &side_b, true) {
            let found = key(&side_a, ia).and_then(|k| by_key.get_mut(&k)?.pop_front());
            if let Some(ib) = found {
                pairing.pair_from(&side_a, &side_b, ia, ib);
            }
        }
    }

    let mut report = DiffReport {
        ops_a: side_a.unique.len(),
        ops_b: side_b.unique.len(),
        unchanged: side_a
            .unique
            .iter()
            .filter(|&&i| side_b.has(side_a.vertex(i).digest.as_str()))
            .count(),
        ..DiffReport::default()
    };

    let mut pairs: Vec<(usize, usize)> = pairing.a_to_b.iter().map(|(&x, &y)| (x, y)).collect();
    pairs.sort_unstable();
    let mut changed_a = HashSet::new();
    for &(ia, ib) in &pairs {
        let (va, vb) = (side_a.vertex(ia), side_b.vertex(ib));
        if let Some((field, old, new)) = first_difference(&va.op, &vb.op) {
            changed_a.insert(ia);
            report.changed.push(Change {
                a: side_a.vertex_ref(ia),
                b: side_b.vertex_ref(ib),
                field,
                old,
                new,
                inputs_changed: !side_a.changed_inputs(ia, &side_b).is_empty(),
            });
        }
    }
    for &(ia, ib) in &pairs {
        if changed_a.contains(&ia) {
            continue;
        }
        let (input, role, chain) = cause_chain(&side_a, &side_b, &pairing, &changed_a, ia);
        report.affected.push(Affected {
            a: side_a.vertex_ref(ia),
            b: side_b.vertex_ref(ib),
            input,
            role,
            chain,
        });
    }
    report.only_a = pairing
        .unpaired(&side_a, &side_b, true)
        .into_iter()
        .map(|i| side_a.vertex_ref(i))
        .collect();
    report.only_b = pairing
        .unpaired(&side_b, &side_a, false)
        .into_iter()
        .map(|i| side_b.vertex_ref(i))
        .collect();
    report
}

/// One Definition with its distinct ops.
struct Side<'a> {
    def: &'a DecodedDefinition,
    /// Position of the first occurrence of each distinct digest, in order.
    unique: Vec<usize>,
    /// Position of the root op (none only for an emptied Definition).
    root: Option<usize>,
}

impl<'a> Side<'a> {
    fn new(def: &'a DecodedDefinition) -> Side<'a> {
        let unique = (0..def.vertices.len())
            .filter(|&i| def.position(def.vertices[i].digest.as_str()) == Some(i))
            .collect();
        let root = def
            .vertices
            .last()
            .and_then(|r| def.position(r.digest.as_str()));
        Side { def, unique, root }
    }

    fn vertex(&self, i: usize) -> &'a Vertex {
        &self.def.vertices[i]
    }

    fn has(&self, digest: &str) -> bool {
        self.def.position(digest).is_some()
    }

    fn vertex_ref(&self, i: usize) -> VertexRef {
        let v = self.vertex(i);
        let name = match describe::custom_name(self.def.metadata(v.digest.as_str())) {
            Some(n) => n.to_string(),
            None => format!("{} {}", describe::kind(&v.op), describe::summary(&v.op)),
        };
        VertexRef {
            digest: v.digest.clone(),
            kind: describe::kind(&v.op),
            name: describe::truncate(&name, MAX_TEXT),
        }
    }

    /// Inputs of op `i` whose digest is not in `other`.
    fn changed_inputs(&self, i: usize, other: &Side) -> Vec<Candidate> {
        let op = &self.vertex(i).op;
        op.inputs
            .iter()
            .enumerate()
            .filter(|(_, inp)| !other.has(&inp.digest))
            .filter_map(|(pos, inp)| {
                let at = self
                    .def
                    .position(&inp.digest)
                    .filter(|&at| at < self.def.vertices.len())?;
                Some((pos, at, describe::input_role(op, pos)))
            })
            .collect()
    }
}

/// A changed input: (input position, position of the op it names, role).
type Candidate = (usize, usize, String);

/// The pairs found so far, both ways.
#[derive(Default)]
struct Pairing {
    a_to_b: HashMap<usize, usize>,
    b_to_a: HashMap<usize, usize>,
}

impl Pairing {
    /// Pairs `ia` with `ib`, then their changed inputs, breadth first.
    fn pair_from(&mut self, a: &Side, b: &Side, ia: usize, ib: usize) {
        let mut queue = VecDeque::from([(ia, ib)]);
        while let Some((ia, ib)) = queue.pop_front() {
            if a.vertex(ia).digest == b.vertex(ib).digest
                || self.a_to_b.contains_key(&ia)
                || self.b_to_a.contains_key(&ib)
            {
                continue;
            }
            self.a_to_b.insert(ia, ib);
            self.b_to_a.insert(ib, ia);
            let mut left_a = a.changed_inputs(ia, b);
            let mut left_b = b.changed_inputs(ib, a);
            left_a.retain(|(_, at, _)| !self.a_to_b.contains_key(at));
            left_b.retain(|(_, at, _)| !self.b_to_a.contains_key(at));
            // Only ops of the same kind pair up: by role, then by input
            // position, then in order.
            let rules: [fn(&Candidate, &Candidate) -> bool; 3] = [
                |x, y| !x.2.is_empty() && x.2 == y.2,
                |x, y| x.0 == y.0,
                |_, _| true,
            ];
            let same_kind = |x: &Candidate, y: &Candidate| {
                describe::kind(&a.vertex(x.1).op) == describe::kind(&b.vertex(y.1).op)
            };
            for matches in rules {
                let mut k = 0;
                while k < left_a.len() {
                    if let Some(j) = left_b
                        .iter()
                        .position(|y| same_kind(&left_a[k], y) && matches(&left_a[k], y))
                    {
                        let x = left_a.remove(k);
                        let y = left_b.remove(j);
                        queue.push_back((x.1, y.1));
                    } else {
                        k += 1;
                    }
                }
            }
        }
    }

    /// Distinct ops of `side` whose digest is not in `other` and that have
    /// no pair, in Definition order.
    fn unpaired(&self, side: &Side, other: &Side, side_is_a: bool) -> Vec<usize> {
        let paired = if side_is_a {
            &self.a_to_b
        } else {
            &self.b_to_a
        };
        side.unique
            .iter()
            .copied()
            .filter(|i| !other.has(side.vertex(*i).digest.as_str()) && !paired.contains_key(i))
            .collect()
    }
}

/// For an affected op of A: the first input that changed, its role, and
/// the ops from it down to a changed or removed op.
fn cause_chain(
    a: &Side,
    b: &Side,
    pairing: &Pairing,
    changed_a: &HashSet<usize>,
    start: usize,
) -> (usize, String, Vec<VertexRef>) {
    let mut chain = Vec::new();
    let mut first: Option<(usize, String)> = None;
    let mut at = start;
    let mut seen = HashSet::new();
    while seen.insert(at) {
        let Some((pos, next, role)) = a.changed_inputs(at, b).into_iter().next() else {
            break;
        };
        if first.is_none() {
            first = Some((pos, role));
        }
        chain.push(a.vertex_ref(next));
        if changed_a.contains(&next) || !pairing.a_to_b.contains_key(&next) {
            break;
        }
        at = next;
    }
    let (input, role) = first.unwrap_or((0, String::new()));
    (input, role, chain)
}

/// The first field (in JSON dump order) where two ops differ, ignoring
/// input digests: `(path, old, new)`.
fn first_difference(a: &pb::Op, b: &pb::Op) -> Option<(String, String, String)> {
    let (ja, jb) = (comparable(a), comparable(b));
    let mut path = String::new();
    let (p, old, new) = first_diff_value(&ja, &jb, &mut path)?;
    let p = p.strip_prefix("Op.").map(str::to_string).unwrap_or(p);
    Some((p, old, new))
}

/// The op's JSON with input digests replaced by `…`.
fn comparable(op: &pb::Op) -> Value {
    let mut op = op.clone();
    for input in &mut op.inputs {
        input.digest = "…".to_string();
    }
    serde_json::from_str(&json::op_to_string(&op)).unwrap_or(Value::Null)
}

const ABSENT: &str = "(absent)";

fn show(v: Option<&Value>) -> String {
    match v {
        Some(v) => describe::truncate(&v.to_string(), MAX_TEXT),
        None => ABSENT.to_string(),
    }
}

/// Depth-first comparison in field order; `path` is the current location.
fn first_diff_value(a: &Value, b: &Value, path: &mut String) -> Option<(String, String, String)> {
    match (a, b) {
        (Value::Object(oa), Value::Object(ob)) => {
            // Union of keys, each side's order kept (both follow Go's field order).
            let mut keys: Vec<&String> = oa.keys().collect();
            let mut prev: Option<&String> = None;
            for k in ob.keys() {
                if !keys.contains(&k) {
                    let pos = prev
                        .and_then(|p| keys.iter().position(|x| *x == p))
                        .map_or(0, |p| p + 1);
                    keys.insert(pos, k);
                }
                prev = Some(k);
            }
            for k in keys {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = match (oa.get(k), ob.get(k)) {
                    (Some(x), Some(y)) => first_diff_value(x, y, path),
                    (x, y) => Some((path.clone(), show(x), show(y))),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(len);
            }
            None
        }
        (Value::Array(xa), Value::Array(xb)) => {
            for i in 0..xa.len().max(xb.len()) {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = match (xa.get(i), xb.get(i)) {
                    (Some(x), Some(y)) => first_diff_value(x, y, path),
                    (x, y) => Some((path.clone(), show(x), show(y))),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(len);
            }
            None
        }
        (x, y) if x == y => None,
        (x, y) => Some((path.clone(), show(Some(x)), show(Some(y)))),
    }
}

impl fmt::Display for DiffReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no differences ({} ops)", self.ops_a);
        }
        writeln!(
            f,
            "A: {} ops, B: {} ops; {} unchanged, {} changed, {} affected, {} only in A, {} only in B",
            self.ops_a,
            self.ops_b,
            self.unchanged,
            self.changed.len(),
            self.affected.len(),
            self.only_a.len(),
            self.only_b.len()
        )?;
        if !self.changed.is_empty() {
            writeln!(f, "changed:")?;
            for c in &self.changed {
                write_pair_line(f, &c.a, &c.b)?;
                write!(
                    f,
                    "      first difference: {}: {} -> {}",
                    c.field, c.old, c.new
                )?;
                if c.inputs_changed {
                    write!(f, " (inputs changed too)")?;
                }
                writeln!(f)?;
            }
        }
        if !self.affected.is_empty() {
            writeln!(f, "affected (an input changed):")?;
            for x in &self.affected {
                write_pair_line(f, &x.a, &x.b)?;
                write!(f, "      via input {}", x.input)?;
                if !x.role.is_empty() {
                    write!(f, " [{}]", x.role)?;
                }
                for link in &x.chain {
                    write!(f, " <- {}", link.name)?;
                }
                writeln!(f)?;
            }
        }
        for (title, mark, list) in [
            ("only in A:", '-', &self.only_a),
            ("only in B:", '+', &self.only_b),
        ] {
            if !list.is_empty() {
                writeln!(f, "{title}")?;
                for v in list {
                    writeln!(f, "  {mark} {}  ({} {})", v.name, v.kind, v.digest.short())?;
                }
            }
        }
        Ok(())
    }
}

/// `  ~ name  (kind aaaa -> bbbb)`, plus B's name when it differs.
fn write_pair_line(f: &mut fmt::Formatter<'_>, a: &VertexRef, b: &VertexRef) -> fmt::Result {
    write!(f, "  ~ {}", a.name)?;
    if b.name != a.name {
        write!(f, "  =>  {}", b.name)?;
    }
    writeln!(
        f,
        "  ({} {} -> {})",
        a.kind,
        a.digest.short(),
        b.digest.short()
    )
}
