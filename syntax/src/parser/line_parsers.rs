//! The per-instruction argument parsers upstream dispatches on (its `line_parsers.go` and
//! `split_command.go`): each turns the argument text of one logical line into the `next`
//! chain of the instruction node.

use std::borrow::Cow;

use super::error::ParseErrorKind;
use super::gostr::{
    is_space, is_space_byte, lossy, split_ascii_ws, split2_ascii_ws, to_lower, trim_left_space,
    trim_space,
};
use super::json::{JsonError, parse_string_array};
use super::node::{Attributes, Node, chain};

/// The argument grammar of an instruction keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgGrammar {
    /// `parseStringsWhitespaceDelimited` (FROM, EXPOSE).
    StringsWhitespaceDelimited,
    /// `parseNameOrNameVal` (ARG).
    NameOrNameVal,
    /// `parseMaybeJSON` (RUN, CMD, ENTRYPOINT, SHELL).
    MaybeJson,
    /// `parseMaybeJSONToList` (ADD, COPY, VOLUME).
    MaybeJsonToList,
    /// `parseEnv`.
    Env,
    /// `parseLabel`.
    Label,
    /// `parseHealthConfig`.
    HealthConfig,
    /// `parseString` (MAINTAINER, STOPSIGNAL, USER, WORKDIR).
    String,
    /// `parseSubCommand` (ONBUILD).
    SubCommand,
    /// `parseIgnore` (unknown keywords).
    Ignore,
}

/// Does `value` lower-case (Go's `strings.ToLower`) to `lower`?
pub(crate) fn keyword_is(value: &str, lower: &str) -> bool {
    if value.is_ascii() {
        value.eq_ignore_ascii_case(lower)
    } else {
        to_lower(value) == lower
    }
}

/// Upstream's dispatch table: lower-case keyword to argument grammar.
const DISPATCH: &[(&str, ArgGrammar)] = &[
    ("run", ArgGrammar::MaybeJson),
    ("copy", ArgGrammar::MaybeJsonToList),
    ("from", ArgGrammar::StringsWhitespaceDelimited),
    ("env", ArgGrammar::Env),
    ("arg", ArgGrammar::NameOrNameVal),
    ("workdir", ArgGrammar::String),
    ("cmd", ArgGrammar::MaybeJson),
    ("entrypoint", ArgGrammar::MaybeJson),
    ("label", ArgGrammar::Label),
    ("expose", ArgGrammar::StringsWhitespaceDelimited),
    ("user", ArgGrammar::String),
    ("add", ArgGrammar::MaybeJsonToList),
    ("volume", ArgGrammar::MaybeJsonToList),
    ("healthcheck", ArgGrammar::HealthConfig),
    ("shell", ArgGrammar::MaybeJson),
    ("stopsignal", ArgGrammar::String),
    ("maintainer", ArgGrammar::String),
    ("onbuild", ArgGrammar::SubCommand),
];

/// The grammar upstream's dispatch table gives `keyword`.
pub(crate) fn grammar_for(keyword: &str) -> ArgGrammar {
    let found = if keyword.is_ascii() {
        DISPATCH
            .iter()
            .find(|(k, _)| keyword.eq_ignore_ascii_case(k))
    } else {
        let lower = to_lower(keyword);
        DISPATCH.iter().find(|(k, _)| *k == lower)
    };
    found.map_or(ArgGrammar::Ignore, |&(_, g)| g)
}

/// Upstream's `splitCommand`: keyword, builder flags, and the remaining argument text.
pub(crate) fn split_command(line: &str, escape: char) -> (&str, Vec<String>, Cow<'_, str>) {
    let (cmd, rest) = split2_ascii_ws(trim_space(line));
    let Some(rest) = rest else {
        return (cmd, Vec::new(), Cow::Borrowed(""));
    };
    let (rest, flags) = extract_builder_flags(rest, escape);
    let args = match rest {
        Cow::Borrowed(s) => Cow::Borrowed(trim_space(s)),
        Cow::Owned(s) => Cow::Owned(trim_space(&s).to_string()),
    };
    (cmd, flags, args)
}

