//! Checklist templates: loaded from the embedded files at start, published
//! by admins through the API, read by everyone. A published version never
//! changes: same code and version with other content is refused.

use super::{Ctx, Principal};
use crate::db::{self, checklists::TemplateRow, DbConn, DbUuid};
use crate::domain::checklist::{Category, Item, Template};
use crate::domain::{finding, time, Industry, Label, Role};
use crate::error::{codes, AppError, AppResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/checklists.rs"));
}

pub const SEED_CLAUSES_FILE: &str = "seed-clauses.toml";

/// The template files built into the binary, parsed and validated.
pub fn embedded_templates() -> anyhow::Result<Vec<Template>> {
    let mut out = Vec::new();
    for (name, text) in embedded::FILES
        .iter()
        .filter(|(n, _)| *n != SEED_CLAUSES_FILE)
    {
        let t: Template =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("checklists/{name}: {e}"))?;
        t.validate().map_err(|errs| {
            let list: Vec<String> = errs
                .into_vec()
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("checklists/{name}: {}", list.join("; "))
        })?;
        out.push(t);
    }
    Ok(out)
}

/// One article or item of a major-hazard standard
/// (checklists/standards/*.toml).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardClause {
    /// As the standard numbers it, e.g. `第五条第（六）项` or `第十四条`.
    pub clause: String,
    pub title_zh: String,
    /// Whether the case can occur in the park's industries.
    pub relevant: bool,
    pub why: String,
    /// Checked against a published copy of the text.
    pub text_checked: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardTable {
    /// What an item's `major_criterion` starts with when it cites this standard.
    pub cite_prefix: String,
    pub clauses: Vec<StandardClause>,
}

/// 《工贸企业重大事故隐患判定标准》 (Order No. 10), article by article.
pub fn order10_table() -> anyhow::Result<StandardTable> {
    Ok(toml::from_str(include_str!(
        "../../checklists/standards/order10.toml"
    ))?)
}

/// 住房和城乡建设部《城镇燃气经营安全重大隐患判定标准》 (2023), the
/// articles that could be verified.
pub fn gas2023_table() -> anyhow::Result<StandardTable> {
    Ok(toml::from_str(include_str!(
        "../../checklists/standards/gas2023.toml"
    ))?)
}

/// 国家能源局《重大电力安全隐患判定标准（试行）》 (2022): its scope
/// article rules it out for this park; tabled so the decision is data.
pub fn power2022_table() -> anyhow::Result<StandardTable> {
    Ok(toml::from_str(include_str!(
        "../../checklists/standards/power2022.toml"
    ))?)
}

#[derive(Debug, Deserialize)]
pub struct SeedClause {
    pub id: String,
    pub summary_zh: String,
    pub summary_en: String,
}

/// The work-plan clauses the templates must cover (checklists/seed-clauses.toml).
pub fn seed_clauses() -> anyhow::Result<Vec<SeedClause>> {
    #[derive(Deserialize)]
    struct F {
        clauses: Vec<SeedClause>,
    }
    let text = embedded::FILES
        .iter()
        .find(|(n, _)| *n == SEED_CLAUSES_FILE)
        .map(|(_, t)| *t)
        .ok_or_else(|| anyhow::anyhow!("checklists/{SEED_CLAUSES_FILE} missing"))?;
    Ok(toml::from_str::<F>(text)?.clauses)
}

fn row_for(t: &Template, source: &str, by: Option<Uuid>) -> AppResult<TemplateRow> {
    Ok(TemplateRow {
        id: DbUuid(Uuid::now_v7()),
        code: t.code.clone(),
        version: t.version,
        category: t.category.as_str().into(),
        industry: t.industry.map(|i| i.as_str().to_string()),
        title_zh: t.title_zh.clone(),
        title_en: t.title_en.clone(),
        content_hash: t.content_hash(),
        body: serde_json::to_string(t).map_err(AppError::internal)?,
        source: source.into(),
        published_by: by.map(DbUuid),
        published_at: time::now().naive_utc(),
    })
}

pub enum Stored {
    Inserted,
    Unchanged,
}

