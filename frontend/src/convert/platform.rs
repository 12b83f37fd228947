//! Platforms: the build/target platform options (upstream's `platformOpt`), the automatic
//! platform ARGs (`BUILDPLATFORM`, `TARGETOS`, …), and formatting as containerd does.

use llb::state::{EnvList, Platform};

use super::api::{self, ConvertOptions};
use super::env::KeyedEnv;

/// The platforms of a conversion (upstream's `platformOpt`).
#[derive(Debug, Clone)]
pub(crate) struct PlatformOpt {
    /// What the result is built for.
    pub target: Platform,
    /// The worker's platforms; the first is the build platform.
    pub build: Vec<Platform>,
    /// No target platform was requested (the build platform is used).
    pub implicit_target: bool,
}

impl PlatformOpt {
    /// Upstream's `buildPlatformOpt`.
    pub fn new(opts: &ConvertOptions) -> PlatformOpt {
        let requested = opts.target_platforms.first().map(to_llb);
        let mut build: Vec<Platform> = opts.build_platforms.iter().map(to_llb).collect();
        if build.is_empty() {
            build = match &requested {
                Some(t) => vec![t.clone()],
                None => vec![Platform::linux_amd64()],
            };
        }
        let implicit_target = requested.is_none();
        let target = requested.unwrap_or_else(|| build[0].clone());
        PlatformOpt {
            target,
            build,
            implicit_target,
        }
    }

    /// Upstream's `defaultArgs`: the platform ARGs and TARGETSTAGE, build args overriding.
    pub fn default_args(
        &self,
        overrides: &std::collections::BTreeMap<String, String>,
        target: &str,
    ) -> EnvList {
        let bp = &self.build[0];
        let tp = &self.target;
        let target = if target.is_empty() { "default" } else { target };
        let values = [
            ("BUILDPLATFORM", bp.to_string()),
            ("BUILDOS", bp.os.clone()),
            ("BUILDOSVERSION", bp.os_version.clone()),
            ("BUILDARCH", bp.architecture.clone()),
            ("BUILDVARIANT", bp.variant.clone()),
            ("TARGETPLATFORM", format_all(tp)),
            ("TARGETOS", tp.os.clone()),
            ("TARGETOSVERSION", tp.os_version.clone()),
            ("TARGETARCH", tp.architecture.clone()),
            ("TARGETVARIANT", tp.variant.clone()),
            ("TARGETSTAGE", target.to_string()),
        ];
        let mut env = EnvList::new();
        for (k, v) in values {
            let v = overrides.get(k).cloned().unwrap_or(v);
            env.add_or_replace(k, &v);
        }
        env
    }
}

/// The API platform as an LLB platform (normalized).
pub(crate) fn to_llb(p: &api::Platform) -> Platform {
    Platform {
        os: p.os.clone(),
        architecture: p.architecture.clone(),
        variant: p.variant.clone(),
        os_version: p.os_version.clone(),
        os_features: Vec::new(),
    }
    .normalize()
}

/// The LLB platform as an API platform.
pub(crate) fn to_api(p: &Platform) -> api::Platform {
    api::Platform {
        os: p.os.clone(),
        architecture: p.architecture.clone(),
        variant: p.variant.clone(),
        os_version: p.os_version.clone(),
    }
}

/// containerd's `platforms.FormatAll`: like `Format`, with `(osversion+features)` after the
/// OS when set.
pub(crate) fn format_all(p: &Platform) -> String {
    if p.os.is_empty() {
        return "unknown".to_string();
    }
    if p.os_version.is_empty() && p.os_features.is_empty() {
        return p.to_string();
    }
    let mut os = p.os.clone();
    let osv = encode_os_option(&p.os_version);
    let mut features: Vec<&String> = p.os_features.iter().filter(|f| !f.is_empty()).collect();
    features.sort();
    features.dedup();
    let formatted: Vec<String> = features.iter().map(|f| encode_os_option(f)).collect();
    let formatted = formatted.join("+");
    if !osv.is_empty() || !formatted.is_empty() {
        os.push('(');
        os.push_str(&osv);
        if !formatted.is_empty() {
            os.push('+');
            os.push_str(&formatted);
        }
        os.push(')');
    }
    let parts: Vec<&str> = [os.as_str(), &p.architecture, &p.variant]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    parts.join("/")
}

fn encode_os_option(v: &str) -> String {
    v.replace('%', "%25")
        .replace('+', "%2B")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('/', "%2F")
}

/// containerd's `platforms.Parse`, with its error texts for malformed specifiers.
pub(crate) fn parse_platform(specifier: &str) -> Result<Platform, String> {
    use super::history::go_quote;
    const OS_RE: &str = r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$";
    const SPECIFIER_RE: &str = "^[A-Za-z0-9_.-]+$";
    if specifier.contains('*') {
        return Err(format!(
            "{}: wildcards not yet supported: invalid argument",
            go_quote(specifier)
        ));
    }
    let plain = |s: &str, extra: &[char]| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || extra.contains(&c))
    };
    let os_ok = |part: &str| {
        let (name, rest) = match part.find('(') {
            Some(i) => (&part[..i], Some(&part[i..])),
            None => (part, None),
        };
        if name.is_empty() || !plain(name, &[]) {
            return false;
        }
        let Some(rest) = rest else {
            return true;
        };
        let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
            return false;
        };
        let mut it = inner.split('+');
        it.next().is_some_and(|v| plain(v, &['.', '%']))
            && it.all(|f| !f.is_empty() && plain(f, &['.', '%']))
    };
    for (i, part) in specifier.splitn(4, '/').enumerate() {
        if i == 0 {
            if !os_ok(part) {
                return Err(format!(
                    "{} is an invalid OS component of {}: OSAndVersion specifier component must match {}: invalid argument",
                    go_quote(part),
                    go_quote(specifier),
                    go_quote(OS_RE)
                ));
            }
        } else if part.is_empty() || !plain(part, &['.']) {
            return Err(format!(
                "{} is an invalid component of {}: platform specifier component must match {}: invalid argument",
                go_quote(part),
                go_quote(specifier),
                go_quote(SPECIFIER_RE)
            ));
        }
    }
    Platform::parse(specifier).map_err(|e| e.to_string())
}

/// Upstream's `platformFromEnv`: the platform the TARGET* variables of `env` describe.
pub(crate) fn platform_from_env(env: &dyn KeyedEnv) -> Option<Platform> {
    let mut p = Platform::default();
    let mut set = false;
    for key in env.keys() {
        match key.as_str() {
            "TARGETPLATFORM" => {
                let v = env.get(&key).unwrap_or_default();
                match parse_platform(&v) {
                    Ok(p) => return Some(p),
                    Err(_) => continue,
                }
            }
            "TARGETOS" => {
                p.os = env.get(&key).unwrap_or_default();
                set = true;
            }
            "TARGETARCH" => {
                p.architecture = env.get(&key).unwrap_or_default();
                set = true;
            }
            "TARGETVARIANT" => {
                p.variant = env.get(&key).unwrap_or_default();
                set = true;
            }
            _ => {}
        }
    }
    set.then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_os_version() {
        let mut p = Platform::new("windows", "amd64");
        assert_eq!(format_all(&p), "windows/amd64");
        p.os_version = "10.0.17763.1".into();
        assert_eq!(format_all(&p), "windows(10.0.17763.1)/amd64");
    }
}
