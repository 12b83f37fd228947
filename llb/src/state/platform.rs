//! [`Platform`]: the OS/architecture an op runs for, normalized the way
//! containerd's `platforms.Normalize` does (BuildKit stores only normalized
//! platforms in a State, and op digests contain them).

use std::fmt;

use crate::pb;

use super::path;

/// An OCI platform (`ocispecs.Platform`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    /// Operating system, e.g. `linux`.
    pub os: String,
    /// CPU architecture, e.g. `amd64`.
    pub architecture: String,
    /// Architecture variant, e.g. `v7`.
    pub variant: String,
    /// OS version (Windows).
    pub os_version: String,
    /// Required OS features (Windows).
    pub os_features: Vec<String>,
}

/// Why a platform specifier does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// A single element that is neither a known OS nor a known architecture.
    #[error("{0:?}: unknown operating system or architecture: invalid argument")]
    Unknown(String),
    /// More than three elements, or an empty one.
    #[error("{0:?}: cannot parse platform specifier: invalid argument")]
    Malformed(String),
}

impl Platform {
    /// A platform from OS and architecture, normalized.
    pub fn new(os: &str, architecture: &str) -> Platform {
        Platform {
            os: os.to_string(),
            architecture: architecture.to_string(),
            ..Platform::default()
        }
        .normalize()
    }

    /// `linux/amd64`.
    pub fn linux_amd64() -> Platform {
        Platform::new("linux", "amd64")
    }

    /// `linux/arm64`.
    pub fn linux_arm64() -> Platform {
        Platform::new("linux", "arm64")
    }

    /// The platform this process runs on (Go's `platforms.DefaultSpec()`).
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86" => "386",
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "powerpc64" => "ppc64",
            other => other,
        };
        Platform::new(std::env::consts::OS, arch)
    }

    /// A copy with the given variant, normalized.
    pub fn with_variant(mut self, variant: &str) -> Platform {
        self.variant = variant.to_string();
        self.normalize()
    }

    /// containerd's `platforms.Normalize`: lowercase OS (`macos` →
    /// `darwin`, empty → host OS), canonical architecture and variant
    /// (`x86_64` → `amd64`, `aarch64` → `arm64`, `armhf` → `arm`/`v7`, …),
    /// OS features sorted and deduplicated.
    pub fn normalize(mut self) -> Platform {
        self.os = normalize_os(&self.os);
        let (arch, variant) = normalize_arch(&self.architecture, &self.variant);
        self.architecture = arch;
        self.variant = variant;
        if !self.os_features.is_empty() {
            self.os_features.sort();
            self.os_features.dedup();
        }
        self
    }

    /// Parses `os[/arch[/variant]]` or a lone OS or architecture, like
    /// containerd's `platforms.Parse` (without the `os(version)` form).
    pub fn parse(specifier: &str) -> Result<Platform, PlatformError> {
        let parts: Vec<&str> = specifier.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) || parts.len() > 3 {
            return Err(PlatformError::Malformed(specifier.to_string()));
        }
        let host = Platform::host();
        let os = normalize_os(parts[0]);
        match parts.len() {
            1 if is_known_os(&os) => Ok(Platform {
                os,
                architecture: host.architecture,
                variant: host.variant,
                ..Platform::default()
            }),
            1 => {
                let (arch, mut variant) = normalize_arch(parts[0], "");
                if arch == "arm" && variant == "v7" {
                    variant.clear();
                }
                if !is_known_arch(&arch) {
                    return Err(PlatformError::Unknown(specifier.to_string()));
                }
                Ok(Platform {
                    os: host.os,
                    architecture: arch,
                    variant,
                    ..Platform::default()
                })
            }
            2 => {
                let (arch, mut variant) = normalize_arch(parts[1], "");
                if arch == "arm" && variant == "v7" {
                    variant.clear();
                }
                Ok(Platform {
                    os,
                    architecture: arch,
                    variant,
                    ..Platform::default()
                })
            }
            _ => {
                let (arch, mut variant) = normalize_arch(parts[1], parts[2]);
                if arch == "arm64" && variant.is_empty() {
                    variant = "v8".to_string();
                }
                Ok(Platform {
                    os,
                    architecture: arch,
                    variant,
                    ..Platform::default()
                })
            }
        }
    }

    /// The `pb.Platform` written into ops.
    pub fn to_pb(&self) -> pb::Platform {
        pb::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
        }
    }

    /// The platform of a `pb.Platform`.
    pub fn from_pb(p: &pb::Platform) -> Platform {
        Platform {
            os: p.os.clone(),
            architecture: p.architecture.clone(),
            variant: p.variant.clone(),
            os_version: p.os_version.clone(),
            os_features: p.os_features.clone(),
        }
    }
}

