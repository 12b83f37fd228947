//! Exporters: `type=local,dest=DIR`, `type=tar,dest=FILE`,
//! `type=oci,dest=FILE[,name=REF]` (OCI image layout tarball) and
//! `type=docker,dest=FILE,name=REF` (loadable by `docker load`).

pub mod image;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, SolveError};
use crate::refs::Ref;
use crate::store::Store;
use crate::store::layer::{TarOptions, write_diff};

/// Which exporter and where.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportSpec {
    /// Copy the filesystem into a directory.
    Local {
        /// Destination directory.
        dest: PathBuf,
    },
    /// A tarball of the filesystem (`-` = stdout).
    Tar {
        /// Destination file.
        dest: PathBuf,
    },
    /// An OCI image layout tarball.
    Oci {
        /// Destination file (`-` = stdout).
        dest: PathBuf,
        /// Image name for annotations.
        name: Option<String>,
        /// `SOURCE_DATE_EPOCH` for timestamps.
        epoch: Option<i64>,
    },
    /// A `docker load` archive.
    Docker {
        /// Destination file (`-` = stdout).
        dest: PathBuf,
        /// Image name (`REF`).
        name: Option<String>,
        /// `SOURCE_DATE_EPOCH` for timestamps.
        epoch: Option<i64>,
    },
}

impl ExportSpec {
    /// Parses `--output` like buildx: `type=local,dest=DIR`, … or a bare
    /// path (local export). `epoch` is `SOURCE_DATE_EPOCH` if set.
    pub fn parse(s: &str, epoch: Option<i64>) -> Result<ExportSpec> {
        if !s.contains('=') {
            if s == "-" {
                return Ok(ExportSpec::Tar {
                    dest: PathBuf::from("-"),
                });
            }
            return Ok(ExportSpec::Local {
                dest: PathBuf::from(s),
            });
        }
        let mut kind = None;
        let mut dest = None;
        let mut name = None;
        for part in s.split(',') {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| SolveError::Op(format!("invalid output option {part:?}")))?;
            match k.trim() {
                "type" => kind = Some(v.trim().to_string()),
                "dest" => dest = Some(PathBuf::from(v.trim())),
                "name" => name = Some(v.trim().to_string()),
                other => return Err(SolveError::Op(format!("unknown output option {other:?}"))),
            }
        }
        let dest = || {
            dest.clone()
                .ok_or_else(|| SolveError::Op(format!("output {s:?} needs dest=")))
        };
        match kind.as_deref() {
            Some("local") => Ok(ExportSpec::Local { dest: dest()? }),
            Some("tar") => Ok(ExportSpec::Tar { dest: dest()? }),
            Some("oci") => Ok(ExportSpec::Oci {
                dest: dest()?,
                name,
                epoch,
            }),
            Some("docker") => Ok(ExportSpec::Docker {
                dest: dest()?,
                name,
                epoch,
            }),
            Some(other) => Err(SolveError::Unsupported(format!("exporter type {other:?}"))),
            None => Err(SolveError::Op(format!("output {s:?} needs type="))),
        }
    }
}

/// Writes to `dest` atomically (temp + rename), or to stdout for `-`.
pub fn write_output(dest: &Path, f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    if dest == Path::new("-") {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        f(&mut lock)?;
        return lock.flush().map_err(SolveError::io("write stdout"));
    }
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(SolveError::io(format!("create {}", dir.display())))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        dest.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        crate::store::random_hex(4)
    ));
    let file =
        std::fs::File::create(&tmp).map_err(SolveError::io(format!("create {}", tmp.display())))?;
    let mut w = std::io::BufWriter::new(file);
    let r = f(&mut w).and_then(|_| w.flush().map_err(SolveError::io("write output")));
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    drop(w);
    std::fs::rename(&tmp, dest).map_err(SolveError::io(format!("rename to {}", dest.display())))
}

/// Runs an exporter on a (materialized) result.
pub fn export(
    store: &Store,
    r: &Ref,
    spec: &ExportSpec,
    image_config: Option<&[u8]>,
) -> Result<()> {
    let tree = r.direct_dir().map(Path::to_path_buf);
    match spec {
        ExportSpec::Local { dest } => {
            std::fs::create_dir_all(dest)
                .map_err(SolveError::io(format!("create {}", dest.display())))?;
            if let Some(t) = tree {
                // Like buildx's local exporter, files belong to the user
                // running the export.
                let owner = Some((
                    nix::unistd::geteuid().as_raw(),
                    nix::unistd::getegid().as_raw(),
                ));
                crate::fsutil::tree::copy_deep(
                    &t,
                    dest,
                    &crate::fsutil::tree::DeepCopy {
                        filter: None,
                        owner,
                    },
                )
                .map_err(SolveError::io(format!("export to {}", dest.display())))?;
            }
            Ok(())
        }
        ExportSpec::Tar { dest } => write_output(dest, |w| {
            match &tree {
                Some(t) => {
                    write_diff(None, t, w, &TarOptions::default())
                        .map_err(SolveError::io("write tar"))?;
                }
                None => {
                    tar::Builder::new(w)
                        .finish()
                        .map_err(SolveError::io("write tar"))?;
                }
            }
            Ok(())
        }),
        ExportSpec::Oci { dest, name, epoch } => {
            image::export_image(store, r, dest, name.as_deref(), *epoch, image_config, false)
        }
        ExportSpec::Docker { dest, name, epoch } => {
            image::export_image(store, r, dest, name.as_deref(), *epoch, image_config, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_outputs() {
        assert_eq!(
            ExportSpec::parse("type=local,dest=out", None).unwrap(),
            ExportSpec::Local { dest: "out".into() }
        );
        assert_eq!(
            ExportSpec::parse("out", None).unwrap(),
            ExportSpec::Local { dest: "out".into() }
        );
        assert_eq!(
            ExportSpec::parse("type=docker,dest=i.tar,name=app:1", Some(5)).unwrap(),
            ExportSpec::Docker {
                dest: "i.tar".into(),
                name: Some("app:1".into()),
                epoch: Some(5)
            }
        );
        assert!(ExportSpec::parse("type=registry", None).is_err());
        assert!(ExportSpec::parse("type=tar", None).is_err());
    }
}
