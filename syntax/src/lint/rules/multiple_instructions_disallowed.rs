//! `MultipleInstructionsDisallowed`: Multiple instructions of the same type should not be used in the same stage
//!
//! The rule value is [`MULTIPLE_INSTRUCTIONS_DISALLOWED`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks for more than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK` in a stage.

Only the last one of each takes effect, so the earlier ones are dead code. The finding points
at the earlier (ignored) instruction. A stage built `FROM` another stage may set its own.

```dockerfile
FROM alpine
CMD ["echo", "one"]   # reported: only the next CMD is used
CMD ["echo", "two"]
```
"##
    };
}

#[doc = docs!()]
pub static MULTIPLE_INSTRUCTIONS_DISALLOWED: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "MultipleInstructionsDisallowed",
        description: "Multiple instructions of the same type should not be used in the same stage",
        url: "https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(instruction: &str) -> String {
    format!(
        "Multiple {instruction} instructions should not be used in the same stage because only the last one will be used"
    )
}