/// Upstream's `extractBuilderFlags`: the leading `--flag[=value]` words (quotes and escapes
/// processed) and the rest of the line. Works byte by byte like upstream, so a non-ASCII
/// byte in a flag becomes the Latin-1 character of that byte.
fn extract_builder_flags(line: &str, escape: char) -> (Cow<'_, str>, Vec<String>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let b = line.as_bytes();
    let esc = escape as u8;
    let rest_at = |pos: usize| -> Cow<'_, str> {
        match line.get(pos..) {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(lossy(&b[pos..])),
        }
    };
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    // Plain runs are appended whole, so a typical flag word is allocated once, exactly.
    let mut word = String::new();
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    while pos <= b.len() {
        if phase == Phase::Spaces {
            if pos == b.len() {
                break;
            }
            let ch = b[pos];
            if is_space_byte(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == b.len() || b[pos + 1] != b'-' {
                return (rest_at(pos), words);
            }
            phase = Phase::Word;
        }
        if pos == b.len() {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(word);
            }
            return (Cow::Borrowed(""), words);
        }
        let mut ch = b[pos];
        if phase == Phase::Word {
            if is_space_byte(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (rest_at(pos), words);
                }
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == esc {
                if pos + 1 == b.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = b[pos];
            } else if ch.is_ascii() {
                // A run of plain ASCII bytes is copied at once.
                let run = b[pos..]
                    .iter()
                    .position(|&c| {
                        !c.is_ascii() || is_space_byte(c) || c == b'\'' || c == b'"' || c == esc
                    })
                    .map_or(b.len(), |p| p + pos);
                word.push_str(&line[pos..run]);
                pos = run;
                continue;
            }
            word.push(ch as char);
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == esc {
            if pos + 1 == b.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = b[pos];
        }
        word.push(ch as char);
        pos += 1;
    }
    (Cow::Borrowed(""), words)
}

/// Upstream's `parseWords`: split on whitespace, keeping quotes and escapes in the words.
///
/// Upstream copies every character of a word except an escape character that ends the
/// input, so each word is a slice of `rest`.
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<&str> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    // Quotes and the escape character are ASCII: work on bytes, decoding only non-ASCII
    // characters (to test them for Unicode whitespace and to step over them whole).
    let b = rest.as_bytes();
    let esc = escape as u8;
    // Bytes that need a look: ASCII whitespace, quotes, the escape, and non-ASCII.
    let mut special = [false; 256];
    for c in [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r', b'\'', b'"', esc] {
        special[c as usize] = true;
    }
    for v in &mut special[0x80..] {
        *v = true;
    }
    let char_at = |i: usize| -> (bool, usize) {
        let c = b[i];
        if c < 0x80 {
            return (matches!(c, b' ' | b'\t'..=b'\r'), 1);
        }
        let ch = rest[i..].chars().next().unwrap_or(' ');
        (is_space(ch), ch.len_utf8())
    };
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut start = 0;
    let mut pos = 0;
    while pos < b.len() {
        if phase != Phase::Spaces && !special[b[pos] as usize] {
            // Plain bytes inside a word: skip the whole run.
            pos += b[pos..]
                .iter()
                .position(|&c| special[c as usize])
                .unwrap_or(b.len() - pos);
            continue;
        }
        let (space, width) = char_at(pos);
        let ch = b[pos];
        let at_end = pos + width == b.len();
        if phase == Phase::Spaces {
            if space {
                pos += width;
                continue;
            }
            phase = Phase::Word;
            start = pos;
        }
        if phase == Phase::Word {
            if space {
                phase = Phase::Spaces;
                if blank_ok || pos > start {
                    words.push(&rest[start..pos]);
                }
                blank_ok = false;
                pos += width;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
        } else {
            // Phase::Quote
            if ch == quote {
                phase = Phase::Word;
            }
            if quote == b'\'' {
                pos += width;
                continue;
            }
        }
        if ch == esc {
            if at_end {
                // An escape character ending the input is dropped.
                if blank_ok || pos > start {
                    words.push(&rest[start..pos]);
                }
                return words;
            }
            // The escape and the character after it are both kept.
            pos += 1;
            pos += char_at(pos).1;
            continue;
        }
        pos += width;
    }
    if phase != Phase::Spaces {
        words.push(&rest[start..]);
    }
    words
}