/// Inserts a version unless an identical one exists; different content
/// under a published version is a conflict.
fn store(
    c: &mut DbConn,
    t: &Template,
    source: &str,
    by: Option<Uuid>,
) -> AppResult<(Stored, TemplateRow)> {
    if let Some(existing) = db::checklists::find_version(c, &t.code, t.version)? {
        if existing.content_hash == t.content_hash() {
            return Ok((Stored::Unchanged, existing));
        }
        return Err(AppError::conflict(
            codes::CHECKLIST_VERSION_CHANGED,
            format!(
                "检查表{}第{}版已发布，内容不可更改；请发布新版本 / {} v{} is published and immutable; publish a new version",
                t.code, t.version, t.code, t.version
            ),
        ));
    }
    let row = row_for(t, source, by)?;
    db::checklists::insert(c, &row)?;
    Ok((Stored::Inserted, row))
}

/// Start-up: load every embedded template; idempotent.
pub fn load_embedded(database: &db::Db) -> anyhow::Result<usize> {
    let templates = embedded_templates()?;
    database.run_blocking(|c| {
        c.write_tx(|c| {
            let mut inserted = 0;
            for t in &templates {
                match store(c, t, "file", None) {
                    Ok((Stored::Inserted, _)) => inserted += 1,
                    Ok((Stored::Unchanged, _)) => {}
                    Err(e) => anyhow::bail!("checklists: {}", e.to_problem().detail),
                }
            }
            Ok(inserted)
        })
    })
}

