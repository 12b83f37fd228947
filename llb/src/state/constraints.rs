//! [`Constraints`]: what an op carries besides its payload — platform,
//! worker constraints, metadata (custom name, descriptions, caps, progress
//! group, …), the `local.unique` id and source locations.
//!
//! Every op constructor takes a `Constraints`; the marshaller starts from
//! the [`MarshalOptions`](crate::marshal::MarshalOptions) constraints and
//! layers the op's own on top (platform replaced, worker constraints
//! appended, metadata merged), as Go's `MarshalConstraints` does.

use std::borrow::Cow;

use crate::pb;
use crate::source_map::SourceLocation;

use super::platform::Platform;

/// Per-op constraints and metadata (Go's `llb.Constraints`).
#[derive(Clone, Debug, Default)]
pub struct Constraints {
    /// The platform the op runs for (else the State's, else the marshal
    /// default).
    pub platform: Option<Platform>,
    /// Worker filters (`WorkerConstraints.filter`).
    pub worker_constraints: Vec<String>,
    /// Op metadata: ignore cache, description, export cache, caps, progress
    /// group, Linux resources. Not part of the op digest.
    pub(crate) metadata: OpMeta,
    /// `local.unique` for `local://` sources without a session.
    pub local_unique_id: Option<String>,
    /// Where in the user's sources this op comes from.
    pub source_locations: Vec<SourceLocation>,
}

/// An op's metadata as a State keeps it until marshalling turns it into `pb.OpMetadata`:
/// the same fields, with the maps as small sorted lists (most ops have one or two entries,
/// and a map would take a node of several hundred bytes each) and the caps this crate
/// records as static names.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct OpMeta {
    /// `ignore_cache`.
    pub(crate) ignore_cache: bool,
    /// `description`, sorted by key, one entry per key.
    pub(crate) description: Vec<(String, String)>,
    /// `export_cache`.
    pub(crate) export_cache: Option<pb::ExportCache>,
    /// The keys of `caps` (all `true`), sorted, without duplicates.
    pub(crate) caps: Vec<Cow<'static, str>>,
    /// `progress_group`.
    pub(crate) progress_group: Option<pb::ProgressGroup>,
    /// `linux_resources`.
    pub(crate) linux_resources: Option<pb::LinuxResources>,
}

impl OpMeta {
    /// Sets description `key` (replacing its value).
    fn describe(&mut self, key: String, value: String) {
        match self
            .description
            .binary_search_by(|(k, _)| k.as_str().cmp(&key))
        {
            Ok(i) => self.description[i].1 = value,
            Err(i) => self.description.insert(i, (key, value)),
        }
    }

    /// Adds cap `id`.
    pub(crate) fn add_cap(&mut self, id: Cow<'static, str>) {
        if let Err(i) = self.caps.binary_search(&id) {
            self.caps.insert(i, id);
        }
    }

    /// The same metadata from its protobuf form.
    pub(crate) fn from_pb(md: &pb::OpMetadata) -> OpMeta {
        OpMeta {
            ignore_cache: md.ignore_cache,
            // BTreeMaps iterate in key order: the lists come out sorted.
            description: md
                .description
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            export_cache: md.export_cache,
            caps: md.caps.keys().map(|k| Cow::Owned(k.clone())).collect(),
            progress_group: md.progress_group.clone(),
            linux_resources: md.linux_resources.clone(),
        }
    }

    /// The protobuf form (every cap `true`).
    pub(crate) fn into_pb(self) -> pb::OpMetadata {
        pb::OpMetadata {
            ignore_cache: self.ignore_cache,
            description: self.description.into_iter().collect(),
            export_cache: self.export_cache,
            caps: self
                .caps
                .into_iter()
                .map(|c| (c.into_owned(), true))
                .collect(),
            progress_group: self.progress_group,
            linux_resources: self.linux_resources,
        }
    }
}

/// The metadata key of the name shown in progress output.
pub const CUSTOM_NAME_KEY: &str = "llb.customname";

impl Constraints {
    /// No constraints.
    pub fn new() -> Constraints {
        Constraints::default()
    }

    /// Sets the platform (Go's `llb.Platform`).
    pub fn platform(mut self, platform: Platform) -> Constraints {
        self.platform = Some(platform);
        self
    }

    /// Adds worker filters (Go's `llb.Require`).
    pub fn require<I, S>(mut self, filters: I) -> Constraints
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.worker_constraints
            .extend(filters.into_iter().map(Into::into));
        self
    }

    /// Always re-runs the op (Go's `llb.IgnoreCache`).
    pub fn ignore_cache(mut self) -> Constraints {
        self.metadata.ignore_cache = true;
        self
    }

    /// Sets one description key, e.g. `com.docker.dockerfile.v1.command`.
    pub fn description(mut self, key: impl Into<String>, value: impl Into<String>) -> Constraints {
        self.metadata.describe(key.into(), value.into());
        self
    }

    /// Sets several description keys (Go's `llb.WithDescription`).
    pub fn descriptions<I, K, V>(mut self, entries: I) -> Constraints
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        for (k, v) in entries {
            self.metadata.describe(k.into(), v.into());
        }
        self
    }

    /// Sets `llb.customname`, the name shown in progress output.
    pub fn custom_name(self, name: impl Into<String>) -> Constraints {
        self.description(CUSTOM_NAME_KEY, name)
    }

    /// Forces (`true`) or disables (`false`) exporting this op's result
    /// with the cache (Go's `WithExportCache` / `WithoutExportCache`).
    pub fn export_cache(mut self, export: bool) -> Constraints {
        self.metadata.export_cache = Some(pb::ExportCache { value: export });
        self
    }

    /// Groups the op's progress under `id` (Go's `llb.ProgressGroup`).
    pub fn progress_group(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        weak: bool,
    ) -> Constraints {
        self.metadata.progress_group = Some(pb::ProgressGroup {
            id: id.into(),
            name: name.into(),
            weak,
        });
        self
    }

    /// Sets CPU/memory limits (Go's `llb.WithLinuxResources`); an exec with
    /// them records `exec.meta.linux.resources`.
    pub fn linux_resources(mut self, resources: pb::LinuxResources) -> Constraints {
        self.metadata.linux_resources = Some(resources);
        self
    }

    /// Sets the `local.unique` id for a `local://` source (Go's
    /// `llb.LocalUniqueID`).
    pub fn local_unique_id(mut self, id: impl Into<String>) -> Constraints {
        self.local_unique_id = Some(id.into());
        self
    }

    /// Adds a source location (Go's `SourceMap.Location`).
    pub fn location(mut self, location: SourceLocation) -> Constraints {
        self.source_locations.push(location);
        self
    }

    /// Records that the op needs capability `id` (see [`super::caps`]);
    /// op constructors record their own.
    pub fn cap(mut self, id: &str) -> Constraints {
        self.metadata.add_cap(Cow::Owned(id.to_string()));
        self
    }

    /// The custom name, if set.
    pub fn get_custom_name(&self) -> Option<&str> {
        self.metadata
            .description
            .iter()
            .find(|(k, _)| k == CUSTOM_NAME_KEY)
            .map(|(_, v)| v.as_str())
    }

    /// Records that the op needs capability `id`.
    pub(crate) fn add_cap(&mut self, id: &'static str) {
        self.metadata.add_cap(Cow::Borrowed(id));
    }
}
