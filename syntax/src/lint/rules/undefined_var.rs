//! `UndefinedVar`: Variables should be defined before their use
//!
//! The rule value is [`UNDEFINED_VAR`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format2, Rule, RuleMeta, suggested};

macro_rules! docs {
    () => {
        r##"Checks that a variable expanded by the builder is defined at that point: by the base image's
environment, an earlier `ENV`, or an `ARG` of the stage (a global `ARG` must be redeclared in
the stage to be visible).

Only expansions the builder performs are checked (`ENV`, `LABEL`, `ARG` defaults, `COPY`/`ADD`
paths and flags, `WORKDIR`, `USER`, `VOLUME`, `STOPSIGNAL`, `RUN --mount` options). Commands
in shell form are expanded by the shell at run time and are not checked. A close defined name
is suggested; the second formatter argument is that suggestion (empty for none).

```dockerfile
FROM alpine
ENV PATH=$PAHT:/opt/bin   # reported: Usage of undefined variable '$PAHT' (did you mean $PATH?)
ARG VERSION
COPY app-$VERSION /app    # fine: declared (possibly empty)
```
"##
    };
}

#[doc = docs!()]
pub static UNDEFINED_VAR: Rule<Format2> = Rule {
    meta: RuleMeta {
        name: "UndefinedVar",
        description: "Variables should be defined before their use",
        url: "https://docs.docker.com/go/dockerfile/rule/undefined-var/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(var: &str, suggestion: &str) -> String {
    suggested(
        format!("Usage of undefined variable '${var}'"),
        suggestion,
        "$",
    )
}
