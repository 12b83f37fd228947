//! [`FileView`]: a `FileOp` read in place, its strings borrowed from the
//! op's bytes, for the dump's fast path.
//!
//! Copy, mkfile, mkdir and rm actions are read in full, as prost reads
//! them: the last value of a scalar wins, repeated fields append, a message
//! field given twice is merged field by field, and of a oneof's members the
//! last one counts (merged with the one before when it is the same member).
//! A symlink action, an unknown field, a wrong wire type or invalid UTF-8
//! makes [`FileView::read`] fail, and the payload is decoded by prost.
//! [`FileView::write`] writes what [`file_op`](super::file::file_op)
//! writes.

use super::wire::{
    Fields, Unusual, Value, data, flag, int32, int64, merge_into, read_new, text, uint32,
};
use super::writer::Obj;

/// `pb.FileOp`, borrowed. Reused from op to op, keeping its room.
#[derive(Default)]
pub(super) struct FileView<'a> {
    actions: Vec<ActionView<'a>>,
}

/// `pb.FileAction`, borrowed.
#[derive(Default)]
struct ActionView<'a> {
    input: i64,
    secondary_input: i64,
    output: i64,
    action: Option<ActionKind<'a>>,
}

/// The `action` oneof of `pb.FileAction`, but for symlinks.
enum ActionKind<'a> {
    Copy(CopyView<'a>),
    Mkfile(MkfileView<'a>),
    Mkdir(MkdirView<'a>),
    Rm(RmView<'a>),
}

/// `pb.FileActionCopy`, borrowed.
#[derive(Default)]
struct CopyView<'a> {
    src: &'a str,
    dest: &'a str,
    owner: Option<ChownView<'a>>,
    mode: i32,
    follow_symlink: bool,
    dir_copy_contents: bool,
    attempt_unpack_docker_compatibility: bool,
    create_dest_path: bool,
    allow_wildcard: bool,
    allow_empty_wildcard: bool,
    timestamp: i64,
    include_patterns: Vec<&'a str>,
    exclude_patterns: Vec<&'a str>,
    always_replace_existing_dest_paths: bool,
    mode_str: &'a str,
    required_paths: Vec<&'a str>,
}

/// `pb.FileActionMkFile`, borrowed.
#[derive(Default)]
struct MkfileView<'a> {
    path: &'a str,
    mode: i32,
    data: &'a [u8],
    owner: Option<ChownView<'a>>,
    timestamp: i64,
}

/// `pb.FileActionMkDir`, borrowed.
#[derive(Default)]
struct MkdirView<'a> {
    path: &'a str,
    mode: i32,
    make_parents: bool,
    owner: Option<ChownView<'a>>,
    timestamp: i64,
}

/// `pb.FileActionRm`, borrowed.
#[derive(Default)]
struct RmView<'a> {
    path: &'a str,
    allow_not_found: bool,
    allow_wildcard: bool,
}

/// `pb.ChownOpt`, borrowed.
#[derive(Default)]
struct ChownView<'a> {
    user: Option<UserView<'a>>,
    group: Option<UserView<'a>>,
}

/// `pb.UserOpt`: its `user` oneof, if set.
#[derive(Default)]
struct UserView<'a>(Option<UserKind<'a>>);

/// The `user` oneof of `pb.UserOpt`.
enum UserKind<'a> {
    /// `NamedUserOpt`: name and input.
    ByName(&'a str, i64),
    ById(u32),
}

impl<'a> FileView<'a> {
    /// Reads the `FileOp` in `bytes`, forgetting what was read before.
    pub(super) fn read(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        self.actions.clear();
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                2 => self.actions.push(read_new(value, ActionView::merge)?),
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// Writes the JSON of the `FileOp`.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.list("actions", &self.actions, ActionView::write);
        obj.close();
    }
}