type Parsed = (Vec<Node>, Attributes);

fn leaf(value: impl Into<String>) -> Vec<Node> {
    vec![Node {
        value: value.into(),
        ..Node::default()
    }]
}

fn strings_whitespace_delimited(rest: &str) -> Parsed {
    if rest.is_empty() {
        return (Vec::new(), Attributes::default());
    }
    // `rest` is trimmed, so the common case has no empty fields: walk it without a list.
    let mut cur = rest;
    if !rest.starts_with(is_blank) {
        // One node per blank run, plus the first: the exact count, so the AST holds no spare
        // capacity (a node is ~200 bytes and a Dockerfile has thousands).
        let runs = rest
            .as_bytes()
            .windows(2)
            .filter(|w| !is_blank(char::from(w[0])) && is_blank(char::from(w[1])))
            .count();
        let mut nodes = Vec::with_capacity(runs + 1);
        loop {
            let (first, tail) = split2_ascii_ws(cur);
            nodes.push(Node {
                value: first.to_string(),
                ..Node::default()
            });
            match tail {
                Some(t) if !t.is_empty() => cur = t,
                Some(_) => {
                    nodes.push(Node::default());
                    break;
                }
                None => break,
            }
        }
        return (nodes, Attributes::default());
    }
    (
        chain(split_ascii_ws(rest, -1).into_iter().map(str::to_string)),
        Attributes::default(),
    )
}

/// In upstream's `reWhitespace` class `[\t\v\f\r ]`.
fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

fn name_or_name_val(rest: &str, escape: char) -> Parsed {
    (
        chain(parse_words(rest, escape).into_iter().map(str::to_string)),
        Attributes::default(),
    )
}

fn name_val(rest: &str, key: &'static str, escape: char) -> Result<Parsed, ParseErrorKind> {
    let words = parse_words(rest, escape);
    if words.is_empty() {
        return Ok((Vec::new(), Attributes::default()));
    }
    if !words[0].contains('=') {
        let (k, v) = split2_ascii_ws(rest);
        let Some(v) = v else {
            return Err(ParseErrorKind::MissingValue { instruction: key });
        };
        let values = [k.to_string(), v.to_string(), String::new()];
        return Ok((chain(values), Attributes::default()));
    }
    let mut nodes = Vec::with_capacity(words.len() * 3);
    for word in words {
        let Some((k, v)) = word.split_once('=') else {
            return Err(ParseErrorKind::MissingEquals {
                word: word.to_string(),
            });
        };
        for value in [k, v, "="] {
            nodes.push(Node {
                value: value.to_string(),
                ..Node::default()
            });
        }
    }
    Ok((nodes, Attributes::default()))
}

/// Upstream's `parseJSON`.
fn json(rest: &str) -> Result<Parsed, JsonError> {
    let rest = trim_left_space(rest);
    if !rest.starts_with('[') {
        return Err(JsonError::Invalid);
    }
    let items = parse_string_array(rest)?;
    Ok((chain(items), Attributes { json: true }))
}

fn maybe_json(rest: &str) -> Result<Parsed, ParseErrorKind> {
    if rest.is_empty() {
        return Ok((Vec::new(), Attributes::default()));
    }
    match json(rest) {
        Ok(p) => Ok(p),
        Err(JsonError::NotStringArray) => Err(ParseErrorKind::NotStringArray),
        Err(JsonError::Invalid) => Ok((leaf(rest), Attributes::default())),
    }
}

