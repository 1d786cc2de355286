//! What every page shares: the language, the label table, dates, the header.

use actix_web::HttpRequest;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Chinese unless the `lang` cookie says `en`.
    pub fn of(req: &HttpRequest) -> Lang {
        match req.cookie("lang").as_ref().map(|c| c.value()) {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The label `key` in this language; the key itself if missing (a test
    /// checks every key used exists).
    pub fn t(&self, key: &str) -> &'static str {
        self.label(key).unwrap_or("?")
    }

    /// The label of `key`, if the table has one.
    pub fn label(&self, key: &str) -> Option<&'static str> {
        LABELS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, zh, en)| if *self == Lang::Zh { *zh } else { *en })
    }

    /// 2026年12月1日 / 1 Dec 2026.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            Lang::En => d.format("%-d %b %Y").to_string(),
        }
    }

    /// A moment as the park's calendar day plus the time (UTC+8).
    pub fn datetime(self, t: DateTime<Utc>) -> String {
        let local = t + chrono::Duration::hours(8);
        format!(
            "{} {}",
            self.date(local.date_naive()),
            local.format("%H:%M")
        )
    }
}

/// Every label of the console: key, Chinese, English.
pub const LABELS: &[(&str, &str, &str)] = &[
    ("app", "安环 · 园区安全环保", "Anhuan · park safety"),
    ("login", "登录", "Log in"),
    ("logout", "退出登录", "Log out"),
    ("inbox", "消息", "Messages"),
    ("enterprises", "企业登记", "Enterprises"),
    ("users", "账号管理", "Accounts"),
    ("add_enterprise", "登记企业", "Register an enterprise"),
    ("add_user", "添加账号", "Add an account"),
    (
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    ("industry", "行业", "Industry"),
    ("address", "地址", "Address"),
    ("lat", "纬度", "Latitude"),
    ("lon", "经度", "Longitude"),
    ("contacts", "联系人", "Contacts"),
    ("contact_name", "联系人姓名", "Contact's name"),
    ("contact_phone", "联系电话", "Contact's phone"),
    (
        "contact_email",
        "电子邮箱（接收整改通知）",
        "E-mail (receives the orders)",
    ),
    ("name_or_code", "企业名称或信用代码", "Name or credit code"),
    ("display_name", "姓名", "Name"),
    ("role", "角色", "Role"),
    ("disabled", "已停用", "Disabled"),
    ("active", "正常", "Active"),
    ("password_hint", "8至128个字符", "8 to 128 characters"),
    (
        "enterprise_hint",
        "企业安全环保管理员必须选择所属企业",
        "Required for an enterprise account",
    ),
    ("unread", "未读", "unread"),
    ("mark_read", "标为已读", "Mark read"),
    ("mark_all_read", "全部标为已读", "Mark all read"),
    ("notification_settings", "消息设置", "Notification settings"),
    ("settings_saved", "已保存", "Saved"),
    ("notify_email", "接收邮箱", "E-mail address"),
    ("email", "电子邮箱", "E-mail"),
    (
        "notify_email_hint",
        "填写后，收到的消息同时发送到此邮箱；留空则不发邮件。",
        "Messages also go to this address; leave it empty for no e-mail.",
    ),
    ("muted_kinds", "不接收以下消息", "Do not send me"),
    (
        "always_sent",
        "以下通知依法送达，不能屏蔽",
        "Always sent (legal notices)",
    ),
    ("no_messages", "暂无消息", "No messages"),
    ("more", "更多", "More"),
    ("view_item", "查看", "Open"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    (
        "expired",
        "会话已过期，请重新登录",
        "Your session has expired, please log in again",
    ),
    ("logged_out", "已退出登录", "You have logged out"),
    ("login_required", "请先登录", "Please log in"),
    ("other_lang", "English", "中文"),
    ("my_orders", "我的整改通知", "My rectification orders"),
    ("orders", "整改通知", "Rectification orders"),
    ("workbench", "工作台", "Workbench"),
    ("new_order", "下达整改通知", "Issue an order"),
    ("number", "编号", "Number"),
    ("status", "状态", "Status"),
    ("level", "等级", "Level"),
    ("deadline", "整改期限", "Deadline"),
    ("days_left", "剩余天数", "Days left"),
    ("closed_in_days", "销号用时（天）", "Closed in (days)"),
    ("overdue", "已逾期", "Overdue"),
    ("all", "全部", "All"),
    ("search", "搜索", "Search"),
    ("filter", "筛选", "Filter"),
    ("none", "暂无", "None"),
    ("major", "重大", "Major"),
    ("general", "一般", "General"),
    ("issued_at", "下达日期", "Issued on"),
    ("issuer", "下达单位", "Issued by"),
    ("findings", "隐患", "Findings"),
    ("location", "位置", "Location"),
    ("basis", "依据", "Legal basis"),
    ("requirements", "整改要求", "Requirements"),
    (
        "documents",
        "文件（检测报告、验收意见等）",
        "Documents (test reports, acceptance opinions …)",
    ),
    (
        "documents_hint",
        "PDF、DOCX、XLSX或OFD，每份不超过20 MB",
        "PDF, DOCX, XLSX or OFD, up to 20 MB each",
    ),
    ("pages_unit", "页", " pages"),
    (
        "download_notice",
        "下载整改通知书（PDF）",
        "Download the notice (PDF)",
    ),
    (
        "download_letter",
        "下载督办函（PDF）",
        "Download the supervision letter (PDF)",
    ),
    ("timeline", "办理记录", "Timeline"),
    ("actions", "可办理事项", "What you can do"),
    ("comment", "说明", "Comment"),
    ("responsible_person", "整改责任人", "Person responsible"),
    (
        "responsible_person_name",
        "整改责任人姓名",
        "Person responsible: name",
    ),
    (
        "responsible_person_phone",
        "整改责任人电话",
        "Person responsible: phone",
    ),
    ("not_named", "未指定", "Not named yet"),
    ("acknowledge", "签收", "Acknowledge"),
    ("progress", "进度报告", "Progress report"),
    ("submit", "提交整改", "Submit rectification"),
    ("extension", "申请延期", "Ask for more time"),
    ("plan", "治理方案", "Governance plan"),
    ("major_path", "重大隐患治理", "Major-hazard path"),
    ("supervision_listing", "挂牌督办", "Listed for supervision"),
    ("not_listed", "未挂牌", "Not listed"),
    ("list_for_supervision", "挂牌督办", "List for supervision"),
    ("supervising_unit", "督办单位", "Supervising unit"),
    ("listing_number", "督办编号", "Supervision number"),
    ("listing_time_limit", "督办时限", "Time limit"),
    ("production_stop", "停产情况", "Production stop"),
    ("not_stopped", "未停产", "Not stopped"),
    ("record_stop", "记录停产（停用）", "Record the stop"),
    ("stop_mode", "停产方式", "How it stopped"),
    (
        "stop_mode_stop_production",
        "停产停业",
        "Production stopped",
    ),
    ("stop_mode_partial_stop", "局部停产", "Partly stopped"),
    ("stop_mode_stop_use", "停止使用", "Use stopped"),
    ("stop_date", "停产日期", "Stopped on"),
    ("stop_scope", "停产范围", "What stopped"),
    (
        "interim_measures",
        "治理期间的安全措施",
        "Safety measures meanwhile",
    ),
    ("assessment", "治理评估", "Assessment"),
    ("not_assessed", "未评估", "Not assessed"),
    ("assess", "提交治理评估", "Submit the assessment"),
    ("assessor_kind", "评估方", "Assessed by"),
    (
        "assessor_kind_own_staff",
        "本单位技术人员",
        "Own technical staff",
    ),
    ("assessor_kind_experts", "专家", "Experts"),
    ("assessor_kind_agency", "安全评价机构", "Qualified agency"),
    ("assessor", "评估单位或人员", "Assessor"),
    ("conclusion", "评估结论", "Conclusion"),
    (
        "eliminated",
        "评估认定隐患已消除",
        "The hazard is eliminated",
    ),
    ("hazard_remains", "隐患未消除", "hazard remains"),
    ("assessment_report", "评估报告", "Assessment report"),
    ("resumption", "复产", "Resumption"),
    ("apply_resumption", "申请复产", "Apply to resume"),
    ("decide_resumption", "复产审查", "Resumption review"),
    ("approve_resumption", "同意复产", "Approve resumption"),
    ("reject_resumption", "不同意复产", "Refuse resumption"),
    ("decide_by", "审查期限", "decide by"),
    ("needed_to_close", "销号尚缺", "Still needed to close"),
    (
        "self_reported_major",
        "企业自查上报的重大隐患（待下达整改通知书）",
        "Major hazards reported by enterprises' self-inspections (no order yet)",
    ),
    ("found_on", "发现日期", "Found on"),
    ("self_checks", "自查隐患", "Self-inspection"),
    (
        "self_checks_title",
        "自查隐患与自改自验",
        "Self-inspection findings and their rectification",
    ),
    ("self_rectify", "自改自验", "Rectify and accept"),
    ("measures_done", "整改措施及完成情况", "What was done"),
    ("rectified_by", "整改责任人", "Rectified by"),
    ("accepted_by", "验收人", "Accepted by"),
    ("accepted_on", "验收日期", "Accepted on"),
    (
        "reported_to_park",
        "重大隐患，已报园区，按整改通知书整改",
        "Major: reported to the park, closed through its order",
    ),
    ("in_park_order", "已进入园区整改通知书", "In a park order"),
    ("status_open", "待整改", "Open"),
    ("edit_user", "编辑账号", "Edit account"),
    ("supervision_letter", "下达督办函", "Issue a supervision letter"),
    ("public_criticism", "通报批评", "Public criticism"),
    ("edit_enterprise", "编辑企业", "Edit enterprise"),
    ("import_enterprises", "批量导入企业（CSV）", "Import enterprises (CSV)"),
    ("enterprise_csv", "企业名录CSV（UTF-8或GB18030）", "Enterprise list, CSV (UTF-8 or GB18030)"),
    (
        "enterprise_csv_hint",
        "表头：企业名称、统一社会信用代码、行业、地址、纬度、经度、联系人、职务、电话、邮箱；已登记的信用代码更新该企业，同一文件再次导入不变",
        "Headers: 企业名称, 统一社会信用代码, 行业, 地址, 纬度, 经度, 联系人, 职务, 电话, 邮箱; a registered credit code updates that enterprise; the same file again changes nothing",
    ),
    ("primary_industry", "主行业", "Main industry"),
    ("other_industries", "其他行业（各带其检查表）", "Other industries (each brings its checklist)"),
    ("disable_account", "停用此账号（立即退出所有登录）", "Disable this account (ends its sessions at once)"),
    ("new_password", "重置密码", "Reset password"),
    ("new_password_hint", "留空则不改；8至128个字符，重置后该账号所有登录失效", "Leave empty to keep it; 8 to 128 characters; resetting ends the account's sessions"),
    ("assigned_enterprises", "委托检查的企业（第三方机构）", "Enterprises assigned (third-party agency)"),
    ("env_audits", "督察反馈", "Inspection feedback"),
    ("audit_name", "督察批次", "Batch"),
    ("document_number", "交办文号", "Document number"),
    ("audit_items", "问题数", "Items"),
    ("completion_rate", "完成率", "Completion"),
    ("on_schedule", "按期推进", "On schedule"),
    ("new_audit", "新建督察批次", "New batch"),
    ("audit_level", "督察级别", "Level"),
    ("audit_level_central", "中央生态环境保护督察", "Central inspection"),
    ("audit_level_municipal", "市级生态环境保护督察", "Municipal inspection"),
    ("received_date", "收到日期", "Received on"),
    ("default_deadline", "默认整改时限", "Default deadline"),
    ("import_refused", "清单未导入：以下各行有误，改正后整份重新上传", "Not imported: correct these rows and upload the whole list again"),
    ("row", "行", "Row"),
    ("column", "列", "Column"),
    ("message", "说明", "Message"),
    ("download_audit_ledger", "下载整改台账（Excel）", "Download the ledger (Excel)"),
    ("audit_ledger", "整改台账", "Ledger"),
    ("item_no", "序号", "No."),
    ("responsible_unit", "责任单位", "Responsible unit"),
    ("acceptance", "验收", "Acceptance"),
    ("disclosure", "公示", "Disclosure"),
    ("import_list", "导入反馈问题清单", "Import the feedback list"),
    ("feedback_list", "反馈问题清单（XLSX或CSV）", "Feedback list (XLSX or CSV)"),
    (
        "feedback_list_hint",
        "表头：序号、问题描述、责任单位或责任部门、整改措施、整改时限、整改目标；同一清单再次导入不重复",
        "Headers: 序号, 问题描述, 责任单位 or 责任部门, 整改措施, 整改时限, 整改目标; the same list again changes nothing",
    ),
    ("import_update", "更新已导入的问题（整改时限与责任单位除外）", "Update items already imported (not their deadline or unit)"),
    ("imported", "已导入", "Imported"),
    ("created_n", "新增", "new"),
    ("updated_n", "更新", "updated"),
    ("unchanged_n", "未变", "unchanged"),
    ("acceptance_date", "验收日期", "Accepted on"),
    ("acceptance_opinion", "验收意见", "Acceptance opinion"),
    ("disclosure_date", "公示日期", "Made public on"),
    ("disclosure_place", "公示地点（网站、公示栏）", "Where it was made public"),
    ("closed", "已销号", "Closed"),
    ("cancelled", "已撤销", "Cancelled"),
    (
        "download_ledger",
        "下载隐患排查治理台账（Excel）",
        "Download the hazard ledger (Excel)",
    ),
    (
        "download_report",
        "下载重大事故隐患报告（PDF）",
        "Download the major-hazard report (PDF)",
    ),
    (
        "download_report_xlsx",
        "下载报告（Excel）",
        "Download the report (Excel)",
    ),
    ("verify", "复查", "Verify"),
    ("accept", "复查通过（销号）", "Accept (close)"),
    ("reject", "复查不通过", "Reject"),
    ("opinion", "复查意见", "Opinion"),
    ("cancel", "撤销", "Cancel order"),
    ("reason", "理由", "Reason"),
    ("photos", "照片", "Photos"),
    ("evidence", "整改证据", "Evidence"),
    ("done", "整改情况", "What was done"),
    ("requested_deadline", "申请延至", "New deadline"),
    ("approve", "同意延期", "Approve"),
    ("deny", "不同意延期", "Deny"),
    ("pending_ext", "延期申请", "Extension requests"),
    ("pending_verification", "待复查", "Awaiting verification"),
    ("verify_clock", "复查时限", "Verification clock"),
    ("days_waiting", "已等待天数", "Days waiting"),
    ("late", "超过10日", "over 10 days"),
    ("this_month", "本月", "This month"),
    ("issued_month", "本月下达", "Issued this month"),
    ("closed_month", "本月销号", "Closed this month"),
    (
        "issued_vs_closed",
        "每月下达与销号",
        "Issued vs closed per month",
    ),
    ("open_by_level", "未销号按等级", "Open by level"),
    ("issued_n", "下达", "issued"),
    ("closed_n", "销号", "closed"),
    ("enterprise", "企业", "Enterprise"),
    ("choose", "选择", "Choose"),
    ("open_findings", "未下达的隐患", "Open findings"),
    ("major_reason", "重大隐患判定理由", "Why major"),
    (
        "stop_production",
        "需停产停业整改治理",
        "Needs stopping production",
    ),
    (
        "external_causes",
        "外部因素致企业难以排除",
        "External causes",
    ),
    (
        "stale",
        "已被他人更新：页面已过期，请刷新后重试",
        "Updated by someone else: reload the page and try again",
    ),
    (
        "csrf",
        "表单已失效（缺少或错误的安全令牌），请返回并刷新页面后重试",
        "The form has expired (missing or wrong security token); go back, reload and retry",
    ),
    ("page_forbidden", "无权访问", "Forbidden"),
    ("page_not_found", "页面不存在", "Not found"),
    ("error", "出错了", "Something went wrong"),
    ("back", "返回", "Back"),
    ("home", "首页", "Home"),
    ("flags", "照片提示", "Photo flags"),
    (
        "flag_taken_before_order",
        "拍摄时间早于通知下达",
        "Taken before the order",
    ),
    (
        "flag_far_from_finding",
        "拍摄地点远离隐患位置",
        "Taken far from the finding",
    ),
    ("flag_no_camera_time", "无相机拍摄时间", "No camera time"),
    ("before", "整改前", "Before"),
    ("after", "整改后", "After"),
    ("goal", "治理目标和任务", "Goal and tasks"),
    ("measures", "方法和措施", "Methods and measures"),
    ("funds", "经费和物资", "Funds and materials"),
    ("responsible_people", "负责机构和人员", "Responsible people"),
    ("time_limit", "治理时限", "Time limit"),
    ("safety_measures", "安全措施", "Safety measures"),
    ("contingency_plan", "应急预案", "Contingency plan"),
    ("save", "保存", "Save"),
    ("no_actions", "当前无需办理", "Nothing to do now"),
    ("total", "合计", "Total"),
    ("open", "未销号", "Open"),
];

/// The page header: who is logged in, the CSRF token for its forms, the
/// language switch.
pub struct Chrome {
    pub lang: Lang,
    pub user: Option<String>,
    pub role: String,
    pub office: bool,
    pub csrf: String,
    pub back: String,
    pub asset: &'static str,
    /// Unread notifications (the header's 消息 link).
    pub unread: i64,
    /// May keep the enterprise register / the accounts.
    pub registers: bool,
    pub accounts: bool,
    /// An enterprise's user (its 自查隐患 page).
    pub enterprise: bool,
}

impl Chrome {
    pub fn new(req: &HttpRequest, s: Option<&super::Session>) -> Chrome {
        let lang = Lang::of(req);
        let back = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Chrome {
            lang,
            user: s.map(|s| s.who.username.clone()),
            role: s
                .map(|s| match lang {
                    Lang::Zh => s.who.role.label_zh().to_string(),
                    Lang::En => s.who.role.as_str().to_string(),
                })
                .unwrap_or_default(),
            office: s.is_some_and(|s| s.who.role.is_park_staff()),
            csrf: s.map(|s| s.csrf.clone()).unwrap_or_default(),
            back: url_encode(&back),
            asset: super::ASSET_VERSION,
            unread: s.map_or(0, |s| s.unread),
            registers: s.is_some_and(|s| s.who.role.manages_enterprises()),
            accounts: s.is_some_and(|s| s.who.role.manages_users()),
            enterprise: s.is_some_and(|s| s.who.role == crate::domain::Role::Enterprise),
        }
    }

    /// For pages made without the request at hand (error pages).
    pub fn bare(lang: Lang) -> Chrome {
        Chrome {
            lang,
            user: None,
            role: String::new(),
            office: false,
            csrf: String::new(),
            back: "/".into(),
            asset: super::ASSET_VERSION,
            unread: 0,
            registers: false,
            accounts: false,
            enterprise: false,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

/// Percent-encoding for a query value (the language switch's way back).
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("…")` in the templates and the console's code names a row
    /// of the label table (a missing one would print "?").
    #[test]
    fn every_label_used_is_in_the_table() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut missing = Vec::new();
        for dir in ["templates", "src/console"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for part in text.split(".t(\"").skip(1) {
                    let key = &part[..part.find('"').unwrap()];
                    if !LABELS.iter().any(|(k, _, _)| *k == key) {
                        missing.push(key.to_string());
                    }
                }
            }
        }
        assert!(missing.is_empty(), "labels missing: {missing:?}");
    }
}
