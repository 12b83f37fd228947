//! Platform specifiers as containerd's `platforms` package reads and writes them:
//! `os[(osversion)][/arch[/variant]]`, normalised (`x86_64` → `amd64`, `arm` → `arm/v7`, …),
//! and the `FormatAll` form BuildKit uses as the key of per-platform results.

use crate::convert::Platform;
use llb::pb;

/// Why a platform specifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// Neither a known OS nor a known architecture.
    #[error("{0:?}: unknown operating system or architecture: invalid argument")]
    Unknown(String),
    /// Wrong number of components, wildcards or a malformed `os(version)`.
    #[error("{0:?}: cannot parse platform specifier: invalid argument")]
    Malformed(String),
}

const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The platform this binary runs on (Go's `platforms.DefaultSpec()`), normalised.
pub fn host() -> Platform {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "arm" => "arm",
        other => other,
    };
    normalize(Platform {
        os: std::env::consts::OS.to_string(),
        architecture: arch.to_string(),
        variant: String::new(),
        os_version: String::new(),
    })
}

/// Parses a specifier such as `linux/arm64`, `arm64`, `linux/arm/v7` or
/// `windows(10.0.17763)/amd64`, and normalises it. One component is an OS when it names a known
/// OS (the host architecture is then used), else an architecture on the host OS.
pub fn parse(spec: &str) -> Result<Platform, PlatformError> {
    if spec.contains('*') {
        return Err(PlatformError::Malformed(spec.to_string()));
    }
    let parts: Vec<&str> = spec.split('/').collect();
    let (os_part, arch, variant) = match parts.as_slice() {
        [one] => {
            let (os, version) = split_os_version(one, spec)?;
            let os = normalize_os(&os);
            if KNOWN_OS.contains(&os.as_str()) {
                let h = host();
                return Ok(normalize(Platform {
                    os,
                    architecture: h.architecture,
                    variant: h.variant,
                    os_version: version,
                }));
            }
            let (arch, variant) = normalize_arch(one, "");
            if KNOWN_ARCH.contains(&arch.as_str()) {
                return Ok(normalize(Platform {
                    os: host().os,
                    architecture: arch,
                    variant,
                    os_version: String::new(),
                }));
            }
            return Err(PlatformError::Unknown(spec.to_string()));
        }
        [os, arch] => (*os, *arch, ""),
        [os, arch, variant] => (*os, *arch, *variant),
        _ => return Err(PlatformError::Malformed(spec.to_string())),
    };
    let (os, version) = split_os_version(os_part, spec)?;
    let os = normalize_os(&os);
    let (arch, variant) = normalize_arch(arch, variant);
    if !KNOWN_OS.contains(&os.as_str()) || !KNOWN_ARCH.contains(&arch.as_str()) {
        return Err(PlatformError::Unknown(spec.to_string()));
    }
    Ok(Platform {
        os,
        architecture: arch,
        variant,
        os_version: version,
    })
}

/// Parses a comma-separated list of specifiers (the `platform` opt).
pub fn parse_list(list: &str) -> Result<Vec<Platform>, (String, PlatformError)> {
    list.split(',')
        .map(|one| parse(one).map_err(|e| (one.to_string(), e)))
        .collect()
}

fn split_os_version(part: &str, spec: &str) -> Result<(String, String), PlatformError> {
    match part.find('(') {
        None => Ok((part.to_string(), String::new())),
        Some(open) => {
            let rest = &part[open + 1..];
            let Some(version) = rest.strip_suffix(')') else {
                return Err(PlatformError::Malformed(spec.to_string()));
            };
            if version.is_empty() || version.contains(['(', ')']) {
                return Err(PlatformError::Malformed(spec.to_string()));
            }
            Ok((part[..open].to_string(), version.to_string()))
        }
    }
}

fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".to_string()
    } else {
        os
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => (
            "amd64".into(),
            if variant == "v1" {
                String::new()
            } else {
                variant
            },
        ),
        "aarch64" | "arm64" => (
            "arm64".into(),
            if matches!(variant.as_str(), "8" | "v8" | "v8.0") {
                String::new()
            } else {
                variant
            },
        ),
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let v = match variant.as_str() {
                "" | "7" => "v7".to_string(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm".into(), v)
        }
        _ => (arch, variant),
    }
}

