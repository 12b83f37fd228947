//! Source maps: which lines of a user's file (a Dockerfile, say) an op
//! comes from, so BuildKit can point errors at them.
//!
//! A [`SourceMap`] names a file (filename, language, contents, and
//! optionally the LLB State that produced it); [`SourceMap::location`]
//! gives a [`SourceLocation`] to attach to an op with
//! [`Constraints::location`](crate::state::Constraints::location).
//! Marshalling writes `Definition.source`: one `SourceInfo` per distinct
//! map (in first-use order; maps with equal filename, language and data
//! count as one) and, for every op digest, its `Locations` — an entry
//! exists even when empty, as upstream writes it.

use std::sync::Arc;

use crate::marshal::{MarshalError, MarshalOptions, marshal};
use crate::pb;
use crate::state::State;

#[derive(Debug)]
struct SourceMapData {
    filename: String,
    language: String,
    data: Vec<u8>,
    state: Option<State>,
    definition: Option<pb::Definition>,
}

/// A source file ops can point into (Go's `llb.SourceMap`). Cheap to
/// clone; clones are the same map.
#[derive(Clone, Debug)]
pub struct SourceMap(Arc<SourceMapData>);

impl SourceMap {
    /// A map of `filename` with its contents; `language` as named by
    /// GitHub linguist (e.g. `Dockerfile`).
    pub fn new(
        filename: impl Into<String>,
        language: impl Into<String>,
        data: Vec<u8>,
    ) -> SourceMap {
        SourceMap(Arc::new(SourceMapData {
            filename: filename.into(),
            language: language.into(),
            data,
            state: None,
            definition: None,
        }))
    }

    /// The same map, also recording the State that produced the file (its
    /// Definition is marshalled into `SourceInfo.definition`).
    pub fn with_state(self, state: State) -> SourceMap {
        let d = &self.0;
        SourceMap(Arc::new(SourceMapData {
            filename: d.filename.clone(),
            language: d.language.clone(),
            data: d.data.clone(),
            state: Some(state),
            definition: d.definition.clone(),
        }))
    }

    /// The same map with an already marshalled Definition of the file.
    pub fn with_definition(self, definition: pb::Definition) -> SourceMap {
        let d = &self.0;
        SourceMap(Arc::new(SourceMapData {
            filename: d.filename.clone(),
            language: d.language.clone(),
            data: d.data.clone(),
            state: d.state.clone(),
            definition: Some(definition),
        }))
    }

    /// The file name.
    pub fn filename(&self) -> &str {
        &self.0.filename
    }

    /// A location in this file (Go's `SourceMap.Location`).
    pub fn location(&self, ranges: Vec<pb::Range>) -> SourceLocation {
        SourceLocation {
            source_map: self.clone(),
            ranges,
        }
    }

    /// Go's `equalSourceMap`: same filename, language and data, and — when
    /// both carry a Definition — the same last op.
    fn equivalent(&self, other: &SourceMap) -> bool {
        let (a, b) = (&self.0, &other.0);
        if a.filename != b.filename || a.language != b.language || a.data != b.data {
            return false;
        }
        match (&a.definition, &b.definition) {
            (Some(da), Some(db)) => da.def.last() == db.def.last(),
            _ => true,
        }
    }
}

/// A range of lines and characters; lines are 1-based as in BuildKit.
pub fn range(start_line: i32, start_char: i32, end_line: i32, end_char: i32) -> pb::Range {
    pb::Range {
        start: Some(pb::Position {
            line: start_line,
            character: start_char,
        }),
        end: Some(pb::Position {
            line: end_line,
            character: end_char,
        }),
    }
}

/// Ranges of a [`SourceMap`] an op comes from (Go's `SourceLocation`).
#[derive(Clone, Debug)]
pub struct SourceLocation {
    /// The file.
    pub source_map: SourceMap,
    /// The ranges in it.
    pub ranges: Vec<pb::Range>,
}

/// Collects the source maps locations point into while marshalling (Go's
/// `sourceMapCollector`).
#[derive(Default)]
pub(crate) struct SourceMapCollector {
    maps: Vec<SourceMap>,
    index: crate::digest::DigestMap<usize, usize>,
}

impl SourceMapCollector {
    /// Appends `locations` to `list` as `pb.Location`s, registering their maps.
    pub(crate) fn add(&mut self, list: &mut Vec<pb::Location>, locations: &[SourceLocation]) {
        for loc in locations {
            let key = Arc::as_ptr(&loc.source_map.0) as usize;
            let idx = match self.index.get(&key) {
                Some(&i) => i,
                None => {
                    let i = match self.maps.iter().position(|m| m.equivalent(&loc.source_map)) {
                        Some(i) => i,
                        None => {
                            self.maps.push(loc.source_map.clone());
                            self.maps.len() - 1
                        }
                    };
                    self.index.insert(key, i);
                    i
                }
            };
            list.push(pb::Location {
                source_index: idx as i32,
                ranges: loc.ranges.clone(),
            });
        }
    }

    /// `Definition.source.infos`: one per map, in first-use order.
    pub(crate) fn finish(
        self,
        options: &MarshalOptions,
    ) -> Result<Vec<pb::SourceInfo>, MarshalError> {
        let mut infos = Vec::with_capacity(self.maps.len());
        for m in &self.maps {
            let d = &m.0;
            let definition = match (&d.definition, &d.state) {
                (Some(def), _) => Some(def.clone()),
                (None, Some(state)) => Some(marshal(state, options)?),
                (None, None) => None,
            };
            infos.push(pb::SourceInfo {
                filename: d.filename.clone(),
                data: d.data.clone(),
                definition,
                language: d.language.clone(),
            });
        }
        Ok(infos)
    }
}