fn maybe_json_to_list(rest: &str) -> Result<Parsed, ParseErrorKind> {
    match json(rest) {
        Ok(p) => Ok(p),
        Err(JsonError::NotStringArray) => Err(ParseErrorKind::NotStringArray),
        Err(JsonError::Invalid) => Ok(strings_whitespace_delimited(rest)),
    }
}

fn health_config(rest: &str) -> Result<Parsed, ParseErrorKind> {
    let b = rest.as_bytes();
    let sep = b.iter().position(|&c| is_space_byte(c)).unwrap_or(b.len());
    let next = b[sep..]
        .iter()
        .position(|&c| !is_space_byte(c))
        .map_or(b.len(), |p| sep + p);
    if sep == 0 {
        return Ok((Vec::new(), Attributes::default()));
    }
    let typ = rest
        .get(..sep)
        .map_or_else(|| lossy(&b[..sep]), str::to_string);
    let cmd_text: Cow<'_, str> = rest
        .get(next..)
        .map_or_else(|| Cow::Owned(lossy(&b[next..])), Cow::Borrowed);
    let (cmd, attrs) = maybe_json(&cmd_text)?;
    let mut next = Vec::with_capacity(cmd.len() + 1);
    next.push(Node {
        value: typ,
        ..Node::default()
    });
    next.extend(cmd);
    Ok((next, attrs))
}

/// How deeply `ONBUILD` may nest (`ONBUILD ONBUILD ... RUN`). Upstream has no limit; this
/// keeps the recursion (and the tree) within the stack. Deeper nesting is refused.
pub const MAX_ONBUILD_NESTING: usize = 128;

fn sub_command(rest: &str, escape: char, depth: usize) -> Result<Parsed, ParseErrorKind> {
    if rest.is_empty() {
        return Ok((Vec::new(), Attributes::default()));
    }
    if depth >= MAX_ONBUILD_NESTING {
        return Err(ParseErrorKind::TooDeep {
            limit: MAX_ONBUILD_NESTING,
        });
    }
    let child = node_from_line_at(rest, escape, Vec::new(), depth + 1)?;
    Ok((
        vec![Node {
            children: vec![child],
            ..Node::default()
        }],
        Attributes::default(),
    ))
}

/// Run `grammar` over the argument text.
fn parse_args(
    grammar: ArgGrammar,
    rest: &str,
    escape: char,
    depth: usize,
) -> Result<Parsed, ParseErrorKind> {
    match grammar {
        ArgGrammar::StringsWhitespaceDelimited => Ok(strings_whitespace_delimited(rest)),
        ArgGrammar::NameOrNameVal => Ok(name_or_name_val(rest, escape)),
        ArgGrammar::MaybeJson => maybe_json(rest),
        ArgGrammar::MaybeJsonToList => maybe_json_to_list(rest),
        ArgGrammar::Env => name_val(rest, "ENV", escape),
        ArgGrammar::Label => name_val(rest, "LABEL", escape),
        ArgGrammar::HealthConfig => health_config(rest),
        ArgGrammar::String => Ok(if rest.is_empty() {
            (Vec::new(), Attributes::default())
        } else {
            (leaf(rest), Attributes::default())
        }),
        ArgGrammar::SubCommand => sub_command(rest, escape, depth),
        ArgGrammar::Ignore => Ok((vec![Node::default()], Attributes::default())),
    }
}

/// Upstream's `newNodeFromLine`: one instruction node from a logical line.
pub(crate) fn node_from_line(
    line: &str,
    escape: char,
    comments: Vec<String>,
) -> Result<Node, ParseErrorKind> {
    node_from_line_at(line, escape, comments, 0)
}

fn node_from_line_at(
    line: &str,
    escape: char,
    comments: Vec<String>,
    depth: usize,
) -> Result<Node, ParseErrorKind> {
    let (cmd, flags, args) = split_command(line, escape);
    let (next, attributes) = parse_args(grammar_for(cmd), &args, escape, depth)?;
    Ok(Node {
        value: cmd.to_string(),
        original: line.to_string(),
        flags,
        next,
        attributes,
        prev_comment: comments,
        ..Node::default()
    })
}

