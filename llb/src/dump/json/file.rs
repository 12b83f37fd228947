//! JSON of `pb.FileOp`, its actions and owners (BuildKit's custom JSON forms
//! for `FileAction` and `UserOpt`).

use super::writer::Obj;
use crate::pb;
use crate::pb::file_action::Action;
use crate::pb::user_opt::User;

/// `pb.FileOp`.
pub(super) fn file_op(out: &mut Vec<u8>, v: &pb::FileOp) {
    let mut obj = Obj::open(out);
    obj.list("actions", &v.actions, file_action);
    obj.close();
}

/// `pb.FileAction`: indexes always written; `Action` nests the payload.
/// Upstream's JSON form has no symlink member, so a symlink prints `{}`.
fn file_action(out: &mut Vec<u8>, v: &pb::FileAction) {
    let mut obj = Obj::open(out);
    obj.int_always("input", v.input);
    obj.int_always("secondaryInput", v.secondary_input);
    obj.int_always("output", v.output);
    let mut action = Obj::open(obj.key("Action"));
    match &v.action {
        Some(Action::Copy(c)) => copy(action.key("copy"), c),
        Some(Action::Mkfile(m)) => mkfile(action.key("mkfile"), m),
        Some(Action::Mkdir(m)) => mkdir(action.key("mkdir"), m),
        Some(Action::Rm(r)) => rm(action.key("rm"), r),
        Some(Action::Symlink(_)) | None => {}
    }
    action.close();
    obj.close();
}

/// `pb.FileActionCopy`.
fn copy(out: &mut Vec<u8>, v: &pb::FileActionCopy) {
    let mut obj = Obj::open(out);
    obj.str("src", &v.src);
    obj.str("dest", &v.dest);
    obj.msg("owner", v.owner.as_ref(), chown);
    obj.int("mode", i64::from(v.mode));
    obj.bool("followSymlink", v.follow_symlink);
    obj.bool("dirCopyContents", v.dir_copy_contents);
    obj.bool(
        "attemptUnpackDockerCompatibility",
        v.attempt_unpack_docker_compatibility,
    );
    obj.bool("createDestPath", v.create_dest_path);
    obj.bool("allowWildcard", v.allow_wildcard);
    obj.bool("allowEmptyWildcard", v.allow_empty_wildcard);
    obj.int("timestamp", v.timestamp);
    obj.strs("include_patterns", &v.include_patterns);
    obj.strs("exclude_patterns", &v.exclude_patterns);
    obj.bool(
        "alwaysReplaceExistingDestPaths",
        v.always_replace_existing_dest_paths,
    );
    obj.str("modeStr", &v.mode_str);
    obj.strs("required_paths", &v.required_paths);
    obj.close();
}

/// `pb.FileActionMkFile`.
fn mkfile(out: &mut Vec<u8>, v: &pb::FileActionMkFile) {
    let mut obj = Obj::open(out);
    obj.str("path", &v.path);
    obj.int("mode", i64::from(v.mode));
    obj.bytes("data", &v.data);
    obj.msg("owner", v.owner.as_ref(), chown);
    obj.int("timestamp", v.timestamp);
    obj.close();
}

/// `pb.FileActionMkDir`.
fn mkdir(out: &mut Vec<u8>, v: &pb::FileActionMkDir) {
    let mut obj = Obj::open(out);
    obj.str("path", &v.path);
    obj.int("mode", i64::from(v.mode));
    obj.bool("makeParents", v.make_parents);
    obj.msg("owner", v.owner.as_ref(), chown);
    obj.int("timestamp", v.timestamp);
    obj.close();
}

/// `pb.FileActionRm`.
fn rm(out: &mut Vec<u8>, v: &pb::FileActionRm) {
    let mut obj = Obj::open(out);
    obj.str("path", &v.path);
    obj.bool("allowNotFound", v.allow_not_found);
    obj.bool("allowWildcard", v.allow_wildcard);
    obj.close();
}

/// `pb.ChownOpt`.
fn chown(out: &mut Vec<u8>, v: &pb::ChownOpt) {
    let mut obj = Obj::open(out);
    obj.msg("user", v.user.as_ref(), user_opt);
    obj.msg("group", v.group.as_ref(), user_opt);
    obj.close();
}

/// `pb.UserOpt` as `{"User":{"byName":…}}` / `{"User":{"byId":N}}`.
fn user_opt(out: &mut Vec<u8>, v: &pb::UserOpt) {
    let mut obj = Obj::open(out);
    let mut user = Obj::open(obj.key("User"));
    match &v.user {
        Some(User::ByName(named)) => {
            let mut n = Obj::open(user.key("byName"));
            n.str("name", &named.name);
            n.int("input", named.input);
            n.close();
        }
        Some(User::ById(id)) => user.uint("byId", u64::from(*id)),
        None => {}
    }
    user.close();
    obj.close();
}
