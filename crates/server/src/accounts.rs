//! Accounts: the users table, the rules for what an account may hold, and
//! the changes to one that must end its sessions.

use advocase_core::access::{Role, User};
use advocase_core::api::ApiError;
use advocase_core::sync::{NewUser, UserUpdate};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{self, Entry, action, outcome};
use crate::db::Db;

pub const MAX_USERNAME: usize = 64;
pub const MAX_DISPLAY_NAME: usize = 100;
pub const MIN_PASSWORD: usize = 12;
pub const MAX_UNIT: usize = 100;
pub const MAX_UNITS: usize = 50;

/// An account as stored: the user and their password hash.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    pub password_hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{}", .0.message)]
    Invalid(ApiError),
    #[error("the username '{0}' is already taken")]
    Taken(String),
    #[error("no account named '{0}'")]
    Unknown(String),
    #[error("{}", .0.message)]
    LastAdmin(ApiError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

fn invalid(field: &str, message: impl Into<String>) -> AccountError {
    AccountError::Invalid(ApiError {
        error: "invalid".into(),
        message: message.into(),
        field: Some(field.into()),
    })
}

pub fn check_username(username: &str) -> Result<(), AccountError> {
    if username.is_empty() {
        return Err(invalid("username", "A username is needed."));
    }
    if username.chars().count() > MAX_USERNAME {
        return Err(invalid(
            "username",
            format!("A username has at most {MAX_USERNAME} characters."),
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if !username.chars().all(allowed) {
        return Err(invalid(
            "username",
            "A username uses only lower-case letters, digits, '.', '_' and '-'.",
        ));
    }
    Ok(())
}

fn check_display_name(name: &str) -> Result<(), AccountError> {
    if name.trim().is_empty() {
        return Err(invalid("display_name", "A display name is needed."));
    }
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(invalid(
            "display_name",
            format!("A display name has at most {MAX_DISPLAY_NAME} characters."),
        ));
    }
    Ok(())
}

pub fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(
            "password",
            format!("A password has at least {MIN_PASSWORD} characters."),
        ));
    }
    Ok(())
}

fn check_units(units: &[String]) -> Result<(), AccountError> {
    if units.len() > MAX_UNITS {
        return Err(invalid("units", format!("At most {MAX_UNITS} units.")));
    }
    for (i, unit) in units.iter().enumerate() {
        if unit.trim().is_empty() {
            return Err(invalid(&format!("units[{i}]"), "A unit needs a name."));
        }
        if unit.chars().count() > MAX_UNIT {
            return Err(invalid(
                &format!("units[{i}]"),
                format!("A unit name has at most {MAX_UNIT} characters."),
            ));
        }
    }
    Ok(())
}

fn tidy_units(units: &[String]) -> Vec<String> {
    units.iter().map(|u| u.trim().to_owned()).collect()
}

const COLUMNS: &str = "username, display_name, role, units_json, active, password_hash";

/// An account from a row holding the `users` columns of [`COLUMNS`].
pub(crate) fn from_row(row: &AnyRow) -> Result<Account, sqlx::Error> {
    let decode = |column: &str, e: String| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    };
    let role: String = row.try_get("role")?;
    let units: String = row.try_get("units_json")?;
    let active: i64 = row.try_get("active")?;
    Ok(Account {
        user: User {
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: Role::from_ident(&role).ok_or_else(|| decode("role", "unknown role".into()))?,
            units: serde_json::from_str(&units).map_err(|e| decode("units_json", e.to_string()))?,
            active: active != 0,
        },
        password_hash: row.try_get("password_hash")?,
    })
}

pub async fn get(db: &Db, username: &str) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(db: &Db) -> Result<Vec<User>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| from_row(r).map(|a| a.user)).collect()
}

pub async fn has_active_admin(db: &Db) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT username FROM users WHERE role = 'admin' AND active = 1")
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// Who changes an account, for the change's audit row: an administrator
/// on their device, or [`audit::CLI`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedBy {
    pub username: String,
    pub device: Option<String>,
}

/// Checks and stores a new account (its password hashed off the async
/// threads), with no audit row: for tests' and benchmarks' set-up. The
/// app's paths (`/api/users`, `create-admin`) use [`create_as`].
pub async fn create(db: &Db, new: &NewUser, now_ms: u64) -> Result<User, AccountError> {
    create_recorded(db, new, now_ms, None).await
}

/// [`create`], and its audit row in the same transaction.
pub async fn create_as(
    db: &Db,
    new: &NewUser,
    now_ms: u64,
    by: &ChangedBy,
) -> Result<User, AccountError> {
    create_recorded(db, new, now_ms, Some(by)).await
}

