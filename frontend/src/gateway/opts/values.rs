//! Value parsers for frontend options, with the texts of the Go functions they mirror:
//! `strconv` numbers and booleans, CSV lists (`csvvalue`), `add-hosts`, `ulimit`
//! (docker/go-units), resource limits, `cache-imports`, and `context:NAME` values.

use std::collections::BTreeMap;

use llb::pb;

use crate::convert::NamedContext;

use super::{CacheImport, FrontendOpts, OptsError};

/// The resource limit opts (`dockerui.parseLinuxResources`); `None` when none is set.
pub(super) fn parse_linux_resources(
    opts: &FrontendOpts,
) -> Result<Option<pb::LinuxResources>, OptsError> {
    let bad = |key: &str, v: &str, why: String| {
        OptsError::Resources(format!("invalid {key} value: {v}: {why}"))
    };
    let get = |key: &str| opts.get(key).filter(|v| !v.is_empty());
    let uint = |key: &str, v: &str| -> Result<u64, OptsError> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                key,
                v,
                format!("strconv.ParseUint: parsing {v:?}: invalid syntax"),
            ));
        }
        v.parse::<u64>().map_err(|_| {
            bad(
                key,
                v,
                format!("strconv.ParseUint: parsing {v:?}: value out of range"),
            )
        })
    };
    let mut r = pb::LinuxResources::default();
    if let Some(v) = get("memory") {
        r.memory = parse_go_int(v).map_err(|e| bad("memory", v, e))?;
        if r.memory <= 0 {
            return Err(bad("memory", v, "must be > 0".into()));
        }
    }
    if let Some(v) = get("memswap") {
        r.memory_swap = parse_go_int(v).map_err(|e| bad("memswap", v, e))?;
        if r.memory_swap < -1 || r.memory_swap == 0 {
            return Err(bad("memswap", v, "must be -1 (unlimited) or > 0".into()));
        }
    }
    if let Some(v) = get("cpushares") {
        r.cpu_shares = uint("cpushares", v)?;
        if r.cpu_shares == 0 {
            return Err(bad("cpushares", v, "must be > 0".into()));
        }
    }
    if let Some(v) = get("cpuperiod") {
        r.cpu_period = uint("cpuperiod", v)?;
        if r.cpu_period == 0 {
            return Err(bad("cpuperiod", v, "must be > 0".into()));
        }
    }
    if let Some(v) = get("cpuquota") {
        r.cpu_quota = parse_go_int(v).map_err(|e| bad("cpuquota", v, e))?;
        if r.cpu_quota <= 0 {
            return Err(bad("cpuquota", v, "must be > 0".into()));
        }
    }
    for (key, slot) in [
        ("cpusetcpus", &mut r.cpuset_cpus),
        ("cpusetmems", &mut r.cpuset_mems),
    ] {
        if let Some(v) = get(key) {
            validate_cpuset(v).map_err(|e| bad(key, v, e))?;
            *slot = v.to_string();
        }
    }
    Ok((r != pb::LinuxResources::default()).then_some(r))
}

