"""The translation catalogue: every string a person sees, in Chinese and English.

Chinese is the default. Labels of tables, columns and allowed values come from the
schema (its Chinese names) plus English names here, so the schema stays the single
source of truth for what exists and this module for how it reads.
"""

from __future__ import annotations

from data_loaders import schema

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# key -> (Chinese, English). Placeholders use str.format names.
CATALOGUE: dict[str, tuple[str, str]] = {
    # Frame
    "app.title": ("生命线 · 协作态势", "Lifeline · network situational awareness"),
    "app.tagline": ("一张共享的图：需求、覆盖与伙伴动态",
                    "One shared picture of needs, coverage and partners"),
    "sidebar.language": ("语言 / Language", "Language / 语言"),
    "sidebar.as_of": ("截至日期", "As of"),
    "sidebar.region": ("地区", "Region"),
    "sidebar.window": ("回看窗口（天）", "Look-back window (days)"),
    "sidebar.window_help": ("覆盖与活跃按窗口 [截至日期−窗口+1, 截至日期] 计算",
                            "Coverage and activity count within [as-of − window + 1, as-of]"),
    "sidebar.data_range": ("数据日期范围：{start} 至 {end}", "Data covers {start} to {end}"),
    "sidebar.no_data": ("数据库中还没有数据。", "The database holds no data yet."),
    "sidebar.database": ("数据库：{path}", "Database: {path}"),
    "page.overview": ("总览", "Overview"),
    "page.map": ("地图", "Map"),
    "page.data": ("数据", "Data"),
    # Metrics
    "metric.open_needs": ("未满足需求", "Open needs"),
    "metric.urgent_open_needs": ("紧急未满足需求", "Urgent open needs"),
    "metric.open_needs_per_10k": ("每万人未满足需求", "Open needs per 10,000 residents"),
    "metric.open_needs_per_1k_confirmed": ("每千例确诊的未满足需求", "Open needs per 1,000 confirmed cases"),
    "metric.confirmed_cum": ("累计确诊", "Confirmed cases (cumulative)"),
    "metric.hospital_coverage": ("医院覆盖率", "Hospital coverage"),
    "metric.community_coverage": ("社区/村覆盖率", "Community coverage"),
    "metric.active_orgs": ("活跃机构", "Active organisations"),
    "metric.active_partners": ("活跃一线机构", "Active partners"),
    "metric.stale_partners": ("失联一线机构", "Stale partners"),
    "metric.overdue_deliveries": ("逾期配送", "Overdue deliveries"),
    "metric.hospitals": ("医院", "Hospitals"),
    "metric.hospitals_covered": ("已覆盖医院", "Hospitals covered"),
    "metric.communities": ("社区/村", "Communities"),
    "metric.communities_covered": ("已覆盖社区/村", "Communities covered"),
    "metric.facilities": ("设施", "Facilities"),
    "metric.facilities_covered": ("已覆盖设施", "Facilities covered"),
    "metric.population": ("常住人口（2020）", "Population (2020)"),
    "metric.region": ("地区", "Region"),
    "metric.county": ("区县", "District / county"),
    "metric.rank": ("排名", "Rank"),
    "metric.delta_day": ("较前一日", "vs. previous day"),
    "metric.no_data": ("无数据", "no data"),
    # Overview
    "overview.title": ("总览", "Overview"),
    "overview.caption": ("截至 {as_of}，窗口 {window} 天。覆盖＝窗口内至少收到一次已送达配送。",
                         "As of {as_of}, window {window} days. Covered = at least one delivery "
                         "delivered within the window."),
    "overview.map_metric": ("地图指标", "Map metric"),
    "overview.map_caption": ("{metric}，按地市。灰色表示无数据（不是零）。",
                             "{metric} by prefecture. Grey means no data (not zero)."),
    "overview.table_title": ("各地区排名（按{metric}）", "Regions ranked by {metric}"),
    "overview.download": ("下载表格（CSV）", "Download table (CSV)"),
    "overview.empty": ("还没有数据。请在“数据”页导入，或运行 python -m dashboard demo 生成演示数据。",
                       "No data yet. Import on the Data page, or run python -m dashboard demo."),
    # Map
    "map.title": ("地图", "Map"),
    "map.region_select": ("下钻到地市", "Drill down into a prefecture"),
    "map.all_regions": ("全省", "Whole province"),
    "map.caption": ("点击地市可下钻到区县。点：红＝有紧急未满足需求，橙＝窗口内未覆盖，绿＝已覆盖；紫色大圆点＝枢纽机构。",
                    "Click a prefecture to drill down into its districts and counties. Points: "
                    "red = urgent open need, orange = not covered in the window, green = "
                    "covered; large purple dots = hubs."),
    "map.points_capped": ("显示 {shown:,} / {total:,} 个设施（优先显示紧急与未覆盖的）。",
                          "Showing {shown:,} of {total:,} facilities (urgent and uncovered first)."),
    "map.urgent_only": ("全省视图只显示有紧急未满足需求的 {shown:,} 个设施（共 {total:,} 个）；下钻到地市可看全部设施。",
                        "The province view shows only the {shown:,} facilities with an urgent "
                        "open need (of {total:,}); drill into a prefecture to see all."),
    "map.no_coordinates": ("这里的设施都没有经纬度（例如志愿者需求信息），地图上不画点；各区县的数字仍然完整。",
                           "None of these facilities has coordinates (the volunteer feeds have none), so no points are drawn; the figures per district are complete."),
    "map.county_table": ("{region}各区县", "Districts and counties of {region}"),
    "map.back": ("返回全省", "Back to the province"),
    "map.legend.urgent": ("紧急需求", "Urgent need"),
    "map.legend.uncovered": ("未覆盖", "Not covered"),
    "map.legend.covered": ("已覆盖", "Covered"),
    "map.legend.hub": ("枢纽", "Hub"),
    "map.tooltip.state": ("状态", "State"),
    "map.tooltip.type": ("类型", "Type"),
    # Data
    "data.title": ("数据", "Data"),
    "data.intro": ("上传模板格式的 CSV、XLSX（每表一个工作表）或 JSON。先校验，确认后才写入；有任何问题则什么都不写。",
                   "Upload CSV, XLSX (one sheet per table) or JSON in the template. Files are "
                   "checked first and written only when you confirm; with any problem nothing "
                   "is written."),
    "data.upload": ("选择文件", "Choose files"),
    "data.limit": ("单个文件上限 {mb} MB", "Limit {mb} MB per file"),
    "data.validation": ("校验结果", "Validation report"),
    "data.valid": ("全部 {rows} 行有效，可以导入。", "All {rows} rows are valid and ready to import."),
    "data.invalid": ("发现 {n} 个问题，未写入任何数据。请修正后重新上传。",
                     "Found {n} problems; nothing was written. Fix them and upload again."),
    "data.import_button": ("确认导入", "Import"),
    "data.imported": ("已导入：{summary}", "Imported: {summary}"),
    "data.history": ("导入记录", "Import history"),
    "data.no_history": ("还没有导入记录。", "No imports yet."),
    "data.counts": ("当前数据量", "What the store holds"),
    "data.rows": ("行数", "Rows"),
    "data.table": ("表", "Table"),
    "data.template": ("模板说明", "Template reference"),
    "data.template_caption": ("表头不区分大小写，方括号中的中文表头同样可用。",
                              "Headers are case-insensitive; the Chinese header is accepted too."),
    "data.required": ("必填", "Required"),
    "data.allowed": ("可选值", "Allowed values"),
    "data.options": ("导入选项", "Import options"),
    "data.format": ("数据格式", "Data format"),
    "data.format_auto": ("自动识别", "Detect automatically"),
    "data.as_of": ("数据日期（无日期的数据使用）", "Date of the data (for files without dates)"),
    "data.accept_valid": ("只导入有效行，其余放入隔离区待修正", "Import the valid rows; keep the rest in the quarantine to fix"),
    "data.detected": ("识别为：{formats}", "Read as: {formats}"),
    "data.notes": ("{n} 条备注未能确定含义，已保留为备注：", "{n} remarks were kept as notes, not guessed:"),
    "data.review_pending": ("{n} 条名称匹配需要人工确认，见下方“待确认匹配”。", "{n} name matches need a person to confirm them; see the review queue below."),
    "data.import_partial": ("导入有效行（{rows} 行），隔离 {bad} 行", "Import the valid rows ({rows}); quarantine {bad}"),
    "quarantine.title": ("隔离区", "Quarantine"),
    "quarantine.empty": ("隔离区是空的。", "The quarantine is empty."),
    "quarantine.caption": ("{n} 行因问题未导入。修正后重新提交，或放弃。原始文件已按 SHA-256 保存。", "{n} rows were not imported because of a problem. Fix and re-submit them, or discard them. The original files are kept by SHA-256."),
    "quarantine.files": ("无法读取的文件", "Files that could not be read"),
    "quarantine.resubmit": ("重新提交修正后的行", "Re-submit the fixed rows"),
    "quarantine.discard": ("放弃这些行", "Discard these rows"),
    "quarantine.resubmitted": ("已重新提交 {n} 行", "Re-submitted {n} rows"),
    # Review queue (fuzzy name matches a person confirms)
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
    # Column mapping of files not in the template
    "mapping.title": ("列映射", "Column mapping"),
    "mapping.intro": (
        "下列文件的表头不是本系统的模板。请核对每个表头对应的字段，补上文件缺少的固定值，"
        "预览检查结果后导入；保存为映射方案后，下次上传（或命令行 --mapping 方案名）可直接使用。",
        "These files' headers are not Lifeline's template. Check which column each header "
        "means, add constants for what the file lacks, preview the check and import; save "
        "the mapping as a profile to reuse it next time (or with --mapping NAME)."),
    "mapping.file": ("文件", "File"),
    "mapping.start": ("起点", "Start from"),
    "mapping.suggested": ("自动建议", "Automatic suggestion"),
    "mapping.load_failed": ("无法读取映射方案「{name}」，已改用自动建议。",
                            "Profile '{name}' could not be read; using the suggestion."),
    "mapping.table": ("导入到表", "Import into table"),
    "mapping.header": ("文件表头", "File header"),
    "mapping.sample": ("示例值", "Sample values"),
    "mapping.column": ("对应字段", "Maps to column"),
    "mapping.column_help": ("留空则不导入此列", "Leave empty to leave this column out"),
    "mapping.score": ("匹配度", "Match"),
    "mapping.facility_field": ("设施{label}", "Facility {label}"),
    "mapping.facility_from_name": ("按名称生成设施（文件写设施名称，没有设施编号）",
                                   "Create facilities from their names (the file names "
                                   "facilities but gives no facility id)"),
    "mapping.facility_from_name_help": (
        "设施编号由名称和地区生成（M- 开头），同名同地区得到同一编号；这些设施随本文件一并导入。",
        "The facility id is made from name and region (starting M-): the same name and "
        "region always give the same id. The facilities are imported with the file."),
    "mapping.constants": ("固定值", "Constant values"),
    "mapping.constants_help": (
        "为文件缺少的字段填写对所有行相同的值（如 类型＝医院、类别＝防护用品）；"
        "文件已有的字段只填补空白单元格。",
        "Give a value for every row where the file lacks a column (type = hospital, "
        "category = PPE); for a column the file has, it fills the blank cells only."),
    "mapping.constant_column": ("字段", "Column"),
    "mapping.constant_value": ("值", "Value"),
    "mapping.allowed": ("{column} 可选：{values}", "{column}: {values}"),
    "mapping.unknown_table": ("未知的表「{column}」", "Unknown table '{column}'"),
    "mapping.unknown_column": ("「{column}」不是本表的字段", "'{column}' is not a column of this table"),
    "mapping.duplicate_column": ("多个表头对应同一字段「{column}」",
                                 "Several headers map to '{column}'"),
    "mapping.missing_required": ("缺少必填字段「{column}」：请为它选一个表头或填写固定值",
                                 "Required column '{column}' is missing: map a header to it "
                                 "or give a constant"),
    "mapping.preview": ("预览（每表前 20 行）", "Preview (first 20 rows of each table)"),
    "mapping.preview_table": ("{table}：{rows} 行", "{table}: {rows} rows"),
    "mapping.valid": ("映射后共 {rows} 行，全部通过检查。", "{rows} rows after mapping, all valid."),
    "mapping.invalid": ("映射后发现 {n} 个问题：修正映射或文件后才能导入。",
                        "{n} problems after mapping: fix the mapping or the file to import."),
    "mapping.profile_name": ("映射方案名称", "Profile name"),
    "mapping.profile_name_help": ("字母、数字、汉字、- 和 _", "Letters, digits, Chinese, - and _"),
    "mapping.save": ("保存映射方案", "Save profile"),
    "mapping.saved": ("已保存映射方案「{name}」。", "Saved profile '{name}'."),
    "mapping.bad_name": ("方案名称只能包含字母、数字、汉字、- 和 _（不超过 64 个字符）。",
                         "A profile name may hold letters, digits, Chinese, - and _ only "
                         "(64 characters at most)."),
    "mapping.import": ("按此映射导入", "Import with this mapping"),
    "mapping.imported": ("已导入：{summary}", "Imported: {summary}"),
    "problem.bad_mapping": ("列映射无法使用：{value}", "The column mapping cannot be used: {value}"),
    # Report columns
    "report.file": ("文件", "File"),
    "report.row": ("行", "Row"),
    "report.column": ("列", "Column"),
    "report.value": ("值", "Value"),
    "report.problem": ("问题", "Problem"),
    "report.suggestion": ("建议", "Suggestion"),
    "history.imported_at": ("导入时间（UTC）", "Imported at (UTC)"),
    "history.file_name": ("文件", "File"),
    "history.table_name": ("表", "Table"),
    "history.rows": ("行数", "Rows"),
    "history.sha256": ("SHA-256", "SHA-256"),
    # Problems: message, then how to fix it.
    "problem.empty_file": ("文件为空", "The file is empty"),
    "problem.not_a_table": ("不是表格文件（{value}）", "Not a table ({value})"),
    "problem.file_too_large": ("文件过大（{value}）", "File too large ({value})"),
    "problem.unknown_table": ("无法判断是哪张表", "Cannot tell which table this is"),
    "problem.missing_column": ("缺少必填列 {column}", "Required column {column} is missing"),
    "problem.required": ("必填项为空", "Required value is empty"),
    "problem.duplicate_id": ("编号重复", "Duplicate id"),
    "problem.unknown_value": ("不是允许的取值", "Not an allowed value"),
    "problem.unknown_region": ("未知地区", "Unknown region"),
    "problem.region_too_coarse": ("地区只到省级，需要地市或区县", "Region is a province; a prefecture or county is needed"),
    "problem.bad_date": ("无法识别的日期", "Not a date"),
    "problem.impossible_date": ("不存在的日期", "Impossible date"),
    "problem.bad_number": ("不是数字", "Not a number"),
    "problem.bad_integer": ("应为整数", "Must be a whole number"),
    "problem.bad_bool": ("应为 是/否", "Must be yes or no"),
    "problem.below_minimum": ("数值过小", "Value too small"),
    "problem.above_maximum": ("数值过大", "Value too large"),
    "problem.unknown_reference": ("引用的编号不存在", "Refers to an id that does not exist"),
    "problem.closed_on_required": ("状态为已满足或已取消时必须填写关闭日期",
                                   "closed_on is required when status is met or cancelled"),
    "problem.closed_before_reported": ("关闭日期早于上报日期", "closed_on is before reported_on"),
    "problem.delivered_on_required": ("状态为已送达时必须填写送达日期",
                                      "delivered_on is required when status is delivered"),
    "problem.delivered_before_dispatched": ("送达日期早于发出日期",
                                            "delivered_on is before dispatched_on"),
    "problem.coordinate_pair": ("经纬度需成对填写", "Latitude and longitude go together"),
    "fix.expected": ("应为：{expected}", "Expected: {expected}"),
    "fix.did_you_mean": ("您是不是要找：{suggestion}？", "Did you mean {suggestion}?"),
    "fix.duplicate_of": ("与 {suggestion} 重复", "Same id as {suggestion}"),
    "fix.reference": ("请先导入对应的{expected}，或修正编号", "Import the {expected} first, or fix the id"),
    "fix.no_region": ("请使用地市或区县的中文名、英文名或行政区划代码",
                      "Use a prefecture or county name (Chinese or English) or its adcode"),
    # Bench
    "cli.nothing_written": ("发现 {n} 个问题，未写入任何数据。", "{n} problems found; nothing was written."),
    "cli.quarantined": ("有效行已导入；{n} 行被隔离待修正（见“数据”页）。",
                        "Valid rows imported; {n} rows kept in the quarantine to fix (Data page)."),
    "cli.review": ("{n} 条匹配待人工确认（见“数据”页的待确认列表）。",
                   "{n} matches wait for a person to confirm them (Data page, review queue)."),
    "cli.notes": ("{n} 条备注未能确定含义，已作为备注保留。", "{n} remarks were kept as notes, not guessed."),
    "problem.needs_date": ("该数据没有日期：请用 --as-of 指定，或放在带日期的文件夹中",
                           "This feed has no dates: give --as-of or use a dated folder"),
}