async fn create_recorded(
    db: &Db,
    new: &NewUser,
    now_ms: u64,
    by: Option<&ChangedBy>,
) -> Result<User, AccountError> {
    check_username(&new.username)?;
    check_display_name(&new.display_name)?;
    check_units(&new.units)?;
    check_password(&new.password)?;
    let password = new.password.clone();
    let hash = crate::hashing::hash(password).await;
    let user = User {
        username: new.username.clone(),
        display_name: new.display_name.trim().to_owned(),
        role: new.role,
        units: tidy_units(&new.units),
        active: true,
    };
    let mut tx = db.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (username, display_name, role, units_json, password_hash, active, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, 1, $6)
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(user.role.ident())
    .bind(units_json(&user.units))
    .bind(hash)
    .bind(now_ms as i64)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AccountError::Taken(user.username));
    }
    if let Some(by) = by {
        let detail = format!(
            "account {}: role {}, {} units",
            user.username,
            user.role.ident(),
            user.units.len()
        );
        let entry = Entry::new(action::ACCOUNT_CREATED, outcome::OK, &by.username)
            .device(by.device.clone())
            .detail(detail);
        audit::append(&mut tx, &[entry], now_ms).await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// What an account change did, for its audit row: no names or passwords,
/// the account's username and what kind of change.
fn describe_change(before: &User, after: &User, password: bool) -> String {
    let mut what = Vec::new();
    if before.role != after.role {
        what.push(format!(
            "role {} to {}",
            before.role.ident(),
            after.role.ident()
        ));
    }
    if before.units != after.units {
        what.push(format!("units changed ({} now)", after.units.len()));
    }
    if before.display_name != after.display_name {
        what.push("display name changed".to_owned());
    }
    if before.active != after.active {
        what.push(
            if after.active {
                "reactivated"
            } else {
                "deactivated"
            }
            .to_owned(),
        );
    }
    if password {
        what.push("password reset".to_owned());
    }
    if what.is_empty() {
        what.push("nothing changed".to_owned());
    }
    format!("account {}: {}", after.username, what.join(", "))
}

fn units_json(units: &[String]) -> String {
    serde_json::to_string(units).expect("a list of strings serializes")
}

/// Applies an admin's changes to an account. Deactivating it or changing
/// its password ends every session it has: whoever held the old password
/// or a device of a person who left is signed out at their next request.
/// No audit row: for set-up; `/api/users` uses [`update_as`].
pub async fn update(
    db: &Db,
    username: &str,
    update: &UserUpdate,
    now_ms: u64,
) -> Result<User, AccountError> {
    update_recorded(db, username, update, now_ms, None).await
}

/// [`update`], and its audit row in the same transaction. A new password
/// leaves the user's escrow key as it is (audit/escrow.rs).
pub async fn update_as(
    db: &Db,
    username: &str,
    update: &UserUpdate,
    now_ms: u64,
    by: &ChangedBy,
) -> Result<User, AccountError> {
    update_recorded(db, username, update, now_ms, Some(by)).await
}

async fn update_recorded(
    db: &Db,
    username: &str,
    update: &UserUpdate,
    now_ms: u64,
    by: Option<&ChangedBy>,
) -> Result<User, AccountError> {
    if let Some(name) = &update.display_name {
        check_display_name(name)?;
    }
    if let Some(units) = &update.units {
        check_units(units)?;
    }
    if let Some(password) = &update.password {
        check_password(password)?;
    }
    let hash = match update.password.clone() {
        Some(password) => Some(crate::hashing::hash(password).await),
        None => None,
    };
    let mut tx = db.pool.begin().await?;
    // Taking the write lock first: two admins demoting each other at once
    // must not both pass the last-admin check below.
    sqlx::query("UPDATE sync_counter SET value = value + 0 WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(account) = row.as_ref().map(from_row).transpose()? else {
        return Err(AccountError::Unknown(username.to_owned()));
    };
    let mut user = account.user.clone();
    if let Some(name) = &update.display_name {
        user.display_name = name.trim().to_owned();
    }
    if let Some(role) = update.role {
        user.role = role;
    }
    if let Some(units) = &update.units {
        user.units = tidy_units(units);
    }
    if let Some(active) = update.active {
        user.active = active;
    }
    let was_admin = account.user.active && account.user.role == Role::Admin;
    let stays_admin = user.active && user.role == Role::Admin;
    if was_admin && !stays_admin {
        let others = sqlx::query(
            "SELECT username FROM users WHERE role = 'admin' AND active = 1 AND username <> $1",
        )
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
        if others.is_none() {
            return Err(AccountError::LastAdmin(ApiError {
                error: "last_admin".into(),
                message: "This is the only active administrator: make another one first, or nobody could manage accounts.".into(),
                field: Some(if user.active { "role" } else { "active" }.into()),
            }));
        }
    }
    sqlx::query(
        "UPDATE users SET display_name = $1, role = $2, units_json = $3, active = $4,
             password_hash = $5
         WHERE username = $6",
    )
    .bind(&user.display_name)
    .bind(user.role.ident())
    .bind(units_json(&user.units))
    .bind(i64::from(user.active))
    .bind(hash.as_deref().unwrap_or(&account.password_hash))
    .bind(username)
    .execute(&mut *tx)
    .await?;
    if !user.active || hash.is_some() {
        sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $1 WHERE username = $2 AND revoked_at_ms IS NULL",
        )
        .bind(now_ms as i64)
        .bind(username)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(by) = by {
        let detail = describe_change(&account.user, &user, hash.is_some());
        let entry = Entry::new(action::ACCOUNT_CHANGED, outcome::OK, &by.username)
            .device(by.device.clone())
            .detail(detail);
        audit::append(&mut tx, &[entry], now_ms).await?;
    }
    tx.commit().await?;
    Ok(user)
}