/// Merges the oneof member in `value` into `slot` when `slot` holds that
/// member (`get` gives it), else sets `slot` to the member read into a
/// fresh default (`wrap` makes it).
fn merge_member<'a, O, T: Default>(
    slot: &mut Option<O>,
    value: Value<'a>,
    get: impl FnOnce(&mut O) -> Option<&mut T>,
    wrap: impl FnOnce(T) -> O,
    merge: impl FnOnce(&mut T, &'a [u8]) -> Result<(), Unusual>,
) -> Result<(), Unusual> {
    let bytes = data(value)?;
    if let Some(member) = slot.as_mut().and_then(get) {
        return merge(member, bytes);
    }
    let mut member = T::default();
    merge(&mut member, bytes)?;
    *slot = Some(wrap(member));
    Ok(())
}

impl<'a> ActionView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        use ActionKind as K;
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            let action = &mut self.action;
            match tag {
                1 => self.input = int64(value)?,
                2 => self.secondary_input = int64(value)?,
                3 => self.output = int64(value)?,
                4 => merge_member(
                    action,
                    value,
                    |a| match a {
                        K::Copy(c) => Some(c),
                        _ => None,
                    },
                    K::Copy,
                    CopyView::merge,
                )?,
                5 => merge_member(
                    action,
                    value,
                    |a| match a {
                        K::Mkfile(m) => Some(m),
                        _ => None,
                    },
                    K::Mkfile,
                    MkfileView::merge,
                )?,
                6 => merge_member(
                    action,
                    value,
                    |a| match a {
                        K::Mkdir(m) => Some(m),
                        _ => None,
                    },
                    K::Mkdir,
                    MkdirView::merge,
                )?,
                7 => merge_member(
                    action,
                    value,
                    |a| match a {
                        K::Rm(r) => Some(r),
                        _ => None,
                    },
                    K::Rm,
                    RmView::merge,
                )?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`file_action`](super::file) writes `pb.FileAction`.
    fn write(out: &mut Vec<u8>, v: &ActionView<'_>) {
        let mut obj = Obj::open(out);
        obj.int_always("input", v.input);
        obj.int_always("secondaryInput", v.secondary_input);
        obj.int_always("output", v.output);
        let mut action = Obj::open(obj.key("Action"));
        match &v.action {
            Some(ActionKind::Copy(c)) => c.write(action.key("copy")),
            Some(ActionKind::Mkfile(m)) => m.write(action.key("mkfile")),
            Some(ActionKind::Mkdir(m)) => m.write(action.key("mkdir")),
            Some(ActionKind::Rm(r)) => r.write(action.key("rm")),
            None => {}
        }
        action.close();
        obj.close();
    }
}

impl<'a> CopyView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.src = text(value)?,
                2 => self.dest = text(value)?,
                3 => merge_into(&mut self.owner, value, ChownView::merge)?,
                4 => self.mode = int32(value)?,
                5 => self.follow_symlink = flag(value)?,
                6 => self.dir_copy_contents = flag(value)?,
                7 => self.attempt_unpack_docker_compatibility = flag(value)?,
                8 => self.create_dest_path = flag(value)?,
                9 => self.allow_wildcard = flag(value)?,
                10 => self.allow_empty_wildcard = flag(value)?,
                11 => self.timestamp = int64(value)?,
                12 => self.include_patterns.push(text(value)?),
                13 => self.exclude_patterns.push(text(value)?),
                14 => self.always_replace_existing_dest_paths = flag(value)?,
                15 => self.mode_str = text(value)?,
                16 => self.required_paths.push(text(value)?),
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`copy`](super::file) writes `pb.FileActionCopy`.
    fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.str("src", self.src);
        obj.str("dest", self.dest);
        obj.msg("owner", self.owner.as_ref(), ChownView::write);
        obj.int("mode", i64::from(self.mode));
        obj.bool("followSymlink", self.follow_symlink);
        obj.bool("dirCopyContents", self.dir_copy_contents);
        obj.bool(
            "attemptUnpackDockerCompatibility",
            self.attempt_unpack_docker_compatibility,
        );
        obj.bool("createDestPath", self.create_dest_path);
        obj.bool("allowWildcard", self.allow_wildcard);
        obj.bool("allowEmptyWildcard", self.allow_empty_wildcard);
        obj.int("timestamp", self.timestamp);
        obj.strs("include_patterns", &self.include_patterns);
        obj.strs("exclude_patterns", &self.exclude_patterns);
        obj.bool(
            "alwaysReplaceExistingDestPaths",
            self.always_replace_existing_dest_paths,
        );
        obj.str("modeStr", self.mode_str);
        obj.strs("required_paths", &self.required_paths);
        obj.close();
    }
}