# English names of the schema's tables, columns and values; Chinese comes from the schema.
_EN_OVERRIDES = {
    "org_id": "Organisation id", "hub_id": "Hub", "facility_id": "Facility id",
    "need_id": "Need id", "delivery_id": "Delivery id", "grant_id": "Grant id",
    "report_id": "Report id", "lat": "Latitude", "lon": "Longitude",
    "coord_system": "Coordinate system", "amount_cny": "Amount (CNY)", "ppe": "PPE",
    "wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09",
    "counselling": "Counselling", "volunteer_mobilisation": "Volunteer mobilisation",
}


def _humanise(value: str) -> str:
    return _EN_OVERRIDES.get(value, value.replace("_", " ").capitalize())


def _schema_entries() -> dict[str, tuple[str, str]]:
    entries: dict[str, tuple[str, str]] = {}
    for table in schema.TABLES.values():
        entries[f"table.{table.name}"] = (table.zh, _humanise(table.name))
        for col in table.columns:
            entries[f"column.{table.name}.{col.name}"] = (col.zh, _humanise(col.name))
            for choice in col.choices:
                entries[f"value.{col.name}.{choice.value}"] = (choice.zh, _humanise(choice.value))
    return entries


CATALOGUE.update(_schema_entries())


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """Translate ``key`` into ``lang``, filling ``{placeholders}`` from ``values``.

    A missing key is shown as itself so a gap is visible rather than silent.
    """
    pair = CATALOGUE.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**values) if values else text


def value_label(column: str, value: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The display label of an enum value (``ppe`` → 防护用品)."""
    if value is None:
        return ""
    key = f"value.{column}.{value}"
    return t(key, lang) if key in CATALOGUE else str(value)


def region_label(name: str, name_en: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A region's name in the chosen language."""
    return name if lang == "zh" else name_en


def problem_message(problem, lang: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """A problem's message and its suggested fix, in ``lang``."""
    message = t(f"problem.{problem.code}", lang, value=problem.value or "",
                column=problem.column or "")
    if problem.code == "unknown_region":
        fix = (t("fix.did_you_mean", lang, suggestion=problem.suggestion)
               if problem.suggestion else t("fix.no_region", lang))
    elif problem.code == "duplicate_id":
        fix = t("fix.duplicate_of", lang, suggestion=problem.suggestion)
    elif problem.code == "unknown_reference":
        fix = t("fix.reference", lang, expected=t(f"table.{problem.expected}", lang))
    elif problem.expected:
        fix = t("fix.expected", lang, expected=problem.expected)
    else:
        fix = ""
    return message, fix
