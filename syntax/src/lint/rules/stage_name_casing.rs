//! `StageNameCasing`: Stage names should be lowercase
//!
//! The rule value is [`STAGE_NAME_CASING`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks that the name given to a build stage with `FROM … AS name` is written in lower case.

Stage names are matched case-insensitively and stored lower-cased, so `AS BuildEnv` and
`AS buildenv` name the same stage. Writing them in lower case keeps references such as
`COPY --from=` and `--target` looking like the name they resolve to, and keeps identifiers
visually distinct from instruction keywords.

Reported at parse time, on the `FROM` line, with the name as written.

```dockerfile
# reported: Stage name 'BuildEnv' should be lowercase
FROM alpine AS BuildEnv

# fine
FROM alpine AS build-env
```
"##
    };
}

#[doc = docs!()]
pub static STAGE_NAME_CASING: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "StageNameCasing",
        description: "Stage names should be lowercase",
        url: "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(stage_name: &str) -> String {
    format!("Stage name '{stage_name}' should be lowercase")
}
