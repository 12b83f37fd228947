//! Lint warnings through the gateway's `Warn` RPC, as the Dockerfile frontend sends them: level
//! 1, the short text `<Rule>: <message> (line N)`, the rule description as detail, the rule's
//! URL, the Dockerfile's SourceInfo and ranges, tied to the vertex that loaded the Dockerfile.

use llb::pb;

use super::client::BridgeClient;
use super::dockerfile::DockerfileSource;
use super::error::GatewayError;
use super::proto::bridge;

/// One lint finding.
#[derive(Debug, Clone, PartialEq)]
pub struct LintWarning {
    /// The rule, e.g. `FromAsCasing`.
    pub rule_name: String,
    /// The rule's description.
    pub description: String,
    /// The rule's documentation URL.
    pub url: String,
    /// The finding, e.g. `'as' and 'FROM' keywords' casing do not match`.
    pub message: String,
    /// Where in the Dockerfile.
    pub ranges: Vec<pb::Range>,
}

/// `linter.LintFormatShort`: `<rule>: <message>`, plus ` (line N)` when N > 0.
pub fn format_short(rule_name: &str, message: &str, line: i32) -> String {
    if line > 0 {
        format!("{rule_name}: {message} (line {line})")
    } else {
        format!("{rule_name}: {message}")
    }
}

/// The `WarnRequest` for one finding.
pub fn warn_request(src: &DockerfileSource, w: &LintWarning) -> bridge::WarnRequest {
    let line = w
        .ranges
        .first()
        .and_then(|r| r.start.as_ref())
        .map_or(0, |p| p.line);
    bridge::WarnRequest {
        digest: src.head.clone(),
        level: 1,
        short: format_short(&w.rule_name, &w.message, line).into_bytes(),
        detail: vec![w.description.clone().into_bytes()],
        url: w.url.clone(),
        info: Some(src.source_info()),
        ranges: w.ranges.clone(),
    }
}

/// Sends every finding.
pub async fn send_all(
    client: &BridgeClient,
    src: &DockerfileSource,
    warnings: &[LintWarning],
) -> Result<(), GatewayError> {
    for w in warnings {
        client.warn(warn_request(src, w)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_format() {
        assert_eq!(format_short("R", "m", 3), "R: m (line 3)");
        assert_eq!(format_short("R", "m", 0), "R: m");
    }
}
