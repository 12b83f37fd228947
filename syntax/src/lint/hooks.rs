//! The conversion-time checks: one function per place where upstream's converter reports a
//! rule. The Dockerfile compiler calls these with what it has computed; each function
//! applies the rule's condition and reports through a [`Reporter`] — the [`Linter`], or the
//! [`LintScope`] of the instruction being dispatched (`linter.scope(&cmd.meta().comments)`,
//! upstream's per-instruction `# check=` comments).
//!
//! `/work/notes/lint-hooks.md` lists where each is called, in upstream's order.

use std::collections::BTreeSet;

use super::ignore::{IgnoreMatcher, clean};
use super::linter::{LintScope, Linter};
use super::rule::{Rule, RuleMeta};
use super::rules::{
    COPY_IGNORED_FILE, EXPOSE_INVALID_FORMAT, EXPOSE_PROTO_CASING,
    FROM_PLATFORM_FLAG_CONST_DISALLOWED, INVALID_BASE_IMAGE_PLATFORM, INVALID_DEFAULT_ARG_IN_FROM,
    JSON_ARGS_RECOMMENDED, LEGACY_KEY_VALUE_FORMAT, MULTIPLE_INSTRUCTIONS_DISALLOWED,
    REDUNDANT_TARGET_PLATFORM, SECRETS_USED_IN_ARG_OR_ENV, UNDEFINED_ARG_IN_FROM, UNDEFINED_VAR,
    WORKDIR_RELATIVE_PATH,
};
use crate::parser::Range;
use crate::parser::gostr::to_lower;
use crate::shell::gocompat::suggest::search;

/// Where findings go: a [`Linter`] or a [`LintScope`] (object-safe: hooks also take
/// `&mut dyn Reporter`).
pub trait Reporter {
    /// Reports a violation of `rule` (see [`Linter::run`]).
    fn report(&mut self, rule: &'static RuleMeta, ranges: &[Range], detail: String);
    /// Whether `rule` would be reported.
    fn enables(&self, rule: &RuleMeta) -> bool;
}

impl Reporter for Linter {
    fn report(&mut self, rule: &'static RuleMeta, ranges: &[Range], detail: String) {
        self.report_meta(rule, ranges, detail);
    }
    fn enables(&self, rule: &RuleMeta) -> bool {
        Linter::enables(self, rule)
    }
}

impl Reporter for LintScope<'_> {
    fn report(&mut self, rule: &'static RuleMeta, ranges: &[Range], detail: String) {
        self.report_meta(rule, ranges, detail);
    }
    fn enables(&self, rule: &RuleMeta) -> bool {
        LintScope::enables(self, rule)
    }
}

/// Reports `rule` through `r`.
fn run<F>(
    r: &mut (impl Reporter + ?Sized),
    rule: &'static Rule<F>,
    ranges: &[Range],
    detail: String,
) {
    r.report(&rule.meta, ranges, detail);
}

/// Build arguments the converter never puts into the environment (upstream's `nonEnvArgs`);
/// an unset reference to them is not an undefined variable.
pub const NON_ENV_ARGS: [&str; 2] = ["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// `UndefinedVar` (upstream's `reportUnmatchedVariables`): after expanding a word of an
/// instruction against the stage environment, each name in `unmatched` that is not an `ARG`
/// declared in the stage (`stage_args`, its own and inherited ones, declared before this
/// instruction) nor a [`NON_ENV_ARGS`] name is reported, with the closest of `env_keys`
/// (the stage environment's keys, in order) as suggestion.
pub fn undefined_vars<'a>(
    r: &mut (impl Reporter + ?Sized),
    unmatched: &BTreeSet<String>,
    stage_args: impl IntoIterator<Item = &'a str>,
    env_keys: &[String],
    ranges: &[Range],
) {
    if unmatched.is_empty() || !r.enables(&UNDEFINED_VAR) {
        return;
    }
    let declared: BTreeSet<&str> = stage_args.into_iter().collect();
    let options: Vec<&str> = env_keys.iter().map(String::as_str).collect();
    for var in unmatched {
        if declared.contains(var.as_str()) || NON_ENV_ARGS.contains(&var.as_str()) {
            continue;
        }
        let suggestion = search(var, &options).unwrap_or_default();
        run(
            r,
            &UNDEFINED_VAR,
            ranges,
            UNDEFINED_VAR.detail(var, &suggestion),
        );
    }
}