impl<'a> MkfileView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.path = text(value)?,
                2 => self.mode = int32(value)?,
                3 => self.data = data(value)?,
                4 => merge_into(&mut self.owner, value, ChownView::merge)?,
                5 => self.timestamp = int64(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`mkfile`](super::file) writes `pb.FileActionMkFile`.
    fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.str("path", self.path);
        obj.int("mode", i64::from(self.mode));
        obj.bytes("data", self.data);
        obj.msg("owner", self.owner.as_ref(), ChownView::write);
        obj.int("timestamp", self.timestamp);
        obj.close();
    }
}

impl<'a> MkdirView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.path = text(value)?,
                2 => self.mode = int32(value)?,
                3 => self.make_parents = flag(value)?,
                4 => merge_into(&mut self.owner, value, ChownView::merge)?,
                5 => self.timestamp = int64(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`mkdir`](super::file) writes `pb.FileActionMkDir`.
    fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.str("path", self.path);
        obj.int("mode", i64::from(self.mode));
        obj.bool("makeParents", self.make_parents);
        obj.msg("owner", self.owner.as_ref(), ChownView::write);
        obj.int("timestamp", self.timestamp);
        obj.close();
    }
}

impl<'a> RmView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.path = text(value)?,
                2 => self.allow_not_found = flag(value)?,
                3 => self.allow_wildcard = flag(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`rm`](super::file) writes `pb.FileActionRm`.
    fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.str("path", self.path);
        obj.bool("allowNotFound", self.allow_not_found);
        obj.bool("allowWildcard", self.allow_wildcard);
        obj.close();
    }
}

impl<'a> ChownView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => merge_into(&mut self.user, value, UserView::merge)?,
                2 => merge_into(&mut self.group, value, UserView::merge)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`chown`](super::file) writes `pb.ChownOpt`.
    fn write(out: &mut Vec<u8>, v: &ChownView<'_>) {
        let mut obj = Obj::open(out);
        obj.msg("user", v.user.as_ref(), UserView::write);
        obj.msg("group", v.group.as_ref(), UserView::write);
        obj.close();
    }
}

impl<'a> UserView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => {
                    let named = data(value)?;
                    let (mut name, mut input) = match self.0 {
                        Some(UserKind::ByName(name, input)) => (name, input),
                        _ => ("", 0),
                    };
                    let mut fields = Fields(named);
                    while let Some((tag, value)) = fields.next()? {
                        match tag {
                            1 => name = text(value)?,
                            2 => input = int64(value)?,
                            _ => return Err(Unusual),
                        }
                    }
                    self.0 = Some(UserKind::ByName(name, input));
                }
                2 => self.0 = Some(UserKind::ById(uint32(value)?)),
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`user_opt`](super::file) writes `pb.UserOpt`:
    /// `{"User":{"byName":…}}` or `{"User":{"byId":N}}`.
    fn write(out: &mut Vec<u8>, v: &UserView<'_>) {
        let mut obj = Obj::open(out);
        let mut user = Obj::open(obj.key("User"));
        match v.0 {
            Some(UserKind::ByName(name, input)) => {
                let mut n = Obj::open(user.key("byName"));
                n.str("name", name);
                n.int("input", input);
                n.close();
            }
            Some(UserKind::ById(id)) => user.uint("byId", u64::from(id)),
            None => {}
        }
        user.close();
        obj.close();
    }
}