/// Upstream's `canContainHeredoc`: RUN, COPY and ADD in shell form, also behind ONBUILD.
pub(crate) fn can_contain_heredoc(node: &Node) -> bool {
    let mut n = node;
    if keyword_is(&n.value, "onbuild")
        && let Some(c) = n.next.first().and_then(|x| x.children.first())
    {
        n = c;
    }
    (keyword_is(&n.value, "run") || keyword_is(&n.value, "copy") || keyword_is(&n.value, "add"))
        && !n.attributes.json
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: &[Node]) -> Vec<String> {
        n.iter().map(|x| x.value.clone()).collect()
    }

    #[test]
    fn words() {
        let cases: &[(&str, &[&str])] = &[
            ("foo", &["foo"]),
            ("foo bar", &["foo", "bar"]),
            ("foo\\ bar", &["foo\\ bar"]),
            ("foo=bar", &["foo=bar"]),
            ("foo bar 'abc xyz'", &["foo", "bar", "'abc xyz'"]),
            ("foo bar \"abc xyz\"", &["foo", "bar", "\"abc xyz\""]),
            ("àöû", &["àöû"]),
            ("föo bàr \"âbc xÿz\"", &["föo", "bàr", "\"âbc xÿz\""]),
            ("a ''", &["a", "''"]),
            ("a\\", &["a"]),
        ];
        for (input, want) in cases {
            assert_eq!(&parse_words(input, '\\'), want, "{input}");
        }
    }

    #[test]
    fn name_val_forms() {
        let (n, _) = name_val("foo bar", "LABEL", '\\').unwrap();
        assert_eq!(values(&n), vec!["foo", "bar", ""]);
        let (n, _) = name_val("foo=bar thing=star", "LABEL", '\\').unwrap();
        assert_eq!(values(&n), vec!["foo", "bar", "=", "thing", "star", "="]);
        assert_eq!(
            name_val("foo", "ENV", '\\').unwrap_err().to_string(),
            "ENV must have two arguments"
        );
        assert!(name_val("a=b c", "ENV", '\\').is_err());
    }

    #[test]
    fn builder_flags() {
        let (rest, flags) = extract_builder_flags("--a=1 --b='x y' -- c d", '\\');
        assert_eq!(flags, vec!["--a=1", "--b=x y"]);
        assert_eq!(rest.trim(), "c d");
        let (rest, flags) = extract_builder_flags("--from=é x", '\\');
        assert_eq!(flags, vec!["--from=Ã©"]);
        assert_eq!(rest, "x");
        let (rest, flags) = extract_builder_flags("--x=\"\"", '\\');
        assert_eq!(flags, vec!["--x="]);
        assert_eq!(rest, "");
        let (cmd, flags, args) = split_command("  RUN   --mount=a   echo  hi ", '\\');
        assert_eq!(
            (cmd, flags, args.as_ref()),
            ("RUN", vec!["--mount=a".to_string()], "echo  hi")
        );
    }

    #[test]
    fn health() {
        let (n, a) = health_config("CMD [\"a\"]").unwrap();
        assert_eq!(values(&n), vec!["CMD", "a"]);
        assert!(a.json);
        let (n, _) = health_config("").unwrap();
        assert!(n.is_empty());
    }

    #[test]
    fn grammars() {
        assert_eq!(grammar_for("RUN"), ArgGrammar::MaybeJson);
        assert_eq!(grammar_for("healthCheck"), ArgGrammar::HealthConfig);
        assert_eq!(grammar_for("wor\u{212a}dir"), ArgGrammar::String);
        assert_eq!(grammar_for("RUNN"), ArgGrammar::Ignore);
        assert_eq!(grammar_for("somethingverylong"), ArgGrammar::Ignore);
    }
}