/// `UndefinedArgInFrom` (upstream's `reportUnusedFromArgs`): after expanding a FROM image
/// name or `--platform` value against the global arguments, each name in `unmatched` that is
/// not in `declared` (the keys of the global-argument environment — predefined platform
/// args, build args, meta ARGs with a value — plus every meta `ARG` name) is reported, with
/// the closest declared name as suggestion.
pub fn undefined_args_in_from<'a>(
    r: &mut (impl Reporter + ?Sized),
    unmatched: &BTreeSet<String>,
    declared: impl IntoIterator<Item = &'a str>,
    ranges: &[Range],
) {
    if unmatched.is_empty() {
        return;
    }
    let declared: BTreeSet<&str> = declared.into_iter().collect();
    let options: Vec<&str> = declared.iter().copied().collect();
    for arg in unmatched {
        if declared.contains(arg.as_str()) {
            continue;
        }
        let suggestion = search(arg, &options).unwrap_or_default();
        let rule = &UNDEFINED_ARG_IN_FROM;
        run(r, rule, ranges, rule.detail(arg, &suggestion));
    }
}

/// `RedundantTargetPlatform` (upstream's `reportRedundantTargetPlatform`): `platform` is the
/// `--platform` value as written; `matched`/`unmatched`/`result` come from expanding it
/// against the global arguments, where `TARGETPLATFORM` has the value `target_platform`.
/// Reported when the only variable used is `TARGETPLATFORM` and the result is its value.
pub fn redundant_target_platform(
    r: &mut (impl Reporter + ?Sized),
    platform: &str,
    matched: &BTreeSet<String>,
    unmatched: &BTreeSet<String>,
    result: &str,
    target_platform: Option<&str>,
    ranges: &[Range],
) {
    if matched.len() == 1
        && unmatched.is_empty()
        && matched.contains("TARGETPLATFORM")
        && result == target_platform.unwrap_or_default()
    {
        let rule = &REDUNDANT_TARGET_PLATFORM;
        run(r, rule, ranges, rule.detail(platform));
    }
}

/// `FromPlatformFlagConstDisallowed` (upstream's `reportConstPlatformDisallowed`): the
/// `--platform` value expanded without using any variable (`matched` and `unmatched` empty)
/// to `result`, which parses (containerd's `platforms.Parse`, normalised) to `parsed` =
/// `(os, architecture)`. Reported unless the stage name contains the OS or the architecture.
/// `parsed` is `None` when the value does not parse (the conversion fails on it later).
pub fn const_platform(
    r: &mut (impl Reporter + ?Sized),
    stage_name: &str,
    matched: &BTreeSet<String>,
    unmatched: &BTreeSet<String>,
    result: &str,
    parsed: Option<(&str, &str)>,
    ranges: &[Range],
) {
    if !matched.is_empty() || !unmatched.is_empty() {
        return;
    }
    let Some((os, arch)) = parsed else {
        return;
    };
    if stage_name.contains(os) || stage_name.contains(arch) {
        return;
    }
    let rule = &FROM_PLATFORM_FLAG_CONST_DISALLOWED;
    run(r, rule, ranges, rule.detail(result));
}

/// `InvalidDefaultArgInFrom` (upstream's `validateBaseImagesWithDefaultArgs`): call for a
/// stage whose image name, expanded with the meta ARGs' defaults only (no build arguments),
/// is empty or not a valid image reference. `base_name` is the name as written.
pub fn invalid_default_arg_in_from(
    r: &mut (impl Reporter + ?Sized),
    base_name: &str,
    ranges: &[Range],
) {
    let rule = &INVALID_DEFAULT_ARG_IN_FROM;
    run(r, rule, ranges, rule.detail(base_name));
}

/// A platform as the converter shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformText<'a> {
    /// `linux`.
    pub os: &'a str,
    /// `amd64`.
    pub architecture: &'a str,
    /// containerd's `platforms.FormatAll(platforms.Normalize(p))`, e.g. `linux/arm64/v8`.
    pub formatted: &'a str,
}

