//! Image references with Docker Hub naming: `busybox` means
//! `docker.io/library/busybox:latest`.

/// A parsed, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (`docker.io`, `127.0.0.1:5000`).
    pub registry: String,
    /// Repository path (`library/busybox`).
    pub repository: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// Digest, if any.
    pub digest: Option<String>,
}

/// A reference that does not parse.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid reference format: {0}")]
pub struct RefError(pub String);

impl ImageRef {
    /// Parses and normalizes a reference.
    pub fn parse(s: &str) -> Result<ImageRef, RefError> {
        let err = || RefError(s.to_string());
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) {
            return Err(err());
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !d.starts_with("sha256:") || d.len() != 71 {
                    return Err(err());
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i + 1..].contains('/') => {
                (&rest[..i], Some(rest[i + 1..].to_string()))
            }
            _ => (rest, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return Err(err());
        }
        let (registry, repo) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            "docker.io".to_string()
        } else {
            registry
        };
        let repository = if registry == "docker.io" && !repo.contains('/') {
            format!("library/{repo}")
        } else {
            repo
        };
        if repository
            .chars()
            .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c)))
        {
            return Err(err());
        }
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The reference to ask the registry for: digest if pinned, else tag.
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_naming() {
        let r = ImageRef::parse("busybox").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/busybox:latest");
        let r = ImageRef::parse("user/app:1.2").unwrap();
        assert_eq!(r.to_string(), "docker.io/user/app:1.2");
        let r = ImageRef::parse("index.docker.io/library/alpine:3").unwrap();
        assert_eq!(r.name(), "docker.io/library/alpine");
    }

    #[test]
    fn hosts_ports_and_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = ImageRef::parse(&format!("127.0.0.1:5000/busybox:local@{d}")).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "busybox");
        assert_eq!(r.tag.as_deref(), Some("local"));
        assert_eq!(r.reference(), d);
        let r = ImageRef::parse("localhost/x").unwrap();
        assert_eq!(r.registry, "localhost");
        assert!(ImageRef::parse("Bad/Name").is_err());
        assert!(ImageRef::parse("x@sha256:short").is_err());
        assert!(ImageRef::parse("x:").is_err());
    }
}
