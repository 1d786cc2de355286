//! Account administration.

use super::pagination::{self, Page};
use super::password_hash::hash_password;
use super::{Ctx, Principal};
use crate::db::{
    self,
    users::{UserChanges, UserFilter, UserRow},
    DbConn, DbUuid,
};
use crate::domain::{password, time, user, FieldErrors, Role};
use crate::error::{codes, AppError, AppResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub display_name: String,
    pub enterprise_id: Option<Uuid>,
    /// Enterprises a `third_party` inspector is assigned to.
    pub assigned_enterprise_ids: Vec<Uuid>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub enterprise_id: Option<Uuid>,
    /// Only for `third_party`.
    #[serde(default)]
    pub assigned_enterprise_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "crate::service::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub enterprise_id: Option<Option<Uuid>>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
    pub assigned_enterprise_ids: Option<Vec<Uuid>>,
}

fn view(row: UserRow, assigned: Vec<DbUuid>) -> AppResult<UserView> {
    Ok(UserView {
        id: row.id.0,
        username: row.username,
        role: row.role,
        display_name: row.display_name,
        enterprise_id: row.enterprise_id.map(|e| e.0),
        assigned_enterprise_ids: assigned.into_iter().map(|e| e.0).collect(),
        disabled: row.disabled,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn load_view(c: &mut DbConn, id: Uuid) -> AppResult<UserView> {
    let row = db::users::find(c, DbUuid(id))?.ok_or(AppError::not_found("用户 user"))?;
    let assigned = db::users::assigned_enterprises(c, row.id)?;
    view(row, assigned)
}

pub async fn view_by_id(ctx: &Ctx, id: Uuid) -> AppResult<UserView> {
    ctx.db.run(move |c| load_view(c, id)).await
}

/// Checks that referenced enterprises exist (one field error per missing id).
fn check_enterprises_exist(
    c: &mut DbConn,
    field: &str,
    ids: &[Uuid],
    errs: &mut FieldErrors,
) -> AppResult<()> {
    let wanted: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let found = db::enterprises::existing_ids(c, &wanted)?;
    for id in ids {
        if !found.contains(&DbUuid(*id)) {
            errs.add(
                field,
                format!("企业{id}不存在 / enterprise {id} does not exist"),
            );
        }
    }
    Ok(())
}

fn check_assignment(role: Role, assigned: &[Uuid], errs: &mut FieldErrors) {
    if !assigned.is_empty() && role != Role::ThirdParty {
        errs.add(
            "assigned_enterprise_ids",
            "只有第三方机构检查员可以分配企业 / only third_party users are assigned enterprises",
        );
    }
}

/// Creates an account (admin only over HTTP; the CLI passes `None`).
pub async fn create(ctx: &Ctx, who: Option<&Principal>, input: NewUser) -> AppResult<UserView> {
    if let Some(p) = who {
        p.require(Role::manages_users)?;
    }
    let mut errs = FieldErrors::new();
    let username = input.username.trim().to_string();
    user::check_username(&username, &mut errs);
    if let Err(m) = password::check(&input.password) {
        errs.add("password", m);
    }
    user::check_role_binding(input.role, input.enterprise_id, &mut errs);
    check_assignment(input.role, &input.assigned_enterprise_ids, &mut errs);
    let display_name = input
        .display_name
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| username.clone());
    if display_name.chars().count() > 100 {
        errs.add(
            "display_name",
            "显示名称过长 / display_name longer than 100 characters",
        );
    }
    let pw = input.password;
    let hash = actix_web::web::block(move || hash_password(&pw))
        .await?
        .map_err(AppError::internal)?;
    let now = time::now().naive_utc();
    let id = Uuid::now_v7();
    let row = UserRow {
        id: DbUuid(id),
        username: username.clone(),
        password_hash: hash,
        role: input.role,
        display_name,
        enterprise_id: input.enterprise_id.map(DbUuid),
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    let assigned: Vec<Uuid> = input.assigned_enterprise_ids;
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                if let Some(e) = input.enterprise_id {
                    check_enterprises_exist(c, "enterprise_id", &[e], &mut errs)?;
                }
                check_enterprises_exist(c, "assigned_enterprise_ids", &assigned, &mut errs)?;
                if errs.is_empty() && db::users::find_by_username(c, &username)?.is_some() {
                    return Err(AppError::conflict(
                        codes::USERNAME_TAKEN,
                        format!("用户名“{username}”已被使用 / username {username:?} is taken"),
                    ));
                }
                errs.finish().map_err(AppError::validation)?;
                db::users::insert(c, &row)?;
                let ids: Vec<DbUuid> = assigned.iter().copied().map(DbUuid).collect();
                db::users::set_assigned_enterprises(c, row.id, &ids)?;
                Ok::<_, AppError>(())
            })?;
            load_view(c, id)
        })
        .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub role: Option<Role>,
    pub enterprise_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub async fn list(ctx: &Ctx, who: &Principal, q: UserQuery) -> AppResult<Page<UserView>> {
    who.require(Role::manages_users)?;
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?;
    let filter = UserFilter {
        role: q.role,
        enterprise_id: q.enterprise_id.map(DbUuid),
        after: after.map(DbUuid),
        limit: limit + 1,
    };
    ctx.db
        .run(move |c| {
            let rows = db::users::list(c, &filter)?;
            let mut views = Vec::with_capacity(rows.len());
            for r in rows {
                let a = db::users::assigned_enterprises(c, r.id)?;
                views.push(view(r, a)?);
            }
            Ok(pagination::page_of(views, limit, |v| v.id, |v| v))
        })
        .await
}

