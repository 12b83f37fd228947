//! Behaviour checks beyond the shared vector files: matched/unmatched reporting, error texts,
//! patterns, and the lexer options.

use super::*;
use std::collections::BTreeMap;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn set(names: &[&str]) -> std::collections::BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// (input, env, expected result or None for an error, matched, unmatched)
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
    &'static [&'static str],
    &'static [&'static str],
);

const FOO_BAR: &[(&str, &str)] = &[("FOO", "xxx"), ("BAR", "")];

const CASES: &[Case] = &[
    ("x", &[("DUMMY", "dummy")], Some("x"), &[], &[]),
    (
        "x ${UNUSED}",
        &[("DUMMY", "dummy")],
        Some("x "),
        &[],
        &["UNUSED"],
    ),
    ("x ${FOO}", &[("FOO", "y")], Some("x y"), &["FOO"], &[]),
    (
        "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
        FOO_BAR,
        Some("xxx  ccc"),
        &["FOO", "BAR"],
        &["BAZ"],
    ),
    (
        "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
        FOO_BAR,
        Some("xxx bbb ccc"),
        &["FOO", "BAR"],
        &["BAZ"],
    ),
    ("${FOO:-}", FOO_BAR, Some("xxx"), &["FOO"], &[]),
    ("${FOO:-}", &[], Some(""), &[], &["FOO"]),
    (
        "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
        FOO_BAR,
        Some("aaa bbb "),
        &["FOO", "BAR"],
        &["BAZ"],
    ),
    (
        "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
        FOO_BAR,
        Some("aaa  "),
        &["FOO", "BAR"],
        &["BAZ"],
    ),
    ("${FOO?aaa}", FOO_BAR, Some("xxx"), &["FOO"], &[]),
    ("${BAR?bbb}", FOO_BAR, Some(""), &["BAR"], &[]),
    ("${BAZ?ccc}", FOO_BAR, None, &[], &["BAZ"]),
    ("${FOO:?aaa}", FOO_BAR, Some("xxx"), &["FOO"], &[]),
    ("${BAR:?bbb}", FOO_BAR, None, &["BAR"], &[]),
    ("${BAZ:?ccc}", FOO_BAR, None, &[], &["BAZ"]),
    ("${BAZ:?}", FOO_BAR, None, &[], &["BAZ"]),
    ("${FOO=aaa}", FOO_BAR, None, &[], &[]),
    ("${FOO=:aaa}", FOO_BAR, None, &[], &[]),
    ("${FOO=}", &[], None, &[], &[]),
    (
        "${FOO#()[]{\\}^$.\\*\\?|\\\\}",
        &[("FOO", "()[]{}^$.*?|\\x")],
        Some("x"),
        &["FOO"],
        &[],
    ),
    (
        "${FOO%%\\**}",
        &[("FOO", "xx**")],
        Some("xx"),
        &["FOO"],
        &[],
    ),
    ("${FOO#*x*y}", &[("FOO", "xxyy")], Some("y"), &["FOO"], &[]),
    ("${FOO#*}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
    (
        "${FOO#$BAR}",
        &[("FOO", "xxyy"), ("BAR", "x")],
        Some("xyy"),
        &["FOO", "BAR"],
        &[],
    ),
    (
        "${FOO#$BAR}",
        &[("FOO", "xxyy"), ("BAR", "")],
        Some("xxyy"),
        &["FOO", "BAR"],
        &[],
    ),
    ("${FOO#}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
    ("${FOO##*x}", &[("FOO", "xxyy")], Some("yy"), &["FOO"], &[]),
    ("${FOO##}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
    ("${FOO#?\\?}", &[("FOO", "???y")], Some("?y"), &["FOO"], &[]),
    (
        "${ABC:-.}${FOO%x}${ABC:-.}",
        &[("FOO", "xxyy")],
        Some(".xxyy."),
        &["FOO"],
        &["ABC"],
    ),
    (
        "${FOO%%\\**\\*}",
        &[("FOO", "a***yy*")],
        Some("a"),
        &["FOO"],
        &[],
    ),
    ("${FOO%}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
    (
        "${FOO%%$BAR}",
        &[("FOO", "xxyy"), ("BAR", "")],
        Some("xxyy"),
        &["FOO", "BAR"],
        &[],
    ),
    ("${FOO:#}", &[], None, &[], &[]),
    ("${FOO:##}", &[], None, &[], &[]),
    ("${FOO:%}", &[], None, &[], &[]),
    ("${FOO:%%}", &[], None, &[], &[]),
    (
        "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
        &[("FOO", "/foo*/*/*.txt"), ("NEEDLE", "\\*/")],
        Some("/foo.*/*.txt - /foo..*.txt"),
        &["FOO", "NEEDLE"],
        &[],
    ),
    (
        "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
        &[("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
        Some("/tmp/bar.txt - /bar.txt"),
        &["FOO", "NEEDLE"],
        &[],
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
        &[
            ("FOO", "/a/foo/b/c.txt"),
            ("NEEDLE", "/?/"),
            ("REPLACEMENT", "/"),
        ],
        Some("/foo/b/c.txt - /foo/c.txt"),
        &["FOO", "NEEDLE", "REPLACEMENT"],
        &[],
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT}",
        &[
            ("FOO", "http://google.de"),
            ("NEEDLE", "http://"),
            ("REPLACEMENT", "https://"),
        ],
        Some("https://google.de"),
        &["FOO", "NEEDLE", "REPLACEMENT"],
        &[],
    ),
    (
        "${FOO//\\//\\/}",
        &[("FOO", "/tmp/foo.txt")],
        Some("\\/tmp\\/foo.txt"),
        &["FOO"],
        &[],
    ),
    (
        "${FOO/$BAR/ww}",
        &[("FOO", "xxyy"), ("BAR", "")],
        Some("wwxxyy"),
        &["FOO", "BAR"],
        &[],
    ),
    ("${FOO//ww}", &[("FOO", "xxyy")], None, &[], &[]),
    ("${FOO//}", &[("FOO", "xxyy")], None, &[], &[]),
    ("${FOO///}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
    ("${FOO///}", &[], Some(""), &[], &["FOO"]),
];

#[test]
fn process_with_matches() {
    let lexer = Lexer::new('\\');
    for (input, vars, expected, matched, unmatched) in CASES {
        let out = lexer.process_word(input, &env(vars));
        match (expected, out) {
            (Some(want), Ok(got)) => {
                assert_eq!(got.result, *want, "{input}");
                assert_eq!(got.matched, set(matched), "{input} matched");
                assert_eq!(got.unmatched, set(unmatched), "{input} unmatched");
            }
            (None, Err(e)) => {
                assert_eq!(e.unmatched, set(unmatched), "{input} unmatched on error");
            }
            (want, got) => panic!("{input}: wanted {want:?}, got {got:?}"),
        }
    }
}

fn err_text(lexer: &Lexer, input: &str, vars: &[(&str, &str)]) -> String {
    match lexer.process_word(input, &env(vars)) {
        Ok(r) => format!("unexpected success: {:?}", r.result),
        Err(e) => e.to_string(),
    }
}

#[test]
fn error_messages_are_upstreams() {
    let l = Lexer::new('\\');
    let cases: &[(&str, &str)] = &[
        (
            "he'llo",
            "unexpected end of statement while looking for matching single-quote",
        ),
        (
            "\"hello",
            "unexpected end of statement while looking for matching double-quote",
        ),
        ("${}", "syntax error: bad substitution"),
        ("${", "syntax error: missing '}'"),
        ("${aaa:-bbb", "syntax error: missing '}'"),
        ("${aaa:-'bbb}", "syntax error: missing '}'"),
        ("he${PWD", "unsupported modifier (\u{fffd}) in substitution"),
        ("${a.}", "unsupported modifier (.) in substitution"),
        ("${a:=b}", "unsupported modifier (:=) in substitution"),
        ("${a:#b}", "unsupported modifier (:#) in substitution"),
        ("${a:-${b.}}", "unsupported modifier (.) in substitution"),
        ("${a/b", "syntax error: missing '/' in ${}"),
        ("${a/b/c", "syntax error: missing '}'"),
        ("${a?}", "a: is not allowed to be unset"),
        ("${E:?}", "E: is not allowed to be empty"),
        ("${a?oops $E.}", "a: oops ."),
        (
            "${E#\\x}",
            "invalid pattern (\\x) in substitution: invalid escape '\\x'",
        ),
        (
            "${E%ab\\x}",
            "invalid pattern (\\xba) in substitution: invalid escape '\\x'",
        ),
    ];
    for (input, want) in cases {
        let got = err_text(&l, input, &[("E", "")]);
        assert_eq!(
            got,
            format!(
                "failed to process {}: {want}",
                gocompat::quote::go_quote(input)
            )
        );
    }
}

#[test]
fn mandatory_vars() {
    let l = Lexer::new('\\');
    let set_env = env(&[("VAR", "plain"), ("ARG", "x")]);
    let empty_env = env(&[("VAR", ""), ("ARG", "x")]);
    let unset_env = env(&[("ARG", "x")]);
    let no_empty = "${VAR:?message here$ARG}";
    let no_unset = "${VAR?message here$ARG}";
    assert_eq!(
        l.process_word(no_empty, &set_env).map(|r| r.result),
        Ok("plain".into())
    );
    assert!(err_text(&l, no_empty, &[("VAR", ""), ("ARG", "x")]).ends_with("VAR: message herex"));
    assert!(l.process_word(no_empty, &unset_env).is_err());
    assert_eq!(
        l.process_word(no_unset, &set_env).map(|r| r.result),
        Ok("plain".into())
    );
    assert_eq!(
        l.process_word(no_unset, &empty_env).map(|r| r.result),
        Ok(String::new())
    );
    assert!(err_text(&l, no_unset, &[("ARG", "x")]).ends_with("VAR: message herex"));
}

#[test]
fn platform_release_name() {
    let l = Lexer::new('\\');
    let word =
        "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
    let base = [("VERSION", "v1.2.3"), ("TARGETOS", "linux")];
    let run = |extra: &[(&str, &str)]| {
        let mut vars: Vec<(&str, &str)> = base.to_vec();
        vars.extend_from_slice(extra);
        l.process_word(word, &env(&vars)).map(|r| r.result)
    };
    assert_eq!(
        run(&[("TARGETARCH", "arm"), ("TARGETVARIANT", "v7")]),
        Ok("something-v1.2.3.linux-arm-v7.tar.gz".into())
    );
    assert_eq!(
        run(&[("TARGETARCH", "arm64"), ("TARGETVARIANT", "")]),
        Ok("something-v1.2.3.linux-arm64.tar.gz".into())
    );
    assert_eq!(
        run(&[("TARGETARCH", "arm64")]),
        Ok("something-v1.2.3.linux-arm64.tar.gz".into())
    );
}

#[test]
fn env_list_last_wins() {
    let e = EnvList::from_entries(["foo=bar", "car=hat", "car=bike", "bare"]);
    assert_eq!(e.get("car").as_deref(), Some("bike"));
    assert_eq!(e.get("bare").as_deref(), Some(""));
    assert_eq!(e.get("FOO"), None);
    assert_eq!(e.keys(), ["foo", "car", "car", "bare"]);
}

#[test]
fn options() {
    let none = NoEnv;
    let words = |l: Lexer, s: &str| {
        l.process_words(s, &none)
            .map(|r| r.words)
            .unwrap_or_default()
    };
    let word = |l: Lexer, s: &str| {
        l.process_word(s, &none)
            .map(|r| r.result)
            .unwrap_or_default()
    };
    let raw = Lexer::new('\\')
        .with_raw_quotes(true)
        .with_skip_unset_env(true);
    assert_eq!(words(raw, "a \"b c\" '$d'"), ["a", "\"b c\"", "'$d'"]);
    assert_eq!(
        word(raw, "$x ${y} ${z:-w} ${v//p/r} ${u#p}"),
        "$x ${y} ${z:-w} ${v/p/r} ${u#p}"
    );
    let raw_esc = Lexer::new('\\')
        .with_raw_quotes(true)
        .with_raw_escapes(true);
    assert_eq!(word(raw_esc, "a\\ b \"\\t\\\"\""), "a\\ b \"\\\\t\\\"\"");
    let no_quotes = Lexer::new('\\').with_skip_process_quotes(true);
    assert_eq!(word(no_quotes, "'a' \"b\""), "'a' \"b\"");
    let tick = Lexer::new('`');
    assert_eq!(word(tick, "a`$b \"`\"c\" d\\e"), "a$b \"c d\\e");
    // heredoc markers stay together in multi-word mode
    assert_eq!(
        words(Lexer::new('\\'), "cat <<  EOF a<b"),
        ["cat", "<<  EOF", "a<b"]
    );
    // a leading BOM is dropped, as Go's text/scanner does
    assert_eq!(word(Lexer::new('\\'), "\u{feff}x"), "x");
}

#[test]
fn nested_expansion_discards_word_in_progress() {
    // Upstream shares its word buffer across nesting levels; "hello" is lost.
    let l = Lexer::new('\\');
    let out = l.process_words("hello${X:-abc} def", &NoEnv);
    assert_eq!(
        out.map(|r| r.words),
        Ok(vec!["abc".to_owned(), "def".to_owned()])
    );
    let out = l.process_word("hello${X:-abc} def", &NoEnv);
    assert_eq!(out.map(|r| r.result), Ok("helloabc def".to_owned()));
}

#[test]
fn names_use_go_unicode_classes() {
    let vars = env(&[("한국", "k"), ("a", "A"), ("Ⅻ", "roman")]);
    let l = Lexer::new('\\');
    assert_eq!(
        l.process_word("$한국.", &vars).map(|r| r.result),
        Ok("k.".into())
    );
    // U+216B is a letter number: not part of a Go name, so `$` stays literal.
    assert_eq!(
        l.process_word("$Ⅻ", &vars).map(|r| r.result),
        Ok("$Ⅻ".into())
    );
    assert_eq!(
        l.process_word("$a٣", &vars).map(|r| r.result),
        Ok(String::new())
    );
}

/// Runs of ordinary text are copied whole in single-word mode: non-ASCII text next to
/// expansions, nested stops, quotes left alone, a BOM and a backtick escape come out as the
/// character-by-character reading gives them.
#[test]
fn ordinary_runs_keep_every_character() {
    let e = env(&[("A", "é1"), ("B", "")]);
    let plain = Lexer::new('\\');
    let cases: &[(Lexer, &str, &str)] = &[
        (plain, "héllo $A wörld", "héllo é1 wörld"),
        (plain, "ü${B:-x}y}z€", "üxy}z€"),
        (plain, "${B:-a/b}/c", "a/b/c"),
        (plain, "${A/é/ß}ñ", "ß1ñ"),
        (plain, "\u{feff}$A 日本", "é1 日本"),
        (plain, "$A日本", ""),
        (plain, "a\\$A 'q $A' \"d $A\"", "a$A q $A d é1"),
        (
            plain.with_skip_process_quotes(true),
            "'$A' \"x\"",
            "'é1' \"x\"",
        ),
        (Lexer::new('`'), "c:\\dir `$A $A", "c:\\dir $A é1"),
        (plain.with_raw_escapes(true), "a\\b$A", "a\\bé1"),
    ];
    for (lexer, input, want) in cases {
        let got = lexer.process_word(input, &e).unwrap().result;
        assert_eq!(got, *want, "{input:?}");
        // The split reading sees the same characters (unless a nested `${…}` clears the
        // word in progress, as upstream's shared buffer does, or quotes keep spaces).
        if !input.contains("${") && !input.contains(['\'', '"']) {
            let words = lexer.process_words(input, &e).unwrap().words.concat();
            assert_eq!(words, want.replace(' ', ""), "{input:?}");
        }
    }
}

/// `process_word_unmatched` gives `process_word`'s result and unset names, and no found ones.
#[test]
fn process_word_unmatched_leaves_matched_empty() {
    let e = env(&[("A", "1")]);
    let lexer = Lexer::new('\\');
    for input in ["$A ${B:-x} $C", "${A:?} ${C?}", "plain"] {
        let full = lexer.process_word(input, &e);
        let lean = lexer.process_word_unmatched(input, &e);
        match (full, lean) {
            (Ok(full), Ok(lean)) => {
                assert_eq!(lean.result, full.result, "{input:?}");
                assert_eq!(lean.unmatched, full.unmatched, "{input:?}");
                assert!(lean.matched.is_empty(), "{input:?}");
            }
            (Err(full), Err(lean)) => {
                assert_eq!(lean.to_string(), full.to_string(), "{input:?}");
                assert_eq!(lean.unmatched, full.unmatched, "{input:?}");
                assert!(lean.matched.is_empty(), "{input:?}");
            }
            (full, lean) => panic!("{input:?}: {full:?} against {lean:?}"),
        }
    }
    assert_eq!(
        lexer.process_word("$A $C", &e).unwrap().matched,
        set(&["A"])
    );
}

#[test]
fn literal_words() {
    for w in ["", "/root/.cache", "type=cache,id=a b", "é"] {
        assert!(super::is_literal(w), "{w}");
    }
    for w in ["$A", "a'b", "a\"b", "<<EOF", "a\\b", "a`b", "\u{feff}a"] {
        assert!(!super::is_literal(w), "{w}");
        // Each is something one lexer or the other acts on.
        let changed = ['\\', '`'].iter().any(|&e| {
            Lexer::new(e)
                .process_word(w, &NoEnv)
                .map_or(true, |r| r.result != w || !r.unmatched.is_empty())
        });
        assert!(changed || w.starts_with('<'), "{w}");
    }
}
