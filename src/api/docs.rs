//! Human-readable documentation served by the binary itself: Swagger UI
//! at `/api-docs/` (assets embedded at build time, nothing fetched from a
//! CDN) over the spec at `/api-docs/openapi.json`, and one page per
//! problem `code` at `/problems/{code}`, the URI every problem's `type`
//! names. The page text is `api-spec/problems.md`, compiled in.

use crate::error::{codes, title_for, Problem};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use utoipa_swagger_ui::{Config, SwaggerUi};

/// The problem catalogue, as checked in.
const PROBLEMS_MD: &str = include_str!("../../api-spec/problems.md");

/// Swagger UI under `/api-docs/`, reading the spec the server serves.
/// The online validator badge is off: it would send the spec elsewhere.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api-docs/{_:.*}")
        .config(Config::new(["/api-docs/openapi.json"]).validator_url("none"))
}

/// `(status, description)` of a documented code, from the table in problems.md.
pub fn problem_entry(code: &str) -> Option<(&'static str, &'static str)> {
    if !codes::ALL.contains(&code) {
        return None;
    }
    PROBLEMS_MD.lines().find_map(|line| {
        let rest = line.strip_prefix("| `")?;
        let (c, rest) = rest.split_once('`')?;
        if c != code {
            return None;
        }
        let mut cells = rest.trim_start_matches(" |").splitn(2, '|');
        let status = cells.next()?.trim();
        let when = cells.next()?.trim().trim_end_matches('|').trim();
        Some((status, when))
    })
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown's `code` spans as `<code>`; everything else escaped.
fn inline_md(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

fn page(code: &str, status: &str, when: &str) -> String {
    let title = status
        .parse::<u16>()
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .map_or("请求错误 / Request error", title_for);
    let (zh, en) = title.split_once(" / ").unwrap_or((title, title));
    format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{code} — anhuan 安环</title>
<style>body{{font-family:sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}code{{background:#f3f3f3;padding:0 .2em}}</style></head>
<body>
<h1><code>{code}</code></h1>
<p>HTTP {status}</p>
<h2 lang="zh-CN">{zh}</h2>
<p lang="zh-CN">错误代码 <code>{code}</code>（HTTP {status}，{zh}）。客户端应根据 <code>code</code> 字段判断错误类型，其含义不会改变；<code>detail</code> 说明具体原因。</p>
<h2 lang="en">{en}</h2>
<p lang="en">{when_html}</p>
<p><a href="/api-docs/">API documentation</a></p>
</body>
</html>
"#,
        code = escape(code),
        status = escape(status),
        zh = escape(zh),
        en = escape(en),
        when_html = inline_md(when),
    )
}

/// `GET /problems/{code}`: the page describing one problem code.
pub async fn problem_page(code: web::Path<String>) -> HttpResponse {
    let code = code.into_inner();
    match problem_entry(&code) {
        Some((status, when)) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(page(&code, status, when)),
        None => Problem::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("没有这个错误代码 / no problem code {code:?}"),
        )
        .response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_entry() {
        for code in codes::ALL {
            assert!(problem_entry(code).is_some(), "{code}");
        }
        assert_eq!(
            problem_entry(codes::MALFORMED_JSON),
            Some(("400", "the body is not JSON"))
        );
        assert_eq!(problem_entry("no_such_code"), None);
    }

    #[test]
    fn page_is_escaped() {
        let p = page("x", "4xx", "a <b> `c&d`");
        assert!(p.contains("a &lt;b&gt; <code>c&amp;d</code>"), "{p}");
    }
}
