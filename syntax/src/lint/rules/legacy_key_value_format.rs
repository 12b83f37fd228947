//! `LegacyKeyValueFormat`: Legacy key/value format with whitespace separator should not be used
//!
//! The rule value is [`LEGACY_KEY_VALUE_FORMAT`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks for `ENV` and `LABEL` written as `KEY value` (whitespace instead of `=`).

The legacy form takes everything after the key as the value, spaces included, and allows one
variable per line only; it is deprecated. Use `KEY=value` (quote values with spaces).

```dockerfile
FROM alpine
ENV DEBUG 1                 # reported
ENV DEBUG=1 MODE="a b"      # fine
```
"##
    };
}

#[doc = docs!()]
pub static LEGACY_KEY_VALUE_FORMAT: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "LegacyKeyValueFormat",
        description: "Legacy key/value format with whitespace separator should not be used",
        url: "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(instruction: &str) -> String {
    format!(
        "\"{instruction} key=value\" should be used instead of legacy \"{instruction} key value\" format"
    )
}