/// Normalises OS and architecture names and the variant (containerd's `Normalize`).
pub fn normalize(p: Platform) -> Platform {
    let os = normalize_os(&p.os);
    let (architecture, variant) = normalize_arch(&p.architecture, &p.variant);
    Platform {
        os,
        architecture,
        variant,
        os_version: p.os_version,
    }
}

/// containerd's `FormatAll`: `os[(osversion)]/arch[/variant]`; the key of per-platform results.
pub fn format_all(p: &Platform) -> String {
    let mut s = p.os.clone();
    if !p.os_version.is_empty() {
        s.push('(');
        s.push_str(&p.os_version);
        s.push(')');
    }
    s.push('/');
    s.push_str(&p.architecture);
    if !p.variant.is_empty() {
        s.push('/');
        s.push_str(&p.variant);
    }
    s
}

/// The LLB form of a platform.
pub fn to_pb(p: &Platform) -> pb::Platform {
    pb::Platform {
        architecture: p.architecture.clone(),
        os: p.os.clone(),
        variant: p.variant.clone(),
        os_version: p.os_version.clone(),
        ..Default::default()
    }
}

/// A platform from its LLB form (OS features are dropped).
pub fn from_pb(p: &pb::Platform) -> Platform {
    Platform {
        os: p.os.clone(),
        architecture: p.architecture.clone(),
        variant: p.variant.clone(),
        os_version: p.os_version.clone(),
    }
}

/// The OCI JSON object of a platform, with Go's field order and `omitempty` rules:
/// `architecture`, `os`, `os.version`?, `variant`?.
pub fn oci_json(p: &Platform) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("architecture".into(), p.architecture.clone().into());
    m.insert("os".into(), p.os.clone().into());
    if !p.os_version.is_empty() {
        m.insert("os.version".into(), p.os_version.clone().into());
    }
    if !p.variant.is_empty() {
        m.insert("variant".into(), p.variant.clone().into());
    }
    serde_json::Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(os: &str, arch: &str, variant: &str) -> Platform {
        Platform {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.into(),
            os_version: String::new(),
        }
    }

    #[test]
    fn parses_and_normalises_like_containerd() {
        assert_eq!(parse("linux/amd64"), Ok(p("linux", "amd64", "")));
        assert_eq!(parse("linux/x86_64"), Ok(p("linux", "amd64", "")));
        assert_eq!(parse("linux/arm"), Ok(p("linux", "arm", "v7")));
        assert_eq!(parse("linux/arm/6"), Ok(p("linux", "arm", "v6")));
        assert_eq!(parse("linux/arm64/v8"), Ok(p("linux", "arm64", "")));
        assert_eq!(parse("Linux/AARCH64"), Ok(p("linux", "arm64", "")));
        assert_eq!(parse("linux/armhf"), Ok(p("linux", "arm", "v7")));
        assert_eq!(parse("arm64"), Ok(p(&host().os, "arm64", "")));
        assert_eq!(parse("linux").map(|x| x.os), Ok("linux".to_string()));
        let w = parse("windows(10.0.17763)/amd64").unwrap();
        assert_eq!(w.os_version, "10.0.17763");
        assert_eq!(format_all(&w), "windows(10.0.17763)/amd64");
    }

    #[test]
    fn refuses_bad_specifiers_with_containerd_messages() {
        assert_eq!(
            parse("linux/foo").unwrap_err().to_string(),
            "\"linux/foo\": unknown operating system or architecture: invalid argument"
        );
        assert_eq!(
            parse("a/b/c/d").unwrap_err().to_string(),
            "\"a/b/c/d\": cannot parse platform specifier: invalid argument"
        );
        assert!(parse("").is_err());
        assert!(parse("linux/*").is_err());
        assert!(parse("windows(/amd64").is_err());
    }

    #[test]
    fn formats_result_keys() {
        assert_eq!(format_all(&p("linux", "arm", "v7")), "linux/arm/v7");
        assert_eq!(format_all(&p("linux", "amd64", "")), "linux/amd64");
        assert_eq!(
            oci_json(&p("linux", "arm", "v7")).to_string(),
            r#"{"architecture":"arm","os":"linux","variant":"v7"}"#
        );
    }

    #[test]
    fn parses_lists() {
        let l = parse_list("linux/amd64,linux/arm64").unwrap();
        assert_eq!(l.len(), 2);
        assert!(parse_list("linux/amd64,bogus").is_err());
    }
}