/// containerd's `platforms.Format`: `os/arch[/variant]`, or `unknown`.
impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.os.is_empty() {
            return f.write_str("unknown");
        }
        f.write_str(&path::join(&[&self.os, &self.architecture, &self.variant]))
    }
}

fn normalize_os(os: &str) -> String {
    if os.is_empty() {
        return std::env::consts::OS.to_string();
    }
    let os = os.to_lowercase();
    if os == "macos" {
        "darwin".to_string()
    } else {
        os
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_lowercase();
    let variant = variant.to_lowercase();
    let (a, v): (&str, String) = match arch.as_str() {
        "i386" => ("386", String::new()),
        "x86_64" | "x86-64" | "amd64" => {
            let v = if variant == "v1" {
                String::new()
            } else {
                variant
            };
            ("amd64", v)
        }
        "aarch64" | "arm64" => {
            let v = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".to_string(),
                _ => variant,
            };
            ("arm64", v)
        }
        "armhf" => ("arm", "v7".to_string()),
        "armel" => ("arm", "v6".to_string()),
        "arm" => {
            let v = match variant.as_str() {
                "" | "7" => "v7".to_string(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm", v)
        }
        _ => return (arch, variant),
    };
    (a.to_string(), v)
}

fn is_known_os(os: &str) -> bool {
    matches!(
        os,
        "aix"
            | "android"
            | "darwin"
            | "dragonfly"
            | "freebsd"
            | "hurd"
            | "illumos"
            | "ios"
            | "js"
            | "linux"
            | "nacl"
            | "netbsd"
            | "openbsd"
            | "plan9"
            | "solaris"
            | "windows"
            | "zos"
    )
}

fn is_known_arch(arch: &str) -> bool {
    matches!(
        arch,
        "386"
            | "amd64"
            | "amd64p32"
            | "arm"
            | "armbe"
            | "arm64"
            | "arm64be"
            | "ppc64"
            | "ppc64le"
            | "loong64"
            | "mips"
            | "mipsle"
            | "mips64"
            | "mips64le"
            | "mips64p32"
            | "mips64p32le"
            | "ppc"
            | "riscv"
            | "riscv64"
            | "s390"
            | "s390x"
            | "sparc"
            | "sparc64"
            | "wasm"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_containerd() {
        let p = Platform {
            os: "Linux".into(),
            architecture: "x86_64".into(),
            ..Platform::default()
        }
        .normalize();
        assert_eq!(p, Platform::linux_amd64());
        assert_eq!(
            Platform::new("linux", "aarch64").with_variant("v8"),
            Platform::linux_arm64()
        );
        let armhf = Platform::new("linux", "armhf");
        assert_eq!(
            (armhf.architecture.as_str(), armhf.variant.as_str()),
            ("arm", "v7")
        );
        assert_eq!(Platform::new("linux", "arm").variant, "v7");
    }

    #[test]
    fn parses_and_formats() {
        assert_eq!(
            Platform::parse("linux/amd64").unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("linux/arm/v7").unwrap().to_string(),
            "linux/arm/v7"
        );
        assert_eq!(
            Platform::parse("linux/arm").unwrap().to_string(),
            "linux/arm"
        );
        assert_eq!(
            Platform::parse("linux/arm64/v8").unwrap().to_string(),
            "linux/arm64/v8"
        );
        assert!(Platform::parse("nope").is_err());
        assert!(Platform::parse("a/b/c/d").is_err());
        assert_eq!(Platform::default().to_string(), "unknown");
    }
}
