"""The portal's words in English and Chinese, and the choice of language for a request.

:func:`choose` takes the language the visitor picked with the switch (kept in the
session), else the browser's ``Accept-Language`` (the first of ``zh``/``en``
with the highest weight), else English. :func:`words` returns the table the
templates read as ``t.KEY``.
"""
from __future__ import annotations

LANGS = ("en", "zh")

_WORDS = {
    # punctuation around the words: ASCII in English, full-width in Chinese (GB/T 15834-2011)
    "colon": (": ", "："),
    "comma": (", ", "，"),
    "sep": (", ", "、"),           # a list of ids
    "lp": (" (", "（"),
    "rp": (")", "）"),
    "title": ("Supplier portal", "供应商门户"),
    "login": ("Log in", "登录"),
    "logout": ("Log out", "退出"),
    "user": ("User name", "用户名"),
    "password": ("Password", "密码"),
    "bad_login": ("Wrong user name or password.", "用户名或密码错误。"),
    "too_many": ("Too many failed logins: try again in {n} minutes.", "登录失败次数过多：请 {n} 分钟后再试。"),
    "dashboard": ("Dashboard", "概览"),
    "requests": ("Data requests", "数据请求"),
    "review_queue": ("Review queue", "审核队列"),
    "new_request": ("New request", "新建请求"),
    "company": ("Company", "企业"),
    "company_id": ("Company id", "企业编号"),
    "products": ("Products", "产品"),
    "product_ids": ("Product ids (one per line)", "产品编号（每行一个）"),
    "period": ("Reporting period", "报告期"),
    "period_start": ("Period start", "报告期开始"),
    "period_end": ("Period end", "报告期结束"),
    "due": ("Due", "截止日期"),
    "state": ("State", "状态"),
    "overdue": ("overdue", "已逾期"),
    "create_send": ("Create and send", "创建并发送"),
    "save_draft": ("Save as draft", "保存为草稿"),
    "send": ("Send (new link)", "发送（新链接）"),
    "revoke": ("Withdraw and revoke link", "撤回并作废链接"),
    "link_once": ("Invitation link for the supplier (shown once; copy it now):",
                  "供应商邀请链接（仅显示一次，请立即复制）："),
    "open": ("Open", "打开"),
    "none": ("None.", "无。"),
    "st_draft": ("draft", "草稿"), "st_sent": ("sent", "已发送"), "st_opened": ("opened", "已打开"),
    "st_submitted": ("submitted", "已提交"), "st_in_review": ("in review", "审核中"),
    "st_accepted": ("accepted", "已接受"), "st_declined": ("declined", "已退回"),
    "st_withdrawn": ("withdrawn", "已撤回"),
    "your_requests": ("Your data requests", "您的数据请求"),
    "template": ("Download the template", "下载模板"),
    "template_en": ("English", "英文"), "template_zh": ("Chinese", "中文"),
    "upload": ("Upload a workbook (.xlsx) or PACT file (.json)", "上传工作簿（.xlsx）或 PACT 文件（.json）"),
    "check": ("Upload and check", "上传并检查"),
    "max_size": ("at most {n} MB", "不超过 {n} MB"),
    "uploads": ("Uploads", "上传记录"),
    "result_ok": ("No errors: you can submit this file.", "没有错误：可以提交此文件。"),
    "result_bad": ("{e} error(s), {w} warning(s): fix every error in the workbook and upload it again.",
                   "{e} 个错误，{w} 个警告：请在工作簿中修正所有错误后重新上传。"),
    "errors": ("Errors", "错误"), "warnings": ("Warnings", "警告"),
    "team_ok": ("Validation passed: no errors.", "校验通过：没有错误。"),
    "sheet": ("Sheet", "工作表"), "row": ("Row", "行"), "column": ("Column", "列"), "problem": ("Problem", "问题"),
    "fix": ("Fix", "修改方法"),
    "more_issues": ("... and {n} more of this kind: every one is marked in the annotated copy.",
                    "……另有 {n} 条同类问题：标注后的副本中标出了全部问题。"),
    "annotated": ("Download the annotated copy", "下载标注后的副本"),
    "submit": ("Submit this file", "提交此文件"),
    "submitted_note": ("Submitted: the team will review it.", "已提交：等待审核。"),
    "decision": ("Decision", "审核结果"),
    "accepted_note": ("Accepted.", "已接受。"),
    "declined_note": ("Declined. Reason:", "已退回。原因："),
    "resubmit": ("You may upload a corrected file and submit again.", "您可以上传修正后的文件并重新提交。"),
    "review": ("Review", "审核"), "request": ("Request", "数据请求"),
    "submission": ("Submission", "提交的文件"),
    "validation": ("Validation", "校验"),
    "plausibility": ("Warnings and plausibility flags", "警告与合理性提示"),
    "changes": ("Changes against the previous accepted submission", "与上次接受的提交相比的变化"),
    "changes_na": ("Not available", "暂无"),
    "first_submission": ("The supplier's first submission: everything is new.", "该供应商的首次提交：全部为新增。"),
    "products_added": ("Products added", "新增产品"), "products_removed": ("Products removed", "删除的产品"),
    "before": ("Before", "之前"), "after": ("After", "之后"),
    "lines_added": ("Lines added", "新增行"), "lines_removed": ("Lines removed", "删除行"),
    "lines_changed": ("Lines changed", "修改行"),
    "effect": ("Effect on product totals (per declared amount)", "对产品总量的影响（每声明数量）"),
    "change": ("Change", "变化"), "no_effect": ("No product total changes.", "产品总量没有变化。"),
    "accept": ("Accept and import", "接受并导入"),
    "decline": ("Decline", "退回"),
    "reason": ("Reason (required to decline)", "退回原因（必填）"),
    "need_reason": ("A decline needs a reason.", "退回需要填写原因。"),
    "download_file": ("Download the file", "下载文件"),
    "profile": ("Carbon profile", "碳足迹概况"),
    "product": ("Product", "产品"),
    "total": ("Total", "总量"),
    "supplier_share": ("Covered by accepted supplier data", "已接受供应商数据覆盖"),
    "primary_share": ("Primary data", "初级数据"),
    "supplier_short": ("Accepted", "已接受"), "primary_short": ("Primary", "初级"),
    "shares_hint": ("Shares of each product's total: covered by accepted supplier data, and primary data "
                    "(computed in the background when first shown and after each accepted import).",
                    "各产品总量中已接受供应商数据覆盖的比例与初级数据比例（首次显示时及每次接受导入后在后台计算）。"),
    "green_factory": ("Green factory", "绿色工厂"),
    "green_electricity": ("Green electricity", "绿色电力"),
    "recycled": ("Recycled content", "再生材料"),
    "breakdown": ("Breakdown by", "分解维度"),
    "dim_tier": ("tier", "层级"), "dim_supplier": ("supplier", "供应商"), "dim_material": ("material", "物料"),
    "dim_stage": ("stage", "阶段"), "dim_gas": ("gas", "气体"), "dim_region": ("region", "地区"),
    "show": ("Show", "显示"),
    "excel_report": ("Excel report", "Excel 报告"),
    "pact_json": ("PACT JSON", "PACT JSON"),
    "declaration": ("Battery declaration (lca declare)", "电池碳足迹声明（lca declare）"),
    "rules": ("Rule set", "规则"), "usable_kwh": ("Usable energy [kWh]", "可用能量 [kWh]"),
    "vehicle_category": ("Vehicle category (M1, N1...)", "车辆类别（M1、N1 等）"),
    "cycles_per_year": ("or cycles per year", "或每年循环次数"),
    "service_years": ("Service life [years]", "使用年限 [年]"),
    "draft_decl": ("draft (missing primary data allowed)", "草稿（允许缺少初级数据）"),
    "no_profile": ("No profile: {why}", "无法计算：{why}"),
    "computing": ("computing…", "计算中…"),
    "computing_profile": ("The profile is being computed; this page updates when it is ready.",
                          "正在计算碳足迹，完成后本页自动更新。"),
    "by_state": ("Requests by state", "各状态请求数"),
    "page": ("Page", "页"), "next": ("Next", "下一页"), "prev": ("Previous", "上一页"),
    "forbidden": ("This page belongs to another company or needs a team login.", "此页面属于其他企业或需要团队登录。"),
    "not_found": ("Not found.", "未找到。"),
    "link_refused": ("This invitation link is {why}. Ask the team for a new link.", "此邀请链接{why}。请向对方索取新链接。"),
    "why_revoked": ("revoked", "已被撤回"), "why_expired": ("expired", "已过期"), "why_unknown": ("not valid", "无效"),
    "error": ("Something went wrong (reference {ref}). Nothing was changed.", "出现错误（编号 {ref}），未做任何更改。"),
    "bad_form": ("The form expired: reload the page and try again.", "表单已过期：请刷新页面后重试。"),
    "too_large": ("The upload is larger than {n} MB.", "上传文件超过 {n} MB。"),
    "viewer_only": ("Your role may only read.", "您的角色只能查看。"),
    "language": ("中文", "English"),
    "stored": ("Stored", "已保存"),
    "refused": ("Refused", "被拒绝"),
}


class Words(dict):
    """``t.KEY`` in templates; an unknown key shows itself (never an error page)."""

    def __getattr__(self, key):
        return self.get(key, key)


_TABLES = {lang: Words({k: v[i] for k, v in _WORDS.items()}) for i, lang in enumerate(LANGS)}


def words(lang: str) -> Words:
    return _TABLES["zh" if lang == "zh" else "en"]


def from_header(accept_language: str | None) -> str:
    """``zh`` or ``en`` from an ``Accept-Language`` header (highest weight first; English by default)."""
    best, best_q = "en", -1.0
    for i, part in enumerate((accept_language or "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGS and q - i * 1e-6 > best_q:
            best, best_q = base, q - i * 1e-6
    return best


def choose(session_lang: str | None, accept_language: str | None) -> str:
    return session_lang if session_lang in LANGS else from_header(accept_language)