pub fn parse_row(row: &TemplateRow) -> AppResult<Template> {
    serde_json::from_str(&row.body).map_err(AppError::internal)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateSummary {
    pub id: Uuid,
    pub code: String,
    pub version: i32,
    pub title_zh: String,
    pub title_en: String,
    pub category: Category,
    pub category_label: Label,
    pub industry: Option<Industry>,
    pub item_count: usize,
    pub major_item_count: usize,
    pub published_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    #[serde(flatten)]
    pub summary: TemplateSummary,
    pub description_zh: String,
    pub description_en: String,
    pub content_hash: String,
    /// `file` (from the repository) or `api` (published by an admin).
    pub source: String,
    pub items: Vec<Item>,
}

fn summary(row: &TemplateRow, t: &Template) -> TemplateSummary {
    let (zh, en) = finding::category_label(t.category);
    TemplateSummary {
        id: row.id.0,
        code: t.code.clone(),
        version: t.version,
        title_zh: t.title_zh.clone(),
        title_en: t.title_en.clone(),
        category: t.category,
        category_label: (zh, en).into(),
        industry: t.industry,
        item_count: t.items.len(),
        major_item_count: t.items.iter().filter(|i| i.criterion_major()).count(),
        published_at: row.published_at.and_utc(),
    }
}

pub fn view(row: &TemplateRow) -> AppResult<TemplateView> {
    let t = parse_row(row)?;
    Ok(TemplateView {
        summary: summary(row, &t),
        description_zh: t.description_zh.clone(),
        description_en: t.description_en.clone(),
        content_hash: row.content_hash.clone(),
        source: row.source.clone(),
        items: t.items,
    })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChecklistQuery {
    /// The base templates plus this industry's add-ons.
    pub industry: Option<Industry>,
    /// The base templates plus the add-on of every industry of this
    /// enterprise (with `industry` too: that one's as well).
    pub enterprise_id: Option<Uuid>,
    pub category: Option<Category>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChecklistList {
    pub items: Vec<TemplateSummary>,
}

/// Latest version of each template.
pub async fn list(ctx: &Ctx, who: &Principal, q: ChecklistQuery) -> AppResult<ChecklistList> {
    if q.enterprise_id
        .is_some_and(|id| !who.can_see_enterprise(id))
    {
        return Err(AppError::not_found("企业 enterprise"));
    }
    ctx.db
        .run(move |c| {
            // The industries whose add-ons are wanted; `None`: every add-on.
            let mut wanted: Option<Vec<Industry>> = q.industry.map(|i| vec![i]);
            if let Some(id) = q.enterprise_id {
                let row = db::enterprises::find(c, DbUuid(id))?
                    .ok_or(AppError::not_found("企业 enterprise"))?;
                let e = super::enterprises::view(row)?;
                wanted.get_or_insert_with(Vec::new).extend(e.industries);
            }
            let mut items = Vec::new();
            let mut last_code = String::new();
            for row in db::checklists::all(c)? {
                if row.code == last_code {
                    continue; // an older version
                }
                last_code = row.code.clone();
                let t = parse_row(&row)?;
                if let (Some(wanted), Some(ind)) = (&wanted, t.industry) {
                    if !wanted.contains(&ind) {
                        continue;
                    }
                }
                if q.category.is_some_and(|cat| cat != t.category) {
                    continue;
                }
                items.push(summary(&row, &t));
            }
            // Base templates first, then add-ons; stable by code.
            items.sort_by(|a, b| {
                (a.industry.is_some(), &a.code).cmp(&(b.industry.is_some(), &b.code))
            });
            Ok(ChecklistList { items })
        })
        .await
}

fn not_found() -> AppError {
    AppError::not_found("检查表 checklist")
}

pub async fn latest(ctx: &Ctx, _who: &Principal, code: String) -> AppResult<TemplateView> {
    ctx.db
        .run(move |c| view(&db::checklists::latest(c, &code)?.ok_or_else(not_found)?))
        .await
}

pub async fn version(
    ctx: &Ctx,
    _who: &Principal,
    code: String,
    version: i32,
) -> AppResult<TemplateView> {
    ctx.db
        .run(move |c| {
            view(&db::checklists::find_version(c, &code, version)?.ok_or_else(not_found)?)
        })
        .await
}

/// Admin publishes a template version. Answers whether it was new.
pub async fn publish(ctx: &Ctx, who: &Principal, t: Template) -> AppResult<(bool, TemplateView)> {
    who.require(Role::publishes_checklists)?;
    t.validate().map_err(AppError::validation)?;
    let by = who.user_id;
    ctx.db
        .run(move |c| {
            c.write_tx(|c| {
                if let Some(latest) = db::checklists::latest(c, &t.code)? {
                    let same = latest.version == t.version && latest.content_hash == t.content_hash();
                    if latest.version >= t.version && !same && db::checklists::find_version(c, &t.code, t.version)?.is_none() {
                        return Err(AppError::conflict(
                            codes::CHECKLIST_VERSION_NOT_NEWER,
                            format!("新版本号须大于当前最新版本{} / version must be above the latest ({})", latest.version, latest.version),
                        ));
                    }
                }
                let (stored, row) = store(c, &t, "api", Some(by))?;
                Ok((matches!(stored, Stored::Inserted), view(&row)?))
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn every_seed_clause_of_section_six_is_covered() {
        let clauses = seed_clauses().unwrap();
        let known: HashSet<&str> = clauses.iter().map(|c| c.id.as_str()).collect();
        // Section 六 has three parts: safety (5 clauses), stability (4), ecology (5).
        for part in ["6.1.", "6.2.", "6.3."] {
            assert!(
                known.iter().filter(|c| c.starts_with(part)).count() >= 4,
                "{part}"
            );
        }
        let templates = embedded_templates().unwrap();
        let mut refs: HashMap<&str, usize> = HashMap::new();
        for t in &templates {
            for it in &t.items {
                assert!(
                    !it.seed_clauses.is_empty(),
                    "{}/{} cites no clause",
                    t.code,
                    it.code
                );
                for c in &it.seed_clauses {
                    assert!(
                        known.contains(c.as_str()),
                        "{}/{} cites unknown clause {c}",
                        t.code,
                        it.code
                    );
                    *refs.entry(c.as_str()).or_default() += 1;
                }
            }
        }
        for c in &clauses {
            assert!(
                refs.get(c.id.as_str()).copied().unwrap_or(0) >= 1,
                "clause {} ({}) is not covered",
                c.id,
                c.summary_zh
            );
            assert!(!c.summary_en.is_empty());
        }
    }

    /// Who checks each article/item of `table`; panics on a citation of
    /// it that names no entry, or an entry marked not relevant.
    fn coverage(table: &StandardTable, templates: &[Template]) -> HashMap<String, Vec<String>> {
        let mut seen = HashSet::new();
        for c in &table.clauses {
            assert!(seen.insert(c.clause.as_str()), "{} twice", c.clause);
            assert!(!c.title_zh.is_empty() && !c.why.is_empty(), "{}", c.clause);
        }
        let mut covered: HashMap<String, Vec<String>> = HashMap::new();
        for t in templates {
            for it in &t.items {
                let cites = [&it.major_criterion, &it.device_failure_criterion];
                for cite in cites.into_iter().flatten() {
                    let Some(clause) = cite.strip_prefix(table.cite_prefix.as_str()) else {
                        continue;
                    };
                    let entry = table.clauses.iter().find(|c| c.clause == clause);
                    let entry = entry.unwrap_or_else(|| {
                        panic!(
                            "{}/{}: no article/item {clause:?} in the table",
                            t.code, it.code
                        )
                    });
                    assert!(
                        entry.relevant,
                        "{}/{} cites {clause}, marked not relevant",
                        t.code, it.code
                    );
                    covered
                        .entry(entry.clause.clone())
                        .or_default()
                        .push(it.code.clone());
                }
            }
        }
        let missing: Vec<&str> = table
            .clauses
            .iter()
            .filter(|c| c.relevant && !covered.contains_key(&c.clause))
            .map(|c| c.clause.as_str())
            .collect();
        assert!(missing.is_empty(), "relevant but unchecked: {missing:?}");
        covered
    }

    /// Every citation of a major-hazard standard names an article/item of
    /// its table (Order No. 10, the gas standard); every article/item a
    /// table marks relevant to the park is checked by at least one item.
    #[test]
    fn major_hazard_tables_are_covered() {
        let templates = embedded_templates().unwrap();
        let order10 = order10_table().unwrap();
        // 64 cases (3 + 47 + 14), besides the articles without items.
        let cases = order10
            .clauses
            .iter()
            .filter(|c| c.clause.contains('项'))
            .count();
        assert_eq!(cases, 64);
        let gas = gas2023_table().unwrap();
        let power = power2022_table().unwrap();
        let c10 = coverage(&order10, &templates);
        let cgas = coverage(&gas, &templates);
        // The power standard's scope article was read and rules the park
        // out; nothing of it is relevant, so nothing may cite it.
        assert!(power
            .clauses
            .iter()
            .any(|c| c.clause == "第三条" && c.text_checked && !c.relevant));
        assert!(coverage(&power, &templates).is_empty());
        assert!(
            c10["第十四条"].len() >= 2,
            "the failed-device clause is used"
        );
        assert!(cgas.values().flatten().all(|code| code.starts_with("GP-")));
        // No citation of a standard without a table.
        for t in &templates {
            for it in &t.items {
                for cite in [&it.major_criterion, &it.device_failure_criterion]
                    .into_iter()
                    .flatten()
                {
                    assert!(
                        cite.starts_with(&order10.cite_prefix)
                            || cite.starts_with(&gas.cite_prefix),
                        "{}/{}: {cite} names no tabled standard",
                        t.code,
                        it.code
                    );
                }
            }
        }
    }

    #[test]
    fn templates_are_substantial_and_consistent() {
        let templates = embedded_templates().unwrap();
        let items: usize = templates.iter().map(|t| t.items.len()).sum();
        assert!(items >= 60, "{items} items");
        let codes: HashSet<&str> = templates.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(codes.len(), templates.len(), "template codes are unique");
        for ind in Industry::ALL.into_iter().filter(|i| *i != Industry::Other) {
            assert!(
                templates.iter().any(|t| t.industry == Some(ind)),
                "no add-on for {ind:?}"
            );
        }
        for cat in [Category::Safety, Category::Stability, Category::Environment] {
            assert!(
                templates
                    .iter()
                    .any(|t| t.industry.is_none() && t.category == cat),
                "no base template for {cat:?}"
            );
        }
        // Every criterion-major item cites a major-hazard standard
        // (《工贸企业重大事故隐患判定标准》, or the gas standard for gas supply).
        for t in &templates {
            for it in t.items.iter().filter(|i| i.criterion_major()) {
                assert!(
                    it.major_criterion
                        .as_deref()
                        .unwrap()
                        .contains("重大事故隐患判定标准")
                        || it
                            .major_criterion
                            .as_deref()
                            .unwrap()
                            .contains("燃气经营安全重大隐患判定标准"),
                    "{}",
                    it.code
                );
            }
        }
    }
}