/// `InvalidBaseImagePlatform` (upstream's `validateBaseImagePlatform`): a base image of a
/// reachable stage was resolved for `expected` and its config says `actual`; reported when
/// the OS or the architecture differ. `image` is the name as written in FROM (expanded).
pub fn base_image_platform(
    r: &mut (impl Reporter + ?Sized),
    image: &str,
    expected: PlatformText<'_>,
    actual: PlatformText<'_>,
    ranges: &[Range],
) {
    if expected.os != actual.os || expected.architecture != actual.architecture {
        let rule = &INVALID_BASE_IMAGE_PLATFORM;
        run(
            r,
            rule,
            ranges,
            rule.detail(image, expected.formatted, actual.formatted),
        );
    }
}

/// `LegacyKeyValueFormat`: call once per `ENV`/`LABEL` pair written without `=`;
/// `instruction` is the keyword as written (`ENV`, `env`).
pub fn legacy_key_value(r: &mut (impl Reporter + ?Sized), instruction: &str, ranges: &[Range]) {
    let rule = &LEGACY_KEY_VALUE_FORMAT;
    run(r, rule, ranges, rule.detail(instruction));
}

/// Words that mark a name as secret (`_`-separated, case-insensitive).
const SECRET_TOKENS: [&str; 10] = [
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];

/// Words that mark a name as not secret after all.
const ALLOW_TOKENS: [&str; 3] = ["public", "file", "version"];

/// Whether one of the `_`-separated words of `name` is one of `tokens`, ignoring case
/// (upstream's `(?i)(?:_|^)(?:tok|…)(?:_|$)`).
fn has_token(name: &str, tokens: &[&str]) -> bool {
    to_lower(name).split('_').any(|w| tokens.contains(&w))
}

/// Whether an `ARG`/`ENV` name looks like it holds a secret (upstream's secrets regexps).
///
/// ```
/// use syntax::lint::hooks::is_secret_key;
/// assert!(is_secret_key("GITHUB_TOKEN") && is_secret_key("Password") && is_secret_key("a_auth_b"));
/// assert!(!is_secret_key("PUBLIC_KEY") && !is_secret_key("tokenizer") && !is_secret_key("AUTH_VERSION"));
/// ```
pub fn is_secret_key(name: &str) -> bool {
    has_token(name, &SECRET_TOKENS) && !has_token(name, &ALLOW_TOKENS)
}

/// `SecretsUsedInArgOrEnv`: call for each `ENV` key (`instruction` = `ENV`) and each `ARG`
/// key (`ARG`), as written after expansion.
pub fn secret_key(
    r: &mut (impl Reporter + ?Sized),
    instruction: &str,
    key: &str,
    ranges: &[Range],
) {
    if is_secret_key(key) {
        let rule = &SECRETS_USED_IN_ARG_OR_ENV;
        run(r, rule, ranges, rule.detail(instruction, key));
    }
}

/// `WorkdirRelativePath`: a `WORKDIR` (expanded `path`) in a stage whose working directory
/// has not been set by a `WORKDIR` of this Dockerfile yet (`workdir_set`, inherited from the
/// base stage). `is_abs` says whether `path` is absolute by the rules of the stage's OS
/// (upstream's `system.IsAbs`, which the caller knows). The caller sets `workdir_set`
/// afterwards.
pub fn workdir(
    r: &mut (impl Reporter + ?Sized),
    workdir_set: bool,
    path: &str,
    is_abs: bool,
    ranges: &[Range],
) {
    if !workdir_set && !is_abs {
        let rule = &WORKDIR_RELATIVE_PATH;
        run(r, rule, ranges, rule.detail(path));
    }
}

/// `JSONArgsRecommended`: a `CMD`/`ENTRYPOINT` (`instruction` as written) in shell form,
/// while the image config has no `SHELL` (from the base image, base stage or this stage).
pub fn json_args(
    r: &mut (impl Reporter + ?Sized),
    instruction: &str,
    shell_form: bool,
    shell_set: bool,
    ranges: &[Range],
) {
    if shell_form && !shell_set {
        let rule = &JSON_ARGS_RECOMMENDED;
        run(r, rule, ranges, rule.detail(instruction));
    }
}

/// `MultipleInstructionsDisallowed` (upstream's `instructionTracker`): one per stage for each
/// of `CMD`, `ENTRYPOINT` and `HEALTHCHECK`; not inherited from a base stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstructionTracker {
    previous: Option<Vec<Range>>,
}

impl InstructionTracker {
    /// Whether the instruction was seen in the stage.
    pub fn is_set(&self) -> bool {
        self.previous.is_some()
    }