/// Admins read anyone; everybody reads themselves; others are 404.
pub async fn get(ctx: &Ctx, who: &Principal, id: Uuid) -> AppResult<UserView> {
    if !who.role.manages_users() && who.user_id != id {
        return Err(AppError::not_found("用户 user"));
    }
    view_by_id(ctx, id).await
}

/// The changes a patch makes to `cur`, every problem at once.
fn checked_changes(
    c: &mut DbConn,
    cur: &UserRow,
    patch: &UserPatch,
    hash: Option<String>,
    mut errs: FieldErrors,
) -> AppResult<UserChanges> {
    let role = patch.role.unwrap_or(cur.role);
    let enterprise_id = match patch.enterprise_id {
        Some(e) => e,
        None if role.needs_enterprise() => cur.enterprise_id.map(|e| e.0),
        None => None,
    };
    user::check_role_binding(role, enterprise_id, &mut errs);
    if let Some(e) = enterprise_id {
        check_enterprises_exist(c, "enterprise_id", &[e], &mut errs)?;
    }
    if let Some(a) = &patch.assigned_enterprise_ids {
        check_assignment(role, a, &mut errs);
        check_enterprises_exist(c, "assigned_enterprise_ids", a, &mut errs)?;
    }
    if let Some(d) = &patch.display_name {
        if d.trim().is_empty() || d.chars().count() > 100 {
            errs.add(
                "display_name",
                "显示名称应为1到100个字符 / display_name must be 1..100 characters",
            );
        }
    }
    errs.finish().map_err(AppError::validation)?;
    Ok(UserChanges {
        password_hash: hash,
        role: Some(role),
        display_name: patch.display_name.as_deref().map(|d| d.trim().to_string()),
        enterprise_id: Some(enterprise_id.map(DbUuid)),
        disabled: patch.disabled,
        updated_at: Some(time::now().naive_utc()),
    })
}

fn apply_update(
    c: &mut DbConn,
    id: Uuid,
    patch: &UserPatch,
    hash: Option<String>,
    errs: FieldErrors,
) -> AppResult<()> {
    let cur = db::users::find(c, DbUuid(id))?.ok_or(AppError::not_found("用户 user"))?;
    let changes = checked_changes(c, &cur, patch, hash, errs)?;
    let role = changes.role.unwrap_or(cur.role);
    let now = changes
        .updated_at
        .unwrap_or_else(|| time::now().naive_utc());
    db::users::update(c, cur.id, &changes)?;
    if role != Role::ThirdParty {
        db::users::set_assigned_enterprises(c, cur.id, &[])?;
    } else if let Some(a) = &patch.assigned_enterprise_ids {
        let ids: Vec<DbUuid> = a.iter().copied().map(DbUuid).collect();
        db::users::set_assigned_enterprises(c, cur.id, &ids)?;
    }
    // A new password, a lost role or a disabled account ends every session.
    if changes.password_hash.is_some() || patch.disabled == Some(true) || role != cur.role {
        db::users::revoke_sessions(c, cur.id, now)?;
    }
    Ok(())
}

pub async fn update(
    ctx: &Ctx,
    who: Option<&Principal>,
    id: Uuid,
    patch: UserPatch,
) -> AppResult<UserView> {
    if let Some(p) = who {
        p.require(Role::manages_users)?;
        if p.user_id == id
            && (patch.disabled == Some(true) || patch.role.is_some_and(|r| !r.manages_users()))
        {
            return Err(AppError::conflict(codes::CANNOT_DEMOTE_SELF, "不能停用或降级自己的管理员账号 / you cannot disable or demote your own admin account"));
        }
    }
    let mut errs = FieldErrors::new();
    if let Some(pw) = &patch.password {
        if let Err(m) = password::check(pw) {
            errs.add("password", m);
        }
    }
    let hash = match patch.password.clone() {
        Some(pw) if errs.is_empty() => Some(
            actix_web::web::block(move || hash_password(&pw))
                .await?
                .map_err(AppError::internal)?,
        ),
        _ => None,
    };
    ctx.db
        .run(move |c| {
            c.write_tx(|c| apply_update(c, id, &patch, hash, errs))?;
            load_view(c, id)
        })
        .await
}

pub async fn find_id_by_username(ctx: &Ctx, username: String) -> AppResult<Uuid> {
    ctx.db
        .run(move |c| {
            db::users::find_by_username(c, &username)?
                .map(|u| u.id.0)
                .ok_or(AppError::not_found("用户 user"))
        })
        .await
}

pub async fn all(ctx: &Ctx) -> AppResult<Vec<UserView>> {
    ctx.db
        .run(|c| {
            let mut out = Vec::new();
            for r in db::users::all(c)? {
                let a = db::users::assigned_enterprises(c, r.id)?;
                out.push(view(r, a)?);
            }
            Ok(out)
        })
        .await
}
