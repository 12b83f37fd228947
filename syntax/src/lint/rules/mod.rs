//! The rule registry: one module per rule, each holding the rule value (name, description,
//! URL, flags, detail formatter) whose rustdoc is the rule's documentation.

mod consistent_instruction_casing;
mod copy_ignored_file;
mod duplicate_stage_name;
mod expose_invalid_format;
mod expose_proto_casing;
mod from_as_casing;
mod from_platform_flag_const_disallowed;
mod invalid_base_image_platform;
mod invalid_default_arg_in_from;
mod invalid_definition_description;
mod json_args_recommended;
mod legacy_key_value_format;
mod maintainer_deprecated;
mod multiple_instructions_disallowed;
mod no_empty_continuation;
mod redundant_target_platform;
mod reserved_stage_name;
mod secrets_used_in_arg_or_env;
mod stage_name_casing;
mod undefined_arg_in_from;
mod undefined_var;
mod workdir_relative_path;

pub use consistent_instruction_casing::CONSISTENT_INSTRUCTION_CASING;
pub use copy_ignored_file::COPY_IGNORED_FILE;
pub use duplicate_stage_name::DUPLICATE_STAGE_NAME;
pub use expose_invalid_format::EXPOSE_INVALID_FORMAT;
pub use expose_proto_casing::EXPOSE_PROTO_CASING;
pub use from_as_casing::FROM_AS_CASING;
pub use from_platform_flag_const_disallowed::FROM_PLATFORM_FLAG_CONST_DISALLOWED;
pub use invalid_base_image_platform::INVALID_BASE_IMAGE_PLATFORM;
pub use invalid_default_arg_in_from::INVALID_DEFAULT_ARG_IN_FROM;
pub use invalid_definition_description::INVALID_DEFINITION_DESCRIPTION;
pub use json_args_recommended::JSON_ARGS_RECOMMENDED;
pub use legacy_key_value_format::LEGACY_KEY_VALUE_FORMAT;
pub use maintainer_deprecated::MAINTAINER_DEPRECATED;
pub use multiple_instructions_disallowed::MULTIPLE_INSTRUCTIONS_DISALLOWED;
pub use no_empty_continuation::NO_EMPTY_CONTINUATION;
pub use redundant_target_platform::REDUNDANT_TARGET_PLATFORM;
pub use reserved_stage_name::RESERVED_STAGE_NAME;
pub use secrets_used_in_arg_or_env::SECRETS_USED_IN_ARG_OR_ENV;
pub use stage_name_casing::STAGE_NAME_CASING;
pub use undefined_arg_in_from::UNDEFINED_ARG_IN_FROM;
pub use undefined_var::UNDEFINED_VAR;
pub use workdir_relative_path::WORKDIR_RELATIVE_PATH;

use super::rule::RuleMeta;

/// Every rule, in upstream's ruleset order.
pub static ALL: [&RuleMeta; 22] = [
    &STAGE_NAME_CASING.meta,
    &FROM_AS_CASING.meta,
    &NO_EMPTY_CONTINUATION.meta,
    &CONSISTENT_INSTRUCTION_CASING.meta,
    &DUPLICATE_STAGE_NAME.meta,
    &RESERVED_STAGE_NAME.meta,
    &JSON_ARGS_RECOMMENDED.meta,
    &MAINTAINER_DEPRECATED.meta,
    &UNDEFINED_ARG_IN_FROM.meta,
    &WORKDIR_RELATIVE_PATH.meta,
    &UNDEFINED_VAR.meta,
    &MULTIPLE_INSTRUCTIONS_DISALLOWED.meta,
    &LEGACY_KEY_VALUE_FORMAT.meta,
    &INVALID_BASE_IMAGE_PLATFORM.meta,
    &REDUNDANT_TARGET_PLATFORM.meta,
    &SECRETS_USED_IN_ARG_OR_ENV.meta,
    &INVALID_DEFAULT_ARG_IN_FROM.meta,
    &FROM_PLATFORM_FLAG_CONST_DISALLOWED.meta,
    &COPY_IGNORED_FILE.meta,
    &INVALID_DEFINITION_DESCRIPTION.meta,
    &EXPOSE_PROTO_CASING.meta,
    &EXPOSE_INVALID_FORMAT.meta,
];

/// The rule named `name` (exact, case-sensitive as in `# check=` options).
pub fn find(name: &str) -> Option<&'static RuleMeta> {
    ALL.iter().copied().find(|r| r.name == name)
}

/// The rule named `name`, ignoring ASCII case (for `--explain`).
pub fn find_ignore_case(name: &str) -> Option<&'static RuleMeta> {
    ALL.iter()
        .copied()
        .find(|r| r.name.eq_ignore_ascii_case(name))
}
