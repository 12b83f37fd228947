//! The small `local://` source Definitions the gateway solves itself (to load the Dockerfile and
//! the context's `.dockerignore`): llb's `Local` builder, marshalled as Go's
//! `llb.Local(...).Marshal` does (the source op with `constraints` set and no platform, then the
//! trailing output-only op whose metadata holds the root caps).

use llb::digest::Digest;
use llb::marshal::{MarshalOptions, marshal};
use llb::pb;
use llb::state::source::LocalDiffer;
use llb::state::{Constraints, Local};

/// One `local://NAME` source with the attributes the Dockerfile frontend sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalSource {
    /// The local's name (`dockerfile`, `context`, …).
    pub name: String,
    /// `local.session`; when `None`, `local.unique` is set to `unique_id` instead.
    pub session_id: Option<String>,
    /// `local.unique` when there is no session.
    pub unique_id: String,
    /// `local.followpaths`.
    pub follow_paths: Vec<String>,
    /// `local.sharedkeyhint`.
    pub shared_key_hint: Option<String>,
    /// `local.differ=none` (without requiring the cap).
    pub differ_none: bool,
    /// The progress name (`llb.customname`).
    pub custom_name: Option<String>,
}

/// A marshalled source and the digest of its op (the vertex `Warn` refers to).
#[derive(Debug, Clone, PartialEq)]
pub struct MarshalledSource {
    /// The Definition to Solve.
    pub definition: pb::Definition,
    /// The digest of the source op.
    pub head: String,
}

impl LocalSource {
    /// Marshals the source into a two-op Definition with llb's `Local` builder.
    pub fn marshal(&self) -> MarshalledSource {
        let mut local = Local::new(self.name.clone()).follow_paths(self.follow_paths.iter());
        if let Some(id) = &self.session_id {
            local = local.session_id(id.clone());
        }
        if let Some(hint) = &self.shared_key_hint {
            local = local.shared_key_hint(hint.clone());
        }
        if self.differ_none {
            local = local.differ(LocalDiffer::None, false);
        }
        let mut constraints = Constraints::new();
        if let Some(name) = &self.custom_name {
            constraints = constraints.custom_name(name.clone());
        }
        let state = local.constraints(constraints).build();
        let options = MarshalOptions::new().local_unique_id(self.unique_id.clone());
        // A local source always marshals: it has a name and no image reference.
        let definition = marshal(&state, &options).unwrap_or_default();
        let head = definition
            .def
            .first()
            .map(|op| Digest::of(op).to_string())
            .unwrap_or_default();
        MarshalledSource { definition, head }
    }
}

/// A process-unique id for `local.unique` when there is no session.
pub fn unique_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use llb::definition::decode_definition;

    fn dockerfile_source() -> LocalSource {
        LocalSource {
            name: "dockerfile".into(),
            session_id: Some("sess".into()),
            unique_id: String::new(),
            follow_paths: vec![
                "Dockerfile".into(),
                "Dockerfile.dockerignore".into(),
                "dockerfile".into(),
            ],
            shared_key_hint: Some("dockerfile".into()),
            differ_none: true,
            custom_name: Some("[internal] load build definition from Dockerfile".into()),
        }
    }

    #[test]
    fn marshals_a_valid_two_op_definition() {
        let m = dockerfile_source().marshal();
        assert_eq!(m.definition.def.len(), 2);
        let bytes = llb::definition::encode_definition(&m.definition);
        let decoded = decode_definition(&bytes).expect("valid definition");
        let (head, index) = decoded.head().expect("has a head");
        assert_eq!(index, 0);
        assert_eq!(head.digest.to_string(), m.head);
        let md = &m.definition.metadata[&m.head];
        assert_eq!(
            md.description["llb.customname"],
            "[internal] load build definition from Dockerfile"
        );
        assert!(md.caps.contains_key("source.local.followpaths"));
        assert!(!md.caps.contains_key("source.local.differ"));
    }

    #[test]
    fn source_attrs_match_upstream() {
        let m = dockerfile_source().marshal();
        let op = <pb::Op as prost::Message>::decode(m.definition.def[0].as_slice()).unwrap();
        let Some(pb::op::Op::Source(src)) = op.op else {
            panic!("not a source op")
        };
        assert_eq!(src.identifier, "local://dockerfile");
        assert_eq!(
            src.attrs["local.followpaths"],
            r#"["Dockerfile","Dockerfile.dockerignore","dockerfile"]"#
        );
        assert_eq!(src.attrs["local.session"], "sess");
        assert_eq!(src.attrs["local.sharedkeyhint"], "dockerfile");
        assert_eq!(src.attrs["local.differ"], "none");
        assert!(!src.attrs.contains_key("local.unique"));
        assert!(op.platform.is_none());
        assert_eq!(op.constraints, Some(pb::WorkerConstraints::default()));
    }

    /// The bytes dockerd 28.5's built-in frontend sent for `-f Dockerfile.b` (taken from the
    /// `sources[0].definition` of its `--call check,format=json` answer).
    #[test]
    fn bytes_equal_the_builtin_frontends() {
        let m = LocalSource {
            name: "dockerfile".into(),
            session_id: Some("x1ygwzkryf2lwf4hkjgync2mc".into()),
            unique_id: String::new(),
            follow_paths: vec!["Dockerfile.b".into(), "Dockerfile.b.dockerignore".into()],
            shared_key_hint: Some("dockerfile".into()),
            differ_none: true,
            custom_name: Some("[internal] load build definition from Dockerfile.b".into()),
        }
        .marshal();
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(&m.definition.def[0]),
            "5a001abc010a126c6f63616c3a2f2f646f636b657266696c6512140a0c6c6f63616c2e64696666657212046e6f6e6512410a116c6f63616c2e666f6c6c6f777061746873122c5b22446f636b657266696c652e62222c22446f636b657266696c652e622e646f636b657269676e6f7265225d122a0a0d6c6f63616c2e73657373696f6e121978317967777a6b727966326c776634686b6a67796e63326d6312210a136c6f63616c2e7368617265646b657968696e74120a646f636b657266696c65"
        );
        assert_eq!(
            m.head,
            "sha256:bd9fce9ef148b0525a1a0d5d79cc1273fbe8fdca15597a41b455fcbd2c84424d"
        );
        assert!(m.definition.metadata.contains_key(
            "sha256:a5ccc9b4968775b280e412050b7836a07d6aecde0fa1b0b69399adf4f1ff8637"
        ));
        // The source op has an (empty) locations entry, the output-only op none.
        let source = m.definition.source.expect("a Source");
        assert_eq!(source.locations.keys().collect::<Vec<_>>(), vec![&m.head]);
        assert!(source.locations[&m.head].locations.is_empty() && source.infos.is_empty());
    }

    #[test]
    fn without_session_uses_unique() {
        let mut s = dockerfile_source();
        s.session_id = None;
        s.unique_id = "u1".into();
        let m = s.marshal();
        let op = <pb::Op as prost::Message>::decode(m.definition.def[0].as_slice()).unwrap();
        let Some(pb::op::Op::Source(src)) = op.op else {
            panic!("not a source op")
        };
        assert_eq!(src.attrs["local.unique"], "u1");
        assert_ne!(unique_id(), "");
    }
}
