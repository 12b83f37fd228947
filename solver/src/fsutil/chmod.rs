//! Symbolic file modes as `chmod(1)` takes them (`u=rwX,go=rX`, `+x`,
//! `g=u`, or octal `0755`), applied with umask 0 — the semantics BuildKit
//! uses for `FileActionCopy.modeStr`.

/// A parse failure.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid mode: {0}")]
pub struct ModeError(pub String);

const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;

/// Which classes a clause applies to (bit set of u=4, g=2, o=1).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Who(u8);

/// The right-hand side of one operation.
#[derive(Debug, Clone, PartialEq)]
enum Perms {
    /// Explicit letters: r w x X s t.
    Letters {
        r: bool,
        w: bool,
        x: bool,
        big_x: bool,
        s: bool,
        t: bool,
    },
    /// Copy another class's bits (`g=u`).
    Copy(u8),
}

/// One `op perms` step.
#[derive(Debug, Clone, PartialEq)]
struct Action {
    who: Who,
    op: char,
    perms: Perms,
}

/// A parsed mode: either absolute (octal) or a list of symbolic actions.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeSet {
    absolute: Option<u32>,
    actions: Vec<Action>,
}

impl ModeSet {
    /// Parses a mode string.
    pub fn parse(s: &str) -> Result<ModeSet, ModeError> {
        let err = || ModeError(s.to_string());
        if s.is_empty() {
            return Err(err());
        }
        if s.chars().all(|c| c.is_ascii_digit()) {
            let v = u32::from_str_radix(s, 8).map_err(|_| err())?;
            if v > 0o7777 {
                return Err(err());
            }
            return Ok(ModeSet {
                absolute: Some(v),
                actions: Vec::new(),
            });
        }
        let mut actions = Vec::new();
        for clause in s.split(',') {
            let bytes = clause.as_bytes();
            let mut i = 0;
            let mut who = 0u8;
            while i < bytes.len() && matches!(bytes[i], b'u' | b'g' | b'o' | b'a') {
                who |= match bytes[i] {
                    b'u' => 4,
                    b'g' => 2,
                    b'o' => 1,
                    _ => 7,
                };
                i += 1;
            }
            let explicit_who = who != 0;
            if !explicit_who {
                who = 7;
            }
            if i >= bytes.len() {
                return Err(err());
            }
            while i < bytes.len() {
                let op = bytes[i] as char;
                if !matches!(op, '+' | '-' | '=') {
                    return Err(err());
                }
                i += 1;
                let perms = if i < bytes.len() && matches!(bytes[i], b'u' | b'g' | b'o') {
                    let class = match bytes[i] {
                        b'u' => 4,
                        b'g' => 2,
                        _ => 1,
                    };
                    i += 1;
                    Perms::Copy(class)
                } else {
                    let (mut r, mut w, mut x, mut big_x, mut st_s, mut st_t) =
                        (false, false, false, false, false, false);
                    while i < bytes.len()
                        && matches!(bytes[i], b'r' | b'w' | b'x' | b'X' | b's' | b't')
                    {
                        match bytes[i] {
                            b'r' => r = true,
                            b'w' => w = true,
                            b'x' => x = true,
                            b'X' => big_x = true,
                            b's' => st_s = true,
                            _ => st_t = true,
                        }
                        i += 1;
                    }
                    Perms::Letters {
                        r,
                        w,
                        x,
                        big_x,
                        s: st_s,
                        t: st_t,
                    }
                };
                actions.push(Action {
                    who: Who(who),
                    op,
                    perms,
                });
                if i < bytes.len() && !matches!(bytes[i], b'+' | b'-' | b'=') {
                    return Err(err());
                }
            }
        }
        Ok(ModeSet {
            absolute: None,
            actions,
        })
    }