/// A cpuset list: comma-separated CPU numbers or `a-b` ranges with `a <= b`.
pub(super) fn validate_cpuset(v: &str) -> Result<(), String> {
    for part in v.split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let num = |s: &str| {
            (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        match (num(a), num(b)) {
            (Some(x), Some(y)) if x <= y => {}
            _ => return Err(format!("invalid format: {v}")),
        }
    }
    Ok(())
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(v, 10, 64)`, with Go's error text.
pub(super) fn parse_go_int(v: &str) -> Result<i64, String> {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.ParseInt: parsing {v:?}: invalid syntax"));
    }
    v.parse::<i64>()
        .map_err(|_| format!("strconv.ParseInt: parsing {v:?}: value out of range"))
}

/// Splits one CSV record (RFC 4180 quoting with `""` escapes), as `csvvalue.Fields` does.
pub(super) fn csv_fields(v: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = v.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if at_field_start && c == '"' {
            at_field_start = false;
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        cur.push('"');
                    }
                    Some('"') => break,
                    Some(ch) => cur.push(ch),
                    None => return Err(format!("extraneous or missing \" in quoted-field: {v}")),
                }
            }
            match chars.peek() {
                None | Some(',') => {}
                Some(_) => return Err(format!("extraneous or missing \" in quoted-field: {v}")),
            }
            continue;
        }
        at_field_start = false;
        if c == ',' {
            fields.push(std::mem::take(&mut cur));
            at_field_start = true;
        } else if c == '"' {
            return Err(format!("bare \" in non-quoted-field: {v}"));
        } else {
            cur.push(c);
        }
    }
    fields.push(cur);
    Ok(fields)
}

pub(super) fn parse_extra_hosts(v: &str) -> Result<Vec<(String, String)>, OptsError> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for field in csv_fields(v).map_err(OptsError::AddHosts)? {
        let lower = field.to_lowercase();
        let Some((host, ip)) = lower.split_once('=') else {
            return Err(OptsError::AddHosts(format!(
                "invalid key-value pair {field}"
            )));
        };
        if ip.parse::<std::net::IpAddr>().is_err() {
            return Err(OptsError::AddHosts(format!("failed to parse IP {ip}")));
        }
        out.push((host.to_string(), ip.to_string()));
    }
    Ok(out)
}

const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// One `name=soft[:hard]` (docker/go-units `ParseUlimit`), normalised to `name=soft:hard`.
pub(super) fn parse_ulimit(field: &str) -> Result<String, String> {
    let Some((name, limits)) = field.split_once('=') else {
        return Err(format!("invalid ulimit argument: {field}"));
    };
    if !ULIMIT_NAMES.contains(&name) {
        return Err(format!("invalid ulimit type: {name}"));
    }
    let (soft, hard) = match limits.split_once(':') {
        Some((s, h)) => (parse_go_int(s)?, Some(parse_go_int(h)?)),
        None => (parse_go_int(limits)?, None),
    };
    let hard = hard.unwrap_or(soft);
    if hard != -1 && soft > hard {
        return Err(format!(
            "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        ));
    }
    Ok(format!("{name}={soft}:{hard}"))
}

pub(super) fn parse_ulimits(v: &str) -> Result<Vec<String>, OptsError> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    csv_fields(v)
        .map_err(OptsError::Ulimit)?
        .iter()
        .map(|f| parse_ulimit(f).map_err(OptsError::Ulimit))
        .collect()
}

pub(super) fn parse_cache_imports(opts: &FrontendOpts) -> Result<Vec<CacheImport>, OptsError> {
    let mut out = Vec::new();
    if let Some(v) = opts.get("cache-imports").filter(|v| !v.is_empty()) {
        let bad = |reason: String| OptsError::CacheImports {
            value: v.to_string(),
            reason,
        };
        let parsed: serde_json::Value = serde_json::from_str(v).map_err(|e| bad(e.to_string()))?;
        let entries = match parsed {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Null => Vec::new(),
            _ => return Err(bad("expected a JSON array".into())),
        };
        for entry in entries {
            let serde_json::Value::Object(obj) = entry else {
                return Err(bad("expected an array of objects".into()));
            };
            // Go's encoding/json matches field names case-insensitively.
            let field = |name: &str| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name));
            let kind = match field("type") {
                Some((_, serde_json::Value::String(s))) => s.clone(),
                None | Some((_, serde_json::Value::Null)) => String::new(),
                Some(_) => return Err(bad("Type must be a string".into())),
            };
            let mut attrs = BTreeMap::new();
            match field("attrs") {
                Some((_, serde_json::Value::Object(a))) => {
                    for (k, val) in a {
                        let serde_json::Value::String(s) = val else {
                            return Err(bad(format!("Attrs.{k} must be a string")));
                        };
                        attrs.insert(k.clone(), s.clone());
                    }
                }
                None | Some((_, serde_json::Value::Null)) => {}
                Some(_) => return Err(bad("Attrs must be an object".into())),
            }
            out.push(CacheImport { kind, attrs });
        }
    }
    if let Some(v) = opts.get("cache-from").filter(|v| !v.is_empty()) {
        for r in v.split(',') {
            out.push(CacheImport {
                kind: "registry".into(),
                attrs: BTreeMap::from([("ref".to_string(), r.to_string())]),
            });
        }
    }
    Ok(out)
}

/// Whether a context value is a git reference (dfgitutil's detection, simplified: `git://`,
/// `git@…`, `ssh://…`, or an http(s) URL ending in `.git` or with a `.git#` fragment).
pub(super) fn is_git_url(v: &str) -> bool {
    if v.starts_with("git://") || v.starts_with("git@") || v.starts_with("ssh://") {
        return true;
    }
    if v.starts_with("http://") || v.starts_with("https://") {
        let base = v.split(['#', '?']).next().unwrap_or(v);
        return base.ends_with(".git");
    }
    false
}

/// One `context:NAME` value.
pub fn parse_named_context(name: &str, value: &str) -> Result<NamedContext, OptsError> {
    let Some((scheme, rest)) = value.split_once(':') else {
        return Err(OptsError::NamedContext(format!(
            "invalid context specifier {value} for {name}"
        )));
    };
    let scheme = if scheme.starts_with("git@") {
        "git"
    } else {
        scheme
    };
    let ctx = match scheme {
        "docker-image" => NamedContext::Image(rest.trim_start_matches("//").to_string()),
        "git" => NamedContext::Git(value.to_string()),
        // Upstream's DetectGitContext: a git ref, even one with bad query parameters.
        "http" | "https" if crate::convert::is_git_context(value) => {
            NamedContext::Git(value.to_string())
        }
        "http" | "https" => NamedContext::Http(value.to_string()),
        "oci-layout" => {
            NamedContext::OciLayout(rest.strip_prefix("//").unwrap_or(rest).to_string())
        }
        "local" => NamedContext::Local(rest.to_string()),
        "input" => NamedContext::Input(rest.to_string()),
        other => {
            return Err(OptsError::NamedContext(format!(
                "unsupported context source {other} for {name}"
            )));
        }
    };
    Ok(ctx)
}

pub(super) fn parse_named_contexts(
    opts: &FrontendOpts,
) -> Result<BTreeMap<String, NamedContext>, OptsError> {
    opts.with_prefix("context:")
        .into_iter()
        .map(|(name, value)| Ok((name.clone(), parse_named_context(&name, &value)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_context_kinds() {
        let parse = |v: &str| parse_named_context("n", v);
        assert_eq!(
            parse("https://github.com/org/repo.git#main").unwrap(),
            NamedContext::Git("https://github.com/org/repo.git#main".into())
        );
        // A git URL with bad query parameters is still git (its error comes when loaded).
        assert_eq!(
            parse("https://h/r.git?x=1").unwrap(),
            NamedContext::Git("https://h/r.git?x=1".into())
        );
        assert_eq!(
            parse("https://example.com/ctx.tar").unwrap(),
            NamedContext::Http("https://example.com/ctx.tar".into())
        );
        assert_eq!(
            parse("git@github.com:org/repo.git").unwrap(),
            NamedContext::Git("git@github.com:org/repo.git".into())
        );
        assert_eq!(
            parse("oci-layout://store@sha256:abc").unwrap(),
            NamedContext::OciLayout("store@sha256:abc".into())
        );
        assert_eq!(
            parse("input:other").unwrap(),
            NamedContext::Input("other".into())
        );
        assert_eq!(
            parse("nocolon").unwrap_err().to_string(),
            "invalid context specifier nocolon for n"
        );
        assert_eq!(
            parse("ssh://host/repo").unwrap_err().to_string(),
            "unsupported context source ssh for n"
        );
    }

    #[test]
    fn csv_quotes() {
        assert_eq!(csv_fields(r#"a,"b,c",d"#).unwrap(), vec!["a", "b,c", "d"]);
        assert_eq!(csv_fields(r#""x""y""#).unwrap(), vec!["x\"y"]);
        assert!(csv_fields(r#""open"#).is_err());
    }
}
