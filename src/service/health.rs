//! Readiness: can we reach the database and write to the photo store?

use super::Ctx;
use crate::error::AppError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub ready: bool,
    pub database: Check,
    pub photo_store: Check,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Check {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn check(r: Result<(), String>) -> Check {
    match r {
        Ok(()) => Check {
            ok: true,
            error: None,
        },
        Err(e) => Check {
            ok: false,
            error: Some(e),
        },
    }
}

pub async fn readiness(ctx: &Ctx) -> Readiness {
    let database = ctx
        .db
        .run(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute("SELECT 1").map_err(AppError::from)
        })
        .await
        .map_err(|e| format!("{e}"));
    let photo_store = ctx.photos.check().await;
    let database = check(database);
    let photo_store = check(photo_store);
    Readiness {
        ready: database.ok && photo_store.ok,
        database,
        photo_store,
    }
}