    /// Applies the mode to the permission bits `mode` (0o7777 part) of a
    /// file; `is_dir` matters for `X`.
    pub fn apply(&self, mode: u32, is_dir: bool) -> u32 {
        if let Some(abs) = self.absolute {
            return abs;
        }
        let mut m = mode & 0o7777;
        for a in &self.actions {
            let who = a.who.0;
            // rwx bits for the selected classes.
            let class_mask = spread(0o7, who);
            let bits = match &a.perms {
                Perms::Copy(class) => {
                    let shift = class_shift(*class);
                    let v = (m >> shift) & 0o7;
                    spread(v, who)
                }
                Perms::Letters {
                    r,
                    w,
                    x,
                    big_x,
                    s,
                    t,
                } => {
                    let mut v = 0;
                    if *r {
                        v |= 4;
                    }
                    if *w {
                        v |= 2;
                    }
                    let any_exec = m & 0o111 != 0;
                    if *x || (*big_x && (is_dir || any_exec)) {
                        v |= 1;
                    }
                    let mut b = spread(v, who);
                    if *s {
                        if who & 4 != 0 {
                            b |= S_ISUID;
                        }
                        if who & 2 != 0 {
                            b |= S_ISGID;
                        }
                    }
                    if *t && who & 1 != 0 {
                        b |= S_ISVTX;
                    }
                    b
                }
            };
            match a.op {
                '+' => m |= bits,
                '-' => m &= !bits,
                _ => {
                    let mut clear = class_mask;
                    if who & 4 != 0 {
                        clear |= S_ISUID;
                    }
                    if who & 2 != 0 {
                        clear |= S_ISGID;
                    }
                    m = (m & !clear) | bits;
                }
            }
        }
        m
    }
}

/// The shift of a class's rwx triple (u=6, g=3, o=0).
fn class_shift(class: u8) -> u32 {
    match class {
        4 => 6,
        2 => 3,
        _ => 0,
    }
}

/// Places a 3-bit rwx value into every class in `who`.
fn spread(v: u32, who: u8) -> u32 {
    let mut out = 0;
    for class in [4u8, 2, 1] {
        if who & class != 0 {
            out |= v << class_shift(class);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ap(s: &str, mode: u32, dir: bool) -> u32 {
        ModeSet::parse(s).unwrap().apply(mode, dir)
    }

    #[test]
    fn octal_is_absolute() {
        assert_eq!(ap("0755", 0o600, false), 0o755);
        assert_eq!(ap("4711", 0, false), 0o4711);
        assert!(ModeSet::parse("8").is_err());
        assert!(ModeSet::parse("17777").is_err());
    }

    #[test]
    fn plus_minus_equals() {
        assert_eq!(ap("+x", 0o644, false), 0o755);
        assert_eq!(ap("u+x", 0o644, false), 0o744);
        assert_eq!(ap("go-w", 0o666, false), 0o644);
        assert_eq!(ap("a=r", 0o777, false), 0o444);
        assert_eq!(ap("u=rw,go=r", 0o000, false), 0o644);
        assert_eq!(ap("=", 0o777, false), 0o000);
    }

    #[test]
    fn big_x_depends_on_dir_or_exec() {
        assert_eq!(ap("u=rwX,go=rX", 0o600, false), 0o644);
        assert_eq!(ap("u=rwX,go=rX", 0o600, true), 0o755);
        assert_eq!(ap("u=rwX,go=rX", 0o700, false), 0o755);
        assert_eq!(ap("a+X", 0o644, false), 0o644);
        assert_eq!(ap("a+X", 0o744, false), 0o755);
    }

    #[test]
    fn setid_sticky_and_copy() {
        assert_eq!(ap("u+s", 0o755, false), 0o4755);
        assert_eq!(ap("g+s", 0o755, true), 0o2755);
        assert_eq!(ap("+t", 0o777, true), 0o1777);
        assert_eq!(ap("o+t", 0o777, true), 0o1777);
        assert_eq!(ap("g=u", 0o740, false), 0o770);
        assert_eq!(ap("go=u-w", 0o755, false), 0o755);
        assert_eq!(ap("u=rwx,g=u-w,o=", 0, false), 0o750);
        assert_eq!(ap("u-s", 0o4755, false), 0o755);
    }

    #[test]
    fn bad_modes() {
        for bad in ["", "u", "z+x", "u+q", "u+x,", "+x y"] {
            assert!(ModeSet::parse(bad).is_err(), "{bad}");
        }
    }
}
