//! A refused form shown in the form itself, not on an error page: the
//! message and each field's error at the form's top (with the field's
//! label), each error again beside its field, and what was typed filled
//! back in. Focus moves to the refusal; a boosted (htmx) submit scrolls to it.

use super::chrome::Lang;
use crate::error::AppError;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use std::collections::HashMap;

pub struct Refusal {
    /// Which form of the page (e.g. `acknowledge`, `add-user`).
    form: String,
    message: String,
    /// (field, label, message) as the service named them.
    fields: Vec<(String, &'static str, String)>,
    values: HashMap<String, String>,
}

/// The refusals a user can put right in the form: fields and rules. Other
/// errors (not found, CSRF, a server failure) keep the error page.
pub fn shown_in_form(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Validation(_)
            | AppError::Unprocessable { .. }
            | AppError::Conflict { .. }
            | AppError::PreconditionFailed { .. }
            | AppError::Forbidden { .. }
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Refusal {
    /// `values`: the form's text fields; the CSRF token, versions and
    /// passwords are never typed back into a page.
    pub fn of(lang: Lang, form: &str, e: &AppError, values: HashMap<String, String>) -> Refusal {
        let p = e.to_problem();
        let message = match e {
            AppError::PreconditionFailed { .. } => lang.t("stale").to_string(),
            _ => p.detail.clone(),
        };
        let values = values
            .into_iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "version" | "password"))
            .collect();
        Refusal {
            form: form.to_string(),
            message,
            fields: p
                .errors
                .iter()
                .map(|f| {
                    let label = super::pages::field_label(lang, &f.field);
                    (f.field.clone(), label, f.message.clone())
                })
                .collect(),
            values,
        }
    }

    /// The page's status: the error's (a stale version reads as a conflict).
    pub fn status(e: &AppError) -> StatusCode {
        match actix_web::ResponseError::status_code(e) {
            StatusCode::PRECONDITION_FAILED => StatusCode::CONFLICT,
            s => s,
        }
    }

    /// The page, telling a boosted submit to scroll to the refusal.
    pub fn respond(mut res: HttpResponse, form: &str) -> HttpResponse {
        let swap = format!("innerHTML show:#errors-{form}:top");
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&swap) {
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("hx-reswap"),
                v,
            );
        }
        res
    }

    /// The box at the top of `form` when it was the one refused.
    pub fn box_for(r: Option<&Refusal>, form: &str) -> String {
        let Some(r) = r.filter(|r| r.form == form) else {
            return String::new();
        };
        // Focused on load (and so scrolled to): the reader starts at why.
        let mut out = format!(
            r#"<div class="form-errors" role="alert" id="errors-{}" tabindex="-1" autofocus><p class="error">{}</p>"#,
            esc(form),
            esc(&r.message)
        );
        if !r.fields.is_empty() {
            out.push_str(r#"<ul class="errors">"#);
            for (field, label, message) in &r.fields {
                let label = match *label {
                    "" => String::new(),
                    l => format!("<b>{}</b> ", esc(l)),
                };
                out.push_str(&format!(
                    "<li>{label}<code>{}</code>：{}</li>",
                    esc(field),
                    esc(message)
                ));
            }
            out.push_str("</ul>");
        }
        out.push_str("</div>");
        out
    }

    /// The error of `field` in the refused `form`, beside its input.
    pub fn field_for(r: Option<&Refusal>, form: &str, field: &str) -> String {
        r.filter(|r| r.form == form)
            .and_then(|r| r.fields.iter().find(|(f, _, _)| f == field))
            .map(|(f, _, m)| {
                format!(
                    r#"<span class="field-error" id="err-{}">{}</span>"#,
                    esc(&f.replace(['.', '[', ']'], "-")),
                    esc(m)
                )
            })
            .unwrap_or_default()
    }

    /// What was typed into `name` of the refused `form`.
    pub fn value_for<'a>(r: Option<&'a Refusal>, form: &str, name: &str) -> &'a str {
        r.filter(|r| r.form == form)
            .and_then(|r| r.values.get(name))
            .map(String::as_str)
            .unwrap_or("")
    }
}