    /// Records an occurrence (`instruction` as written, at `ranges`); when there was an
    /// earlier one, reports it — at the earlier location, the one that is ignored.
    pub fn mark(&mut self, r: &mut (impl Reporter + ?Sized), instruction: &str, ranges: &[Range]) {
        if let Some(prev) = self.previous.replace(ranges.to_vec()) {
            let rule = &MULTIPLE_INSTRUCTIONS_DISALLOWED;
            run(r, rule, &prev, rule.detail(instruction));
        }
    }
}

/// `ExposeProtoCasing` and `ExposeInvalidFormat` for one `EXPOSE` port (after expansion), in
/// upstream's `parsePort` order. A port whose protocol is invalid is left to the converter's
/// error and not reported.
pub fn expose_port(r: &mut (impl Reporter + ?Sized), raw_port: &str, ranges: &[Range]) {
    let parts: Vec<&str> = raw_port.split(':').collect();
    let (ip, host_port, container) = match parts.len() {
        1 => (String::new(), "", parts[0]),
        2 => (String::new(), parts[0], parts[1]),
        n => (parts[..n - 2].join(":"), parts[n - 2], parts[n - 1]),
    };
    let (port, proto) = container.split_once('/').unwrap_or((container, ""));
    if port.is_empty() {
        return;
    }
    let proto_ok = matches!(&*to_lower(proto), "" | "tcp" | "udp" | "sctp");
    if !proto_ok {
        return;
    }
    if proto != to_lower(proto) {
        let rule = &EXPOSE_PROTO_CASING;
        run(r, rule, ranges, rule.detail(raw_port));
    }
    if !ip.is_empty() || !host_port.is_empty() {
        let rule = &EXPOSE_INVALID_FORMAT;
        run(r, rule, ranges, rule.detail(raw_port));
    }
}

