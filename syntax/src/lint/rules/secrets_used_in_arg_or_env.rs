//! `SecretsUsedInArgOrEnv`: Sensitive data should not be used in the ARG or ENV commands
//!
//! The rule value is [`SECRETS_USED_IN_ARG_OR_ENV`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format2, Rule, RuleMeta};
use crate::shell::gocompat::quote::go_quote;

macro_rules! docs {
    () => {
        r##"Checks `ARG` and `ENV` names that look like they hold a secret.

Build arguments and environment variables end up in the image config and its history, where
anyone with the image can read them. Pass secrets with `RUN --mount=type=secret` instead.

A name is suspicious when one of its `_`-separated words (case-insensitively, at the start or
end of the name or between underscores) is `apikey`, `auth`, `credential(s)`, `key`,
`password`, `pword`, `passwd`, `secret` or `token` — unless a word is also `public`, `file` or
`version`.

```dockerfile
FROM alpine
ARG GITHUB_TOKEN        # reported
ENV PUBLIC_KEY=abc      # fine
ARG PASSWORD_FILE       # fine
```
"##
    };
}

#[doc = docs!()]
pub static SECRETS_USED_IN_ARG_OR_ENV: Rule<Format2> = Rule {
    meta: RuleMeta {
        name: "SecretsUsedInArgOrEnv",
        description: "Sensitive data should not be used in the ARG or ENV commands",
        url: "https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(instruction: &str, key: &str) -> String {
    format!(
        "Do not use ARG or ENV instructions for sensitive data ({instruction} {})",
        go_quote(key)
    )
}
