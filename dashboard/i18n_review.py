"""Strings of the review-queue section of the Data page (to be merged into the catalogue).

key -> (Chinese, English); placeholders use str.format names, as in ``dashboard.i18n``.
"""

from __future__ import annotations

REVIEW_STRINGS: dict[str, tuple[str, str]] = {
    "review.title": ("待确认的匹配", "Matches to confirm"),
    "review.caption": (
        "这些接收单位名称未能自动、确定地对应到已知设施。确认后，相应的配送才会写入；"
        "确认的名称会被记住，下次导入自动匹配。",
        "These recipient names could not be matched to a known facility with certainty. "
        "Their deliveries are written only once confirmed; a confirmed name is remembered "
        "and matched automatically next time.",
    ),
    "review.empty": ("没有待确认的匹配。", "Nothing waits for confirmation."),
    "review.raw_name": ("原始名称", "Name as written"),
    "review.source": ("文件", "File"),
    "review.lines": ("行数", "Lines"),
    "review.proposed": ("建议设施", "Proposed facility"),
    "review.confidence": ("置信度", "Confidence"),
    "review.no_proposal": ("（无建议）", "(no proposal)"),
    "review.choice": ("决定", "Decision"),
    "review.later": ("稍后决定", "Decide later"),
    "review.confirm": ("确认建议：{name}", "Confirm the proposal: {name}"),
    "review.other": ("改为：{name}（{facility_id}）", "Use instead: {name} ({facility_id})"),
    "review.reject": ("拒绝（不是已知设施，不写入）", "Reject (not a known facility; write nothing)"),
    "review.apply": ("保存决定", "Save decision"),
    "review.confirmed": ("已确认“{raw_name}”→ {facility_id}，写入 {written} 条配送。",
                         "Confirmed “{raw_name}” → {facility_id}; {written} deliveries written."),
    "review.rejected": ("已拒绝“{raw_name}”，未写入任何配送。",
                        "Rejected “{raw_name}”; no delivery written."),
    "review.failed": ("无法保存：{error}", "Could not save: {error}"),
}