/// `CopyIgnoredFile` (upstream's `validateCopySourcePath`): one local source of a `COPY`
/// without `--from` or of an `ADD` (not a URL or git source), after expansion, checked
/// against the context's `.dockerignore` (`None` when there is none). Skipped when the
/// patterns have exclusions; the context root (`.` or `/`) is reported only when a pattern
/// excludes everything.
pub fn copy_source(
    r: &mut (impl Reporter + ?Sized),
    is_add: bool,
    src: &str,
    ignore: Option<&IgnoreMatcher>,
    ranges: &[Range],
) {
    let Some(m) = ignore else {
        return;
    };
    if m.has_exclusions() {
        return;
    }
    let src = clean(src);
    if (src == "." || src == "/")
        && !m
            .inclusion_patterns()
            .any(|p| matches!(p, "*" | "**" | "**/*"))
    {
        return;
    }
    if m.matches_or_parent_matches(&src) {
        let rule = &COPY_IGNORED_FILE;
        let cmd = if is_add { "Add" } else { "Copy" };
        run(r, rule, ranges, rule.detail(cmd, &src));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::LintConfig;
    use crate::parser::line_ranges;

    fn linter() -> Linter {
        Linter::new(LintConfig::default())
    }

    fn details(l: &Linter) -> Vec<String> {
        l.findings().iter().map(|f| f.short()).collect()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn undefined_vars_skip_declared_and_suggest() {
        let mut l = linter();
        let env: Vec<String> = ["PATH", "foo", "DIR_BINARIES", "DIR_ASSETS"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let loc = line_ranges(3, 3);
        undefined_vars(
            &mut l,
            &set(&[
                "PAHT",
                "DIR_ASSET",
                "declared",
                "BUILDKIT_SBOM_SCAN_STAGE",
                "zzzzzz",
            ]),
            ["declared"],
            &env,
            &loc,
        );
        assert_eq!(
            details(&l),
            [
                "UndefinedVar: Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?) (line 3)",
                "UndefinedVar: Usage of undefined variable '$PAHT' (did you mean $PATH?) (line 3)",
                "UndefinedVar: Usage of undefined variable '$zzzzzz' (line 3)",
            ]
        );
    }

    #[test]
    fn from_arg_rules() {
        let mut l = linter();
        let loc = line_ranges(2, 2);
        undefined_args_in_from(
            &mut l,
            &set(&["BULIDPLATFORM", "MY_OS"]),
            ["BUILDPLATFORM", "MY_OS", "TARGETPLATFORM"],
            &loc,
        );
        let tp = Some("linux/amd64");
        for p in ["$TARGETPLATFORM", "${TARGETPLATFORM}"] {
            redundant_target_platform(
                &mut l,
                p,
                &set(&["TARGETPLATFORM"]),
                &set(&[]),
                "linux/amd64",
                tp,
                &loc,
            );
        }
        // Two variables, or a result that differs: not redundant.
        redundant_target_platform(
            &mut l,
            "$TARGETOS/$TARGETARCH",
            &set(&["TARGETOS", "TARGETARCH"]),
            &set(&[]),
            "linux/amd64",
            tp,
            &loc,
        );
        let none = set(&[]);
        let plat = Some(("linux", "amd64"));
        const_platform(&mut l, "", &none, &none, "linux/amd64", plat, &loc);
        const_platform(
            &mut l,
            "build_amd64",
            &none,
            &none,
            "linux/amd64",
            plat,
            &loc,
        );
        const_platform(&mut l, "linux", &none, &none, "linux/amd64", plat, &loc);
        const_platform(&mut l, "x", &set(&["A"]), &none, "linux/amd64", plat, &loc);
        const_platform(&mut l, "x", &none, &none, "bogus//", None, &loc);
        invalid_default_arg_in_from(&mut l, "busybox:$VERSION", &loc);
        assert_eq!(
            details(&l),
            [
                "UndefinedArgInFrom: FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?) (line 2)",
                "RedundantTargetPlatform: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior (line 2)",
                "RedundantTargetPlatform: Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior (line 2)",
                "FromPlatformFlagConstDisallowed: FROM --platform flag should not use constant value \"linux/amd64\" (line 2)",
                "InvalidDefaultArgInFrom: Default value for ARG busybox:$VERSION results in empty or invalid base image name (line 2)",
            ]
        );
    }

    #[test]
    fn instruction_rules() {
        let mut l = linter();
        let loc = line_ranges(4, 5);
        legacy_key_value(&mut l, "env", &loc);
        workdir(&mut l, false, "app/", false, &loc);
        workdir(&mut l, true, "sub", false, &loc);
        workdir(&mut l, false, "/abs", true, &loc);
        json_args(&mut l, "entrypoint", true, false, &loc);
        json_args(&mut l, "CMD", true, true, &loc);
        json_args(&mut l, "CMD", false, false, &loc);
        let mut cmd = InstructionTracker::default();
        cmd.mark(&mut l, "CMD", &line_ranges(1, 1));
        assert!(cmd.is_set());
        cmd.mark(&mut l, "cmd", &line_ranges(2, 2));
        let shorts = details(&l);
        assert_eq!(
            shorts,
            [
                "LegacyKeyValueFormat: \"env key=value\" should be used instead of legacy \"env key value\" format (line 4)",
                "WorkdirRelativePath: Relative workdir \"app/\" can have unexpected results if the base image changes (line 4)",
                "JSONArgsRecommended: JSON arguments recommended for entrypoint to prevent unintended behavior related to OS signals (line 4)",
                "MultipleInstructionsDisallowed: Multiple cmd instructions should not be used in the same stage because only the last one will be used (line 1)",
            ]
        );
        assert_eq!(l.findings()[0].ranges, loc);
    }

    #[test]
    fn secrets() {
        let reported = [
            "SECRET_PASSPHRASE",
            "SUPER_Secret",
            "password",
            "super_duper_secret_token",
            "auth",
            "apikey",
            "git_key",
            "AWS_SECRET_ACCESS_KEY",
            "credentials",
            "pword",
            "PassWd",
            "a__key",
        ];
        let fine = [
            "sunflower",
            "PUBLIC_KEY",
            "public_token",
            "SECRET_PASSPHRASE_FILE",
            "password_file",
            "secret_File",
            "AUTH_MODULE_VERSION",
            "keyboard",
            "tokens",
            "",
        ];
        for k in reported {
            assert!(is_secret_key(k), "{k}");
        }
        for k in fine {
            assert!(!is_secret_key(k), "{k}");
        }
        let mut l = linter();
        secret_key(&mut l, "ARG", "GITHUB_TOKEN", &line_ranges(1, 1));
        assert_eq!(
            details(&l),
            [
                "SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG \"GITHUB_TOKEN\") (line 1)"
            ]
        );
    }

    #[test]
    fn expose() {
        let mut l = linter();
        let loc = line_ranges(2, 2);
        for p in [
            "80/TcP",
            "8080/udp",
            "127.0.0.1:80:80",
            "[::1]:8080:8080",
            "5000:5000",
        ] {
            expose_port(&mut l, p, &loc);
        }
        expose_port(&mut l, "1.2.3.4:90:90/TCP", &loc);
        expose_port(&mut l, "80/BOGUS", &loc);
        expose_port(&mut l, "/tcp", &loc);
        let got: Vec<String> = l.findings().iter().map(|f| f.detail.clone()).collect();
        assert_eq!(
            got,
            [
                "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase",
                "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'",
                "EXPOSE instruction should not define an IP address or host-port mapping, found '[::1]:8080:8080'",
                "EXPOSE instruction should not define an IP address or host-port mapping, found '5000:5000'",
                "Defined protocol '1.2.3.4:90:90/TCP' in EXPOSE instruction should be lowercase",
                "EXPOSE instruction should not define an IP address or host-port mapping, found '1.2.3.4:90:90/TCP'",
            ]
        );
    }

    #[test]
    fn copy_sources() {
        let loc = line_ranges(3, 3);
        let run = |patterns: &[&str], srcs: &[(&str, bool)]| -> Vec<String> {
            let m = IgnoreMatcher::new(patterns).unwrap();
            let mut l = linter();
            for (src, add) in srcs {
                copy_source(&mut l, *add, src, Some(&m), &loc);
            }
            l.findings().iter().map(|f| f.detail.clone()).collect()
        };
        assert_eq!(
            run(
                &["Dockerfile", "*/sub/*"],
                &[
                    ("Dockerfile", false),
                    ("Dockerfile", true),
                    ("./tmp/sub/file.txt", false),
                    ("ok.txt", false)
                ]
            ),
            [
                "Attempting to Copy file \"Dockerfile\" that is excluded by .dockerignore",
                "Attempting to Add file \"Dockerfile\" that is excluded by .dockerignore",
                "Attempting to Copy file \"tmp/sub/file.txt\" that is excluded by .dockerignore",
            ]
        );
        assert!(
            run(
                &["**", "!Dockerfile"],
                &[("./Dockerfile", false), (".", false)]
            )
            .is_empty()
        );
        assert_eq!(
            run(&["*"], &[(".", false), ("/", false)]),
            [
                "Attempting to Copy file \".\" that is excluded by .dockerignore",
                "Attempting to Copy file \"/\" that is excluded by .dockerignore",
            ]
        );
        assert!(run(&[".*"], &[(".", false)]).is_empty());
        let mut l = linter();
        copy_source(&mut l, false, "Dockerfile", None, &loc);
        assert!(l.findings().is_empty());
    }

    #[test]
    fn base_image_platforms() {
        let mut l = linter();
        let loc = line_ranges(1, 1);
        let amd64 = PlatformText {
            os: "linux",
            architecture: "amd64",
            formatted: "linux/amd64",
        };
        let arm64 = PlatformText {
            os: "linux",
            architecture: "arm64",
            formatted: "linux/arm64",
        };
        base_image_platform(&mut l, "img", amd64, amd64, &loc);
        base_image_platform(&mut l, "img", amd64, arm64, &loc);
        assert_eq!(
            details(&l),
            [
                "InvalidBaseImagePlatform: Base image img was pulled with platform \"linux/arm64\", expected \"linux/amd64\" for current build (line 1)"
            ]
        );
        assert_eq!(l.findings()[0].rule.url, "");
    }

    #[test]
    fn scoped_reports_follow_instruction_comments() {
        let mut l = linter();
        let loc = line_ranges(1, 1);
        legacy_key_value(
            &mut l.scope(&["check=skip=LegacyKeyValueFormat"]),
            "ENV",
            &loc,
        );
        legacy_key_value(&mut l.scope(&["unrelated"]), "ENV", &loc);
        legacy_key_value(&mut l.scope(&["check=nonsense"]), "ENV", &loc);
        assert_eq!(l.findings().len(), 2);
        // Object-safe: hooks take `&mut dyn Reporter` too.
        let mut scope = l.scope(&["check=skip=all"]);
        let dynamic: &mut dyn Reporter = &mut scope;
        legacy_key_value(dynamic, "ENV", &loc);
        let dynamic: &mut dyn Reporter = &mut l;
        legacy_key_value(dynamic, "ENV", &loc);
        assert_eq!(l.findings().len(), 3);
    }
}
