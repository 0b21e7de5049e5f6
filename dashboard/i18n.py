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
    # Navigation on a phone (issue 12)
    "nav.menu": ("☰ 页面：{page}", "☰ Pages: {page}"),
    # Metrics
    "metric.open_needs": ("未满足需求", "Open needs"),
    "metric.urgent_open_needs": ("紧急未满足需求", "Urgent open needs"),
    "metric.open_needs_per_10k": ("每万人未满足需求", "Open needs per 10,000 residents"),
    "metric.open_needs_per_1k_confirmed": ("每千例确诊的未满足需求", "Open needs per 1,000 confirmed cases"),
    "metric.confirmed_cum": ("累计确诊", "Confirmed cases (cumulative)"),
    "metric.hospital_coverage": ("医院覆盖率", "Hospital coverage"),
    "metric.community_coverage": ("社区/村覆盖率", "Community coverage"),
    "metric.active_orgs": ("活跃机构（各类）", "Active organisations (all types)"),
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
    # Issue 12: how numbers read (dashboard/formatting.py) and how tables show them
    # (dashboard/ui/tables.py): units, directions, short headers and table notes.
    "number.yuan": ("{amount} 元", "CNY {amount}"),
    "number.wan_yuan": ("{amount} 万元", "{amount} × 10,000 CNY"),
    "number.million_yuan": ("{amount} 百万元", "CNY {amount} million"),
    "number.pp": (" 个百分点", " pp"),
    "table.unit.yuan": ("（元）", " (CNY)"),
    "table.unit.wan_yuan": ("（万元）", " (CNY 10,000)"),
    "table.code_help": ("与文件中的写法完全一致：导入的文件这样写，导出的文件也这样写。",
                        "Exactly as written in the files: imported files spell it this way, "
                        "and so do the exports."),
    "metric.delta_help": ("较前一日的变化。绿色表示变好，红色表示变差，灰色表示没有变化。",
                          "Change since the previous day. Green is better, red is worse, grey is "
                          "no change."),
    "metric.short.open_needs": ("未满足需求", "Open needs"),
    "metric.short.urgent_open_needs": ("紧急需求", "Urgent"),
    "metric.short.open_needs_per_10k": ("每万人需求", "Per 10k"),
    "metric.short.hospital_coverage": ("医院覆盖率", "Hosp. covered"),
    "metric.short.community_coverage": ("社区覆盖率", "Comm. covered"),
    "metric.short.active_orgs": ("活跃机构", "Active"),
    "metric.short.overdue_deliveries": ("逾期配送", "Overdue"),
    "metric.short.open_needs_per_1k_confirmed": ("每千例确诊需求", "Per 1k cases"),
    "metric.short.confirmed_cum": ("累计确诊", "Confirmed"),
    "metric.short.population": ("常住人口", "Population"),
    "overview.table_download_note": ("下载的表格另含累计确诊与常住人口（2020 年人口普查）。",
                                     "The download also holds confirmed cases and the population "
                                     "(2020 census)."),
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
    "overview.empty": ("还没有数据。请在“数据”页导入文件；想先看看效果，可以请管理员载入演示数据。",
                       "No data yet. Import files on the Data page; to look around first, ask the "
                       "administrator to load the demo data."),
    # Overview map classes (issue 12)
    "overview.map_classes": ("分级方式", "Colour classes"),
    "overview.classes.quantile": ("分位数", "Quantiles"),
    "overview.classes.linear": ("线性", "Linear"),
    "overview.classes_help": ("分位数：按排名分五档，每档地区数大致相同，武汉很高也不会让其余地区都变浅；线性：颜色与数值成正比。",
                              "Quantiles: five classes by rank, each holding about as many regions, so one very high region does not wash out the rest. Linear: colour in proportion to the value."),
    # Map
    "map.title": ("地图", "Map"),
    "map.region_select": ("下钻到地市", "Drill down into a prefecture"),
    "map.all_regions": ("全省", "Whole province"),
    "map.caption": ("点击地市可下钻到区县。",
                    "Click a prefecture to drill down into its districts and counties."),
    "map.points_capped": ("显示 {shown:,} / {total:,} 个设施（优先显示紧急与未覆盖的）。",
                          "Showing {shown:,} of {total:,} facilities (urgent and uncovered first)."),
    "map.urgent_only": ("全省视图只显示有紧急未满足需求的 {shown:,} 个设施（共 {total:,} 个）；下钻到地市可看全部设施。",
                        "The province view shows only the {shown:,} facilities with an urgent "
                        "open need (of {total:,}); drill into a prefecture to see all."),
    "map.no_coordinates": ("这里的设施都没有经纬度（例如志愿者需求信息），地图上不画点；各区县的数字仍然完整。",
                           "None of these facilities has coordinates (the volunteer feeds have none), so no points are drawn; the figures per district are complete."),
    "map.county_table": ("{region}各区县", "Districts and counties of {region}"),
    "map.back": ("← 返回全省", "← Back to the province"),
    "map.legend.urgent": ("紧急需求", "Urgent need"),
    "map.legend.uncovered": ("未覆盖", "Not covered"),
    "map.legend.covered": ("已覆盖", "Covered"),
    "map.legend.hub": ("枢纽", "Hub"),
    "map.tooltip.state": ("状态", "State"),
    "map.tooltip.type": ("类型", "Type"),
    # Map legends (issue 12): the metric with its unit, quantile classes, points
    "map.legend.points": ("设施与枢纽", "Facilities and hubs"),
    "map.legend.class_range": ("{low}–{high}", "{low}–{high}"),
    "map.legend_title.open_needs": ("未满足需求（条）", "Open needs (count)"),
    "map.legend_title.open_needs_per_10k": ("每万人未满足需求（条/万人）", "Open needs per 10,000 residents"),
    "map.legend_title.open_needs_per_1k_confirmed": ("每千例确诊的未满足需求（条/千例）", "Open needs per 1,000 confirmed cases"),
    "map.legend_title.hospital_coverage": ("医院覆盖率（%）", "Hospital coverage (%)"),
    "map.legend_title.community_coverage": ("社区/村覆盖率（%）", "Community coverage (%)"),
    "map.legend_title.active_orgs": ("活跃机构（家）", "Active organisations (count)"),
    "map.legend_title.overdue_deliveries": ("逾期配送（批）", "Overdue deliveries (count)"),
    "map.legend_title.gap_score": ("缺口得分（每百万人）", "Gap score (per million)"),
    # Data
    "data.title": ("数据", "Data"),
    "data.intro": ("上传各地手里的真实文件：先识别和检查，确认后才写入；有任何问题则什么都不写，除非选择只导入有效行。",
                   "Upload the files hubs really have: they are recognised and checked first and "
                   "written only when you confirm; with any problem nothing is written, unless "
                   "you choose to import the valid rows."),
    "data.tab.import": ("① 上传与导入", "① Upload and import"),
    "data.tab.review": ("② 待确认匹配", "② Matches to confirm"),
    "data.tab.quarantine": ("③ 隔离区", "③ Quarantine"),
    "data.tab.history": ("④ 导入记录", "④ History"),
    "data.tab.template": ("⑤ 模板说明", "⑤ Template"),
    "data.upload": ("选择文件（可多选）", "Choose files (several at once)"),
    "data.upload_button": ("选择文件", "Upload"),
    "data.upload_line": ("每个文件不超过 {mb} MB · {types} · 也可把文件拖到这里",
                         "{mb} MB per file • {types}"),
    "data.limit": ("单个文件上限 {mb} MB", "Limit {mb} MB per file"),
    "data.formats_caption": ("可直接识别：模板格式的 CSV / XLSX / JSON；医院需求信息（JSON）及其每日快照（CSV）；红十字会等发布的物资发放一览表（XLSX）；机构名录与物流名录（CSV）；带 HXL 标签的 CSV。其他表格可以按列映射导入。",
                             "Recognised as they are: the template's CSV / XLSX / JSON; the hospital needs feed (JSON) and its daily snapshots (CSV); official distribution sheets (XLSX); organisation and logistics lists (CSV); HXL-tagged CSV. Any other table can be imported by mapping its columns."),
    "data.col.file": ("文件", "File"),
    "data.col.format": ("识别为", "Recognised as"),
    "data.col.next": ("下一步", "Next"),
    "data.status.ready": ("可以检查", "Ready to check"),
    "data.status.date": ("需要选择数据日期", "Needs the date of the data"),
    "data.status.mapping": ("没有识别出格式：请在下方做列映射", "Not recognised: map its columns below"),
    "data.check": ("检查并导入", "Check and import"),
    "data.as_of": ("数据日期", "Date of the data"),
    "data.as_of_help": ("这些文件本身没有日期（例如医院需求信息只是某一天的快照）：请选择它描述的那一天。文件名中的日期会被自动填入。",
                        "These files carry no dates of their own (the hospital needs feed is a snapshot of one day): choose the day it describes. A date in the file name is filled in for you."),
    "data.as_of_for": ("用于：{files}", "Used for: {files}"),
    "data.choose_date": ("请先选择数据日期，然后才能检查这些文件。", "Choose the date of the data to check these files."),
    "data.accept_valid": ("只导入有效行，其余放入隔离区待修正", "Import the valid rows; keep the rest in the quarantine to fix"),
    "data.accept_valid_help": ("不勾选时，只要有一个问题就什么都不写。勾选后，有问题的行（以及依赖它们的行）放入隔离区，可在“隔离区”中修正后重新提交。",
                               "Unticked, any problem means nothing is written. Ticked, rows with a problem (and rows that depend on them) go to the quarantine, where they can be fixed and re-submitted."),
    "data.summary": ("将写入：{tables}", "Would write: {tables}"),
    "data.table_rows": ("{table} {n} 行", "{table} {n} rows"),
    "data.summary_review": ("；{n} 行等待人工确认接收单位", "; {n} lines wait for a person to confirm their recipient"),
    "data.valid": ("检查通过。{summary}", "All checks passed. {summary}"),
    "data.invalid": ("发现 {n} 个问题，未写入任何数据。", "{n} problems found; nothing was written."),
    "data.invalid_hint": ("修正文件后重新上传；或勾选上方“只导入有效行”，把有问题的行放入隔离区。",
                          "Fix the file and upload it again, or tick “Import the valid rows” above to keep the rows with problems in the quarantine."),
    "data.nothing_valid": ("没有可以导入的有效行。", "There is no valid row to import."),
    "data.partial": ("{summary}；{bad} 行将放入隔离区。", "{summary}; {bad} rows would go to the quarantine."),
    "data.report_download": ("下载问题清单（CSV）", "Download the problems (CSV)"),
    "data.import_button": ("确认导入", "Import"),
    "data.import_partial": ("导入有效行，隔离其余", "Import the valid rows, quarantine the rest"),
    "data.imported": ("已导入：{summary}", "Imported: {summary}"),
    "data.quarantined": ("{n} 行放入隔离区", "{n} rows kept in the quarantine"),
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
    "review.confirm": ("确认建议", "Confirm the proposal"),
    "review.other": ("改为其他设施", "Choose another facility"),
    "review.reject": ("拒绝", "Reject"),
    "review.apply": ("保存决定", "Save decision"),
    "review.confirmed": ("已确认“{raw_name}”是 {facility}，写入 {written} 条配送。",
                         "Confirmed “{raw_name}” as {facility}; {written} deliveries written."),
    "review.rejected": ("已拒绝“{raw_name}”，未写入任何配送。",
                        "Rejected “{raw_name}”; no delivery written."),
    "review.failed": ("无法保存：{error}", "Could not save: {error}"),
    # Review queue, issue 11: actions, a new facility, bulk acceptance, coded refusals,
    # and the notes of distribution sheets holding more than one table.
    "review.create": ("新建设施", "Create a new facility"),
    "review.later_hint": ("留在队列中，稍后再决定。", "Kept in the queue for later."),
    "review.reject_hint": ("这些行不写入，名称也不会被记住。",
                           "These lines are not written and the name is not remembered."),
    "review.proposal_is": ("建议：{facility}，置信度 {pct}", "Proposal: {facility}, confidence {pct}"),
    "review.pick": ("设施（可输入名称搜索）", "Facility (type to search by name)"),
    "review.pick_help": ("本名单所在地区的设施排在前面。", "Facilities of the list's region come first."),
    "review.pick_placeholder": ("选择设施", "Choose a facility"),
    "review.pick_first": ("请先选择设施。", "Choose a facility first."),
    "review.new_name": ("新设施名称", "Name of the new facility"),
    "review.new_type": ("类型", "Type"),
    "review.new_region": ("所在地区", "Region"),
    "review.region_placeholder": ("选择地市或区县", "Choose a prefecture or county"),
    "review.created": ("已新建设施 {facility}，“{raw_name}”的 {written} 条配送已写入。",
                       "Created {facility}; {written} deliveries of “{raw_name}” written."),
    "review.heading": ("{name} · {n} 行 · 无建议", "{name} · {n} lines · no proposal"),
    "review.heading_proposal": ("{name} · {n} 行 · 建议置信度 {pct}", "{name} · {n} lines · proposal at {pct}"),
    "review.group_line": ("**{name}** · {n} 行 · 来自 {source}", "**{name}** · {n} lines · from {source}"),
    "review.facility": ("{name}（{place}）", "{name} ({place})"),
    "review.place": ("{prefecture} {county}", "{prefecture}, {county}"),
    "review.bulk_min": ("一次接受置信度不低于此值的全部建议", "Accept every proposal at or above"),
    "review.bulk_accept": ("接受 {groups} 个建议（{lines} 行）", "Accept {groups} proposals ({lines} lines)"),
    "review.bulk_none": ("没有置信度达到 {pct} 的建议。", "No proposal reaches {pct}."),
    "review.bulk_left": ("{n} 个名称有不止一个同样可能的设施，不会一次接受，请逐一决定。",
                         "{n} names could mean more than one facility equally well: they are not accepted in bulk; decide them one by one."),
    "review.bulk_done": ("已接受 {groups} 个建议（{lines} 行），写入 {written} 条配送。",
                         "Accepted {groups} proposals ({lines} lines); {written} deliveries written."),
    "review.problem_fix": ("{message}（{fix}）", "{message} ({fix})"),
    "review.failed_for": ("“{raw_name}”：{message}", "“{raw_name}”: {message}"),
    "review.error_not_pending": ("这个名称已经有人决定过了，列表已刷新。",
                                 "This name has already been decided; the list is up to date now."),
    "review.error_invalid": ("无法写入，这些行没有通过检查：{problems}",
                             "Nothing written: the lines did not pass the checks: {problems}"),
    "review.error_no_name": ("请填写新设施的名称。", "Please give the new facility a name."),
    "review.error_unknown_type": ("请选择设施类型。", "Please choose the facility's type."),
    "review.error_unknown_region": ("请选择本省的一个地市或区县。",
                                    "Please choose a prefecture or county of the province."),
    "review.error_facility_exists": ("该地市已有同名设施“{detail}”：请用“改为其他设施”选择它。",
                                     "“{detail}” already exists in that prefecture: pick it under “Choose another facility”."),
    "review.error_bad_threshold": ("置信度须在 1% 到 100% 之间。", "The confidence must lie between 1% and 100%."),
    "note.rows_after_table": ("{n} 行位于发放表之后（另一张表、合计或说明），未读取",
                              "{n} rows below the distribution table (another table, a total or a note) were not read"),
    "note.subtotals_skipped": ("{n} 行小计已跳过，未计为配送", "{n} subtotal rows were skipped, not counted as deliveries"),
    "note.sheet_not_distribution": ("{n} 个工作表不是物资发放表（如接收捐赠清单），未读取",
                                    "{n} sheets are not distribution lists (a list of donations received, say) and were not read"),
    # Column mapping of files not in the template
    "mapping.title": ("列映射", "Column mapping"),
    "mapping.intro": (
        "下列文件的表头不是本系统的模板。请核对每个表头对应的字段，补上文件缺少的固定值，"
        "预览检查结果后导入；保存为映射方案后，下次上传同样的表格时可直接选用。",
        "These files' headers are not Lifeline's template. Check which column each header "
        "means, add constants for what the file lacks, preview the check and import; save "
        "the mapping as a profile to reuse it the next time such a sheet comes in."),
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
    # Column mapping: header row, suggested table, columns never imported, mapped-sheet notes
    "mapping.first_rows": ("文件前 {n} 行（行号与电子表格中一致）", "First {n} rows of the file (row numbers as in Excel)"),
    "mapping.row": ("行", "Row"),
    "mapping.header_row": ("表头所在行", "Header row"),
    "mapping.header_row_help": (
        "打印用的表格上方常有标题和日期行：请选表头所在的那一行，它上面的行不导入。",
        "Sheets laid out for printing have titles and a date line above the table: pick "
        "the row that holds the headers; the rows above it are not imported."),
    "mapping.header_row_option": ("第 {row} 行：{cells}", "Row {row}: {cells}"),
    "mapping.header_row_empty": ("所选的行没有表头，请选择表头所在的行。",
                                 "The chosen row holds no headers: pick the row that does."),
    "mapping.reason": ("看起来是「{table}」：有{columns}。", "Looks like {table}: {columns}."),
    "mapping.reason_headers": ("按表头判断，看起来是「{table}」。", "Judging by the headers, this looks like {table}."),
    "mapping.reason_one": ("一列{kind}", "a column of {kind}"),
    "mapping.reason_many": ("{n} 列{kind}", "{n} columns of {kind}"),
    "mapping.list_sep": ("、", ", "),
    "mapping.list_last": ("和", " and "),
    "mapping.kind.facility": ("{type}名称", "{type} names"),
    "mapping.kind.org": ("机构名称（基金会、红十字会、协会、企业等）",
                         "organisation names (foundations, Red Cross branches, associations, companies)"),
    "mapping.kind.supply": ("所需物资", "supplies"),
    "mapping.kind.date": ("日期", "dates"),
    "mapping.kind.region": ("地区名", "region names"),
    "mapping.kind.number": ("数字", "numbers"),
    "mapping.kind.choice": ("可选值（类型、类别等）", "allowed values (types, categories)"),
    "mapping.not_imported": ("不导入的列", "Columns not imported"),
    "mapping.reason_column": ("原因", "Reason"),
    "mapping.never.contact": ("联系方式：从不导入", "Contact: never imported"),
    "mapping.never.current_count": ("现有（在院）人数：没有对应字段，可由累计数推算",
                                    "Current count: no column holds it (it follows from the cumulative counts)"),
    "mapping.never.suspected": ("疑似病例：没有对应字段", "Suspected cases: no column holds them"),
    "mapping.never.no_column": ("没有对应字段", "No column holds this count"),
    "mapping.not_mapped": ("（不导入）", "(not imported)"),
    "mapping.never_mapped": ("「{column}」列从不导入，不能对应到任何字段",
                             "Column '{column}' is never imported and cannot map to a column"),
    "note.item_text_kept": ("{n} 条物资文字无法拆成单项需求，已按原文保留为一条需求，请核对",
                            "{n} item texts could not be split into one need per item and were kept as written: please check them"),
    "note.items_split": ("{n} 条物资文字已拆成每项一条需求", "{n} item texts were split into one need per item"),
    "note.contact_columns_skipped": ("{n} 个联系方式列未导入（个人信息不保存）",
                                     "{n} contact columns were not imported (personal data is not stored)"),
    # Needs page
    "needs.rows_capped": ("这里显示前 {shown:,} 条（共 {total:,} 条，紧急与最久的在前）；下载的表格含 {download:,} 条。",
                          "Showing the first {shown:,} of {total:,} (urgent and oldest first); the download "
                          "holds {download:,} of them."),
    "page.needs": ("需求", "Needs"),
    "needs.title": ("未满足需求", "Unmet needs"),
    "needs.caption": (
        "截至 {as_of}，窗口 {window} 天{region}。计数按条；数量只在同一物资、同一单位内相加。",
        "As of {as_of}, window {window} days{region}. Needs are counted; quantities are added "
        "only within one item and one unit.",
    ),
    "needs.region_suffix": ("，地区：{name}", ", region: {name}"),
    "needs.headline.open": ("未满足需求", "Open needs"),
    "needs.headline.urgent": ("其中紧急", "of which urgent"),
    "needs.headline.unmet": ("未满足数量", "Unmet quantity"),
    "needs.headline.in_transit": ("在途数量", "Quantity in transit"),
    # Sections
    "needs.table.title": ("每条未满足需求", "Every open need"),
    "needs.table.caption": (
        "截至日期仍开放的需求（紧急在前，开放最久在前）。"
        "已送达＝关联配送中已送达且送达日期在上报日期与截至日期之间的数量；"
        "在途＝关联配送中未失败、截至日期前已发出或尚未发出、且截至日期前未送达的数量；"
        "未满足＝需求量−已送达（不低于 0）；未报数量的需求按一整项需求计。",
        "Needs open at the as-of date (urgent first, oldest first). Delivered = linked deliveries "
        "delivered between the report date and the as-of date; in transit = linked deliveries not "
        "failed, dispatched by the as-of date or not yet dispatched, and not delivered by it; "
        "unmet = requested − delivered (never below 0); a need without a quantity is one "
        "whole need.",
    ),
    "needs.category_filter": ("类别", "Category"),
    "needs.all": ("全部", "All"),
    "needs.by.title": ("汇总", "Totals"),
    "needs.by.dimension": ("汇总维度", "Group by"),
    "needs.by.caption": (
        "按所选维度统计截至日期的未满足需求条数；未覆盖需求＝各需求未覆盖比例之和（未报数量的需求按一整项计），"
        "未覆盖比例＝未覆盖需求 ÷ 未满足需求数。",
        "Open needs at the as-of date counted by the chosen dimension; uncovered needs = the "
        "sum of the needs' uncovered shares (a need without a quantity is one whole need); "
        "uncovered share = uncovered needs ÷ open needs.",
    ),
    "needs.ageing.title": ("需求已开放多久", "How long needs have been open"),
    "needs.ageing.caption": (
        "每条截至日期仍开放的需求的已开放天数（截至日期 − 上报日期）。",
        "Days open (as-of date − report date) of every need open at the as-of date.",
    ),
    "needs.ageing.fulfil_caption": (
        "截至日期前已满足的需求，从上报到关闭的天数中位数（已取消的需求不计）。",
        "Median days from report to closure of needs met on or before the as-of date "
        "(cancelled needs are left out).",
    ),
    "needs.gap.title": ("缺口排名", "Gap ranking"),
    "needs.gap.level": ("排名对象", "Rank"),
    "needs.gap.level.region": ("地区", "Regions"),
    "needs.gap.level.facility": ("设施", "Facilities"),
    "needs.gap.caption": ("得分公式：{formula}", "Score: {formula}"),
    "needs.mismatch.title": ("物资去向与需求所在", "Where supplies went vs. where needs are"),
    "needs.mismatch.caption": (
        "每天：截至当天的 {window} 天内送达的配送中送往医院的比例（按配送次数，不同单位的数量不相加），与当天未满足需求中位于社区和村的比例。",
        "Each day: the share of deliveries delivered in the {window} days up to that day that went "
        "to hospitals (counted, since quantities of different units cannot be added), and the "
        "share of that day's open needs at communities and villages.",
    ),
    "needs.mismatch.hospital": ("送达医院的配送占比", "Deliveries to hospitals"),
    "needs.mismatch.community": ("社区/村的未满足需求占比", "Open needs at communities/villages"),
    "needs.mismatch.day": ("日期", "Day"),
    "needs.mismatch.share": ("占比", "Share"),
    "needs.late.title": ("需求关闭后才送达的配送", "Deliveries that arrived after their need closed"),
    "needs.late.caption": (
        "截至日期前送达、但送达日期晚于所关联需求关闭日期的配送。",
        "Deliveries delivered on or before the as-of date, after the need they are linked to had closed.",
    ),
    "needs.logistics.title": ("物流", "Logistics"),
    "needs.logistics.caption": (
        "按执行机构：截至日期在途（已发出未送达）、计划中（未发出）、逾期（预计到达早于截至日期仍未送达）的配送数，"
        "以及截至日期前送达且有预计日期的配送中按时（送达日期 ≤ 预计到达）的比例。",
        "By carrier: deliveries in transit (dispatched, not delivered), planned (not dispatched) and "
        "overdue (expected before the as-of date, not delivered) at the as-of date, and the on-time "
        "share (delivered ≤ expected) of deliveries delivered by the as-of date with an expected date.",
    ),
    "needs.delay.caption": (
        "截至日期前送达的配送：送达日期 − 预计到达（天，负数为提前）。",
        "Deliveries delivered by the as-of date: delivered − expected (days; negative is early).",
    ),
    "needs.projection.title": ("按当前速度还需多久", "How long at the current rate"),
    "needs.projection.caption": (
        "每个地区 × 类别 × 物资 × 单位（只含报了数量的需求）：剩余＝各需求 max(未满足 − 在途, 0) 之和；"
        "速度＝窗口内送达该地区的同类别、同物资、同单位数量 ÷ {window} 天；"
        "天数＝剩余 ÷ 速度。速度为 0 时显示“按当前速度无法满足”。",
        "Per region × category × item × unit (needs that gave a quantity): remaining = sum over "
        "needs of max(unmet − in transit, 0); rate = quantity of the same category, item and "
        "unit delivered there within the window ÷ {window} days; days = remaining ÷ rate. A "
        "rate of 0 reads \"not at this rate\".",
    ),
    "needs.projection.never": ("按当前速度无法满足", "not at this rate"),
    "needs.none": ("截至该日期没有未满足需求。", "No open needs at this date."),
    "needs.count": ("数量", "Count"),
    # Column headers
    "needs.col.need_id": ("需求编号", "Need ID"),
    "needs.col.facility_id": ("设施编号", "Facility ID"),
    "needs.col.facility_name": ("设施", "Facility"),
    "needs.col.facility_type": ("设施类型", "Facility type"),
    "needs.col.region_adcode": ("地区", "Region"),
    "needs.col.category": ("类别", "Category"),
    "needs.col.item": ("物资", "Item"),
    "needs.col.unit": ("单位", "Unit"),
    "needs.col.requested": ("需求量", "Requested"),
    "needs.col.delivered": ("已送达", "Delivered"),
    "needs.col.in_transit": ("在途", "In transit"),
    "needs.col.unmet": ("未满足", "Unmet"),
    "needs.col.days_open": ("已开放天数", "Days open"),
    "needs.col.reported_on": ("上报日期", "Reported"),
    "needs.col.priority": ("紧急程度", "Priority"),
    "needs.col.beneficiary_group": ("受益人群", "Beneficiaries"),
    "needs.col.open_needs": ("未满足需求数", "Open needs"),
    "needs.col.quantified_needs": ("有数量的需求", "Needs with a quantity"),
    "needs.col.unmet_share": ("未满足比例（%）", "Unmet share (%)"),
    "needs.col.needs_met": ("已满足需求数", "Needs met"),
    "needs.col.median_days": ("满足天数中位数", "Median days to fulfil"),
    "needs.col.urgent_needs": ("紧急需求数", "Urgent needs"),
    "needs.col.score": ("得分", "Score"),
    "needs.col.score_total": ("得分合计", "Total score"),
    "needs.col.score_per_million": ("每百万人得分", "Score per million residents"),
    "needs.col.population": ("常住人口（2020）", "Population (2020)"),
    "needs.col.delivery_id": ("配送编号", "Delivery ID"),
    "needs.col.link_rule": ("关联方式", "Link"),
    "needs.col.quantity": ("数量", "Quantity"),
    "needs.col.closed_on": ("需求关闭日期", "Need closed"),
    "needs.col.delivered_on": ("送达日期", "Delivered on"),
    "needs.col.days_late": ("晚到天数", "Days late"),
    "needs.col.need_status": ("需求状态", "Need status"),
    "needs.col.carrier_name": ("执行机构", "Carrier"),
    "needs.col.planned": ("计划中", "Planned"),
    "needs.col.overdue": ("逾期", "Overdue"),
    "needs.col.delivered_with_date": ("已送达（有预计日期）", "Delivered (with expected date)"),
    "needs.col.on_time": ("按时送达", "On time"),
    "needs.col.on_time_rate": ("按时率", "On-time rate"),
    "needs.col.delay_days": ("延误天数", "Delay (days)"),
    "needs.col.remaining": ("剩余（扣除在途）", "Remaining (after in transit)"),
    "needs.col.delivered_in_window": ("窗口内送达", "Delivered in window"),
    "needs.col.rate_per_day": ("每日送达", "Delivered per day"),
    "needs.col.days": ("预计天数", "Days at this rate"),
    "needs.link.explicit": ("指定", "explicit"),
    "needs.link.matched": ("匹配", "matched"),
    # Needs page, issue 12: counts of whole needs, quantities per item and unit
    "needs.headline.uncovered": ("未覆盖需求（折合条数）", "Uncovered needs (in whole needs)"),
    "needs.headline.unquantified": ("未报数量的需求", "Needs without a quantity"),
    "needs.not_given": ("未报数量", "not given"),
    "needs.whole_need": ("整项需求", "whole need"),
    "needs.col.rank": ("排名", "Rank"),
    "needs.col.unquantified_needs": ("未报数量的需求", "Needs without a quantity"),
    "needs.col.uncovered_needs": ("未覆盖需求（折合条数）", "Uncovered needs (in whole needs)"),
    "needs.col.uncovered_share": ("未覆盖比例", "Uncovered share"),
    "needs.quantities.title": ("按物资和单位的数量", "Quantities by item and unit"),
    "needs.quantities.caption": (
        "有数量的未满足需求，按类别、物资和单位分别合计；不同物资、不同单位的数量从不相加。"
        "剩余＝各需求 max(未满足 − 在途, 0) 之和。",
        "Open needs that gave a quantity, totalled per category, item and unit; quantities of "
        "different items or units are never added. Remaining = sum over the needs of "
        "max(unmet − in transit, 0)."),
    "needs.no_carrier": ("未注明承运方", "no carrier recorded"),
    "needs.delay.none": ("截至日期前没有既有预计到达日期又已送达的配送，无法计算延误。",
                         "No delivery delivered by the as-of date had an expected date: no delay to show."),
    # Needs page, issue 12: tables through ui/tables.show_table (ids in the downloads only)
    "needs.col.carrier_id": ("执行机构编号", "Carrier ID"),
    "needs.table.empty": ("截至该日期没有可列出的记录。", "Nothing to list at this date."),
    "needs.late.none": ("截至该日期，没有在需求关闭后才送达的配送。",
                        "No delivery arrived after its need had closed, up to this date."),
    # Coverage page
    "page.coverage": ("覆盖", "Coverage"),
    "coverage.title": ("覆盖情况", "Coverage"),
    "coverage.caption": (
        "截至 {as_of}，窗口 {window} 天。“已覆盖”＝窗口内至少有一次已送达的配送；"
        "“从未送达”＝截至当日从未有过已送达的配送；"
        "“仅送达一次”＝截至当日恰好一次。医院＝类型为医院的设施；社区/村＝社区与村；仓库、方舱等不计入。",
        "As of {as_of}, window {window} days. Covered = at least one delivered delivery in the window; "
        "never reached = no delivered delivery up to that day, ever; reached once = exactly one. "
        "Hospitals = facilities of type hospital; communities = communities and villages; "
        "warehouses, makeshift hospitals and others are not counted."),
    "coverage.never_reached": ("从未送达的医院与社区/村", "Hospitals and communities never reached"),
    "coverage.reached_once": ("仅送达一次的医院与社区/村", "Hospitals and communities reached once"),
    "coverage.uncovered_urgent": ("未覆盖且有紧急需求的设施", "Uncovered facilities with urgent needs"),
    "coverage.cards_region": ("以下数字只统计{region}。", "The figures below are for {region} only."),
    "coverage.area_title": ("各地市覆盖", "Coverage by prefecture"),
    "coverage.area_title_county": ("{region}各区县覆盖", "Coverage by district / county of {region}"),
    "coverage.area_caption": (
        "每行统计该地区的医院与社区/村：设施数、窗口内已覆盖数、从未送达数、仅送达一次数与覆盖率；"
        "没有该类设施时覆盖率为空（—），不是 0%。",
        "Each row counts the area's hospitals and communities: facilities, covered in the window, never "
        "reached, reached only once, and coverage; with no such facilities coverage is empty (—), not 0%."),
    "coverage.county_unknown": ("（区县不详）", " (county unknown)"),
    "coverage.hospitals_never_reached": ("从未送达的医院", "Hospitals never reached"),
    "coverage.hospitals_reached_once": ("仅送达一次的医院", "Hospitals reached once"),
    "coverage.communities_never_reached": ("从未送达的社区/村", "Communities never reached"),
    "coverage.communities_reached_once": ("仅送达一次的社区/村", "Communities reached once"),
    "coverage.uncovered_title": ("未覆盖却有紧急需求的设施", "Uncovered facilities with urgent needs"),
    "coverage.uncovered_caption": (
        "窗口内没有已送达配送、且至少有一条未满足的紧急需求的设施，共 {count:,} 个；"
        "按紧急需求数从多到少、最早需求从早到晚排序。"
        "“最早需求（天）”＝最早一条未满足需求（任何紧急程度）上报至今的天数。点击“地图”在地图上查看该地市。",
        "{count:,} facilities with no delivered delivery in the window and at least one urgent open need; "
        "most urgent needs first, then the oldest need first. \"Oldest need (days)\" = days since the "
        "oldest open need (any priority) was reported. Click \"Map\" to see the prefecture on the map."),
    "coverage.uncovered_empty": ("没有未覆盖却有紧急需求的设施。",
                                 "No uncovered facility has an urgent need."),
    "coverage.facility": ("设施", "Facility"),
    "coverage.facility_type": ("类型", "Type"),
    "coverage.urgent_needs": ("紧急需求", "Urgent needs"),
    "coverage.oldest_need_days": ("最早需求（天）", "Oldest need (days)"),
    "coverage.last_delivered_on": ("最近送达", "Last delivered"),
    "coverage.never": ("从未送达", "never"),
    "coverage.map_link": ("地图", "Map"),
    "coverage.map_link_text": ("在地图上查看", "Show on map"),
    "coverage.time_title": ("覆盖率随时间变化", "Coverage over time"),
    "coverage.time_kind": ("设施类别", "Facilities"),
    "coverage.kind.hospital": ("医院", "Hospitals"),
    "coverage.kind.community": ("社区/村", "Communities"),
    "coverage.time_caption": (
        "每一天的{kind}覆盖率：截至当天的 {window} 天内至少有一次已送达配送的{kind}所占比例，"
        "每个地区一条线；"
        "分母是现有的全部{kind}（数据不记录设施的加入日期）。",
        "Coverage of {kind} on each day: the share of {kind_lower} with at least one delivered delivery in "
        "the {window} days up to that day, one line per area; the denominator is all {kind_lower} known "
        "today (the data does not record when a facility was added)."),
    "coverage.time_empty": ("没有可画的数据。", "Nothing to draw."),
    "coverage.day": ("日期", "Day"),
    "coverage.burden_title": ("覆盖与负担", "Coverage vs. burden"),
    "coverage.burden_flat": (
        "窗口内每个地市的覆盖率都是 {coverage}，散点图无从比较覆盖；各地市的需求负担见下表。",
        "Every prefecture's coverage in the window is {coverage}, so a scatter would compare "
        "nothing; the table below lists each prefecture's burden."),
    "coverage.burden_caption": (
        "每个点是一个地市：横轴＝医院与社区/村合计的覆盖率，纵轴＝每万人未满足需求。红色＝服务不足。{rule}"
        "没有医院或社区/村的地市不画出。",
        "Each point is a prefecture: across = coverage of hospitals and communities together, up = open "
        "needs per 10,000 residents. Red = under-served. {rule} Prefectures without hospitals or "
        "communities are not drawn."),
    "coverage.coverage": ("覆盖率（医院+社区/村）", "Coverage (hospitals + communities)"),
    "coverage.confirmed_per_10k": ("每万人累计确诊", "Confirmed cases per 10,000 residents"),
    "coverage.under_served": ("服务不足", "Under-served"),
    "coverage.served": ("其他", "Others"),
    "coverage.yes": ("是", "yes"),
    "coverage.no": ("否", "no"),
    "coverage.burden_region": ("图中突出显示{region}，其他地市以浅色作为比较背景；表格只列{region}。“服务不足”按全省中位数判定。",
                               "{region} stands out; the other prefectures are drawn faint, as the "
                               "background it is judged against. The table lists {region} alone. "
                               "Under-served is judged against the province's medians."),
    # Issue 12: short headers of the per-area tables (one tab per kind of facility)
    "coverage.col.facilities": ("设施数", "Facilities"),
    "coverage.col.covered": ("已覆盖", "Covered"),
    "coverage.col.coverage": ("覆盖率", "Coverage"),
    "coverage.col.never_reached": ("从未送达", "Never reached"),
    "coverage.col.reached_once": ("仅送达一次", "Reached once"),
    "coverage.col.confirmed_per_10k": ("每万人确诊", "Confirmed per 10k"),
    "coverage.card.never_reached": ("从未送达", "Never reached"),
    "coverage.card.reached_once": ("仅送达一次", "Reached once"),
    "coverage.card.uncovered_urgent": ("未覆盖且紧急", "Uncovered, urgent"),
    # Funding page
    "funding.flows.other_funders": ("其他资助方", "Other funders"),
    "funding.flows.other_recipients": ("其他受资助方", "Other recipients"),
    "funding.flows.largest": ("图中按金额画出最大的 {n} 个资助方和受资助方，其余合并为“其他”；下表列出全部。",
                              " The chart draws the {n} largest funders and recipients; the rest are merged into “other”; the table lists all."),
    "page.funding": ("资金与重复捐赠", "Funding & overlaps"),
    "funding.title": ("资金流向与重复捐赠", "Funding flows and duplicated donations"),
    "funding.caption": ("截至 {as_of}{region}。", "As of {as_of}{region}."),
    "funding.region_suffix": ("，地区：{name}", ", region: {name}"),
    "funding.overlaps.title": ("重复捐赠", "Duplicated donations"),
    "funding.overlaps.days": ("间隔天数", "Days apart"),
    "funding.overlaps.days_help": ("同一设施、同一物资、同一单位的相邻两次配送相隔不超过此天数即连成一组",
                                   "Consecutive deliveries of one item and unit to one facility at "
                                   "most this many days apart join one group"),
    "funding.overlaps.caption": (
        "规则：回看窗口 {start} 至 {as_of}（{window} 天）内、未失败且有供给机构的配送，按日期（送达日期，否则发出日期，否则预计到达）"
        "排序；同一设施、同一物资、同一单位中，与上一次配送相隔不超过 {days} 天的配送连成一组。"
        "一组中有两个及以上不同供给机构即为重复捐赠。多出的数量＝合计 − 送得最多的一家的数量（同一单位内）；按它从大到小排列。",
        "Rule: deliveries dated in the look-back window {start} to {as_of} ({window} days; "
        "delivered, else dispatched, else expected), not failed and with a supplier, are ordered "
        "by date; per facility, item and unit a delivery at most {days} days after the previous "
        "one joins its group. A group with two or more different suppliers is an overlap. "
        "Quantity on top = the total − what the largest supplier sent (in one unit); largest first."),
    "funding.overlaps.none": ("没有重复捐赠。", "No duplicated donations."),
    "funding.flows.title": ("资金流向", "Funding flows"),
    "funding.flows.caption": (
        "资助方 → 受资助方 → 地区，金额为截至 {as_of} 已开始（或未注明开始日期）的资助全额；"
        "地区取资助的地区，否则取受资助方所在地市。",
        "Funder → recipient → region: full amounts of grants started on or before {as_of} "
        "(or without a start date); the region is the grant's, else the recipient's "
        "prefecture."),
    "funding.flows.none": ("没有资助记录。", "No grants."),
    "funding.flows.unknown_region": ("地区未知", "Region unknown"),
    "funding.by_region.title": ("各地区资金与需求", "Funding per region against needs"),
    "funding.by_region.no_money": (
        "所选范围内没有资助记录，无从按地区比较金额；各地区的缺口见下方“{direct}”。",
        "No grant is recorded in this selection, so there is no money to compare per region; "
        "where the gaps are is under “{direct}” below."),
    "funding.by_region.caption": (
        "每万人金额 = 金额 × 10,000 ÷ 常住人口（2020）；"
        "每项未满足需求金额 = 金额 ÷ 截至 {as_of} 的未满足需求数。",
        "Per 10,000 residents = amount × 10,000 ÷ population (2020); per open need = amount ÷ "
        "open needs at {as_of}."),
    "funding.col.facility_id": ("设施编号", "Facility ID"),
    "funding.col.facility_name": ("设施", "Facility"),
    "funding.col.region_adcode": ("地区", "Region"),
    "funding.col.category": ("类别", "Category"),
    "funding.col.suppliers": ("供给机构", "Suppliers"),
    "funding.col.n_suppliers": ("供给机构数", "Suppliers (count)"),
    "funding.col.n_deliveries": ("配送次数", "Deliveries"),
    "funding.col.total_quantity": ("数量合计", "Total quantity"),
    "funding.col.units": ("单位", "Units"),
    "funding.col.first_date": ("首次日期", "First date"),
    "funding.col.last_date": ("末次日期", "Last date"),
    "funding.col.funder_name": ("资助方", "Funder"),
    "funding.col.recipient_name": ("受资助方", "Recipient"),
    "funding.col.grants": ("资助笔数", "Grants"),
    "funding.col.amount_cny": ("金额（元）", "Amount (CNY)"),
    "funding.col.population": ("常住人口（2020）", "Population (2020)"),
    "funding.col.amount_per_10k": ("每万人金额（元）", "Amount per 10,000 residents (CNY)"),
    "funding.col.open_needs": ("未满足需求数", "Open needs"),
    "funding.col.amount_per_open_need": ("每项未满足需求金额（元）", "Amount per open need (CNY)"),
    # Partners page
    "page.partners": ("伙伴网络", "Partners"),
    "partners.title": ("伙伴网络", "Partner network"),
    "partners.caption": (
        "截至 {as_of}，窗口 {window} 天。"
        "“最近动态”＝截至日期前最近一次活动报告，或其提供/承运的配送送达的日期（仅发出不算）。",
        "As of {as_of}, window {window} days. Last seen = the latest activity report, or "
        "delivery it supplied or carried being delivered, on or before the as-of date "
        "(a dispatch alone does not count)."),
    "partners.region_suffix": ("（{name}：驻地在此或在此工作过的一线机构）",
                               " ({name}: partners based there or that have worked there)"),
    "partners.none": ("没有一线机构。", "No partners."),
    "partners.none_recorded": (
        "还没有一线机构。机构名单中类型为“{partner}”的机构会列在这里：导入机构名单时在“类型”一列填写"
        "“{partner}”（见“数据”页的模板）。",
        "No partner organisation yet. Organisations of the type “{partner}” are listed here: give "
        "that type in the organisation list's type column when you import it (see the Data page's "
        "template)."),
    "partners.none_in_region": ("{region}没有一线机构：既没有设在这里的，也没有在这里工作过的。",
                                "No partner in {region}: none is based there and none has worked there."),
    "partners.fresh": ("近期有动态", "Fresh"),
    "partners.due": ("待跟进", "Due"),
    "partners.overdue": ("久无动态", "Overdue"),
    "partners.silent": ("从未报告", "Silent"),
    "partners.freshness.title": ("谁已经没有动态", "Who has gone quiet"),
    "partners.freshness.caption": (
        "最久没有动态的排在最前。近期有动态：窗口内（{window} 天）有动态；待跟进：两个窗口内（{window2} 天）有动态；"
        "久无动态：更早；从未报告：从无活动报告或送达的配送。“近期有动态”以外的即总览中的失联一线机构。",
        "The quietest first. Fresh: seen within the window ({window} days); due: within two "
        "windows ({window2} days); overdue: earlier; silent: never seen. Partners that are "
        "not fresh are the stale partners of the Overview."),
    "partners.hub": ("枢纽", "Hub"),
    "partners.all_hubs": ("全部枢纽", "All hubs"),
    "partners.no_hub": ("无所属枢纽", "No hub"),
    "partners.single.title": ("仅一家或没有一线机构活跃的地市", "Prefectures with one partner or none"),
    "partners.single.caption": (
        "窗口内活跃＝在该地市有活动报告，或提供/承运了送达该地市设施的已送达配送。只有一家伙伴的地市，一旦该伙伴停摆便无人服务。",
        "Active in the window = an activity report there, or a delivered delivery it "
        "supplied or carried to a facility there. Where one partner stands alone, the "
        "prefecture has nobody if it stops."),
    "partners.who.title": ("谁在哪里做什么", "Who does what where"),
    "partners.who.by": ("按", "By"),
    "partners.who.caption": (
        "每格为截至日期前（自数据首日起）该机构在该地市的记录数：活动报告，或其提供/承运的配送（以送达日期计，未送达则以发出日期计）。",
        "Each cell counts the organisation's records in the prefecture up to the as-of "
        "date (from the first data date): activity reports, or deliveries it supplied or "
        "carried (dated by delivery, else dispatch)."),
    "partners.who.filter": ("类型/类别", "Type / category"),
    "partners.who.all": ("全部", "All"),
    "partners.profile.title": ("机构档案", "Partner profile"),
    "partners.profile.select": ("选择机构", "Choose an organisation"),
    "partners.profile.caption": (
        "截至日期前的全部记录。配送状态按截至日期：已送达＝送达日期不晚于截至日期；运输中＝已发出未送达。",
        "Everything on or before the as-of date. Delivery status at the as-of date: "
        "delivered = delivered on or before it; in transit = dispatched, not yet delivered."),
    "partners.profile.regions": ("服务地区", "Regions served"),
    "partners.profile.facilities": ("服务设施", "Facilities served"),
    "partners.profile.deliveries": ("承运配送（按状态）", "Deliveries carried (by status)"),
    "partners.profile.reports": ("每日活动报告", "Reports per day"),
    "partners.profile.grants": ("收到的资助", "Grants received"),
    "partners.col.org_id": ("机构编号", "Organisation ID"),
    "partners.col.name": ("机构名称", "Organisation"),
    "partners.col.org_type": ("机构类型", "Organisation type"),
    "partners.col.hub_id": ("所属枢纽编号", "Hub ID"),
    "partners.col.hub_name": ("所属枢纽", "Hub"),
    "partners.col.last_seen": ("最近动态", "Last seen"),
    "partners.col.freshness": ("动态状态", "Freshness"),
    "partners.col.days_since_seen": ("无动态天数", "Days silent"),
    "partners.col.active_regions": ("活跃地市数", "Active prefectures"),
    "partners.col.region_adcode": ("地区", "Region"),
    "partners.col.adcode": ("地区代码", "Region code"),
    "partners.col.region": ("地区", "Region"),
    "partners.col.active_partners": ("活跃一线机构数", "Active partners"),
    "partners.col.partner_name": ("唯一的一线机构", "The only partner"),
    "partners.col.activity_type": ("活动类型", "Activity type"),
    "partners.col.category": ("类别", "Category"),
    "partners.col.count": ("记录数", "Records"),
    "partners.col.last_date": ("最近日期", "Latest date"),
    "partners.col.reports": ("活动报告", "Reports"),
    "partners.col.deliveries": ("配送", "Deliveries"),
    "partners.col.active": ("窗口内活跃", "Active in window"),
    "partners.col.facility_id": ("设施编号", "Facility ID"),
    "partners.col.facility_type": ("设施类型", "Facility type"),
    "partners.col.status": ("状态", "Status"),
    "partners.col.reported_on": ("日期", "Date"),
    "partners.col.people_served": ("服务人次", "People served"),
    "partners.col.grant_id": ("资助编号", "Grant ID"),
    "partners.col.funder_id": ("资助方编号", "Funder ID"),
    "partners.col.funder_name": ("资助方", "Funder"),
    "partners.col.amount_cny": ("金额（元）", "Amount (CNY)"),
    "partners.col.start_on": ("开始日期", "Start"),
    "partners.col.end_on": ("结束日期", "End"),
    "partners.yes": ("是", "yes"),
    "partners.no": ("否", "no"),
    "partners.remind.title": ("催报提醒（复制到群聊）", "Reminder for the group chat"),
    "partners.remind.caption": (
        "窗口内没有动态的一线机构，按枢纽分组，最久没有动态的在前；点右上角的按钮复制。只列机构名称，不含联系人。",
        "Partners with no sign of work in the window, grouped by hub, the quietest first; "
        "copy with the button at the top right. Organisation names only, never contacts."),
    "partners.remind.none": ("窗口内每家一线机构都有动态，无需催报。",
                             "Every partner was heard from in the window: nobody to remind."),
    "partners.remind.line": ("【{hub}】{name} 已 {days} 天未报告", "[{hub}] {name}: no report for {days} days"),
    "partners.remind.never": ("【{hub}】{name} 从未报告", "[{hub}] {name}: never reported"),
    "partners.cards.caption": (
        "活跃一线机构＝窗口内有动态（活动报告，或其提供/承运的配送送达）的一线机构，与总览的卡片相同；"
        "其余为失联一线机构，分为待跟进、久无动态和从未报告。总览排名表中的“活跃机构”还计入枢纽、基金会、企业等各类机构。",
        "Active partners = partners with a sign of work in the window (an activity report, or "
        "a delivery they supplied or carried being delivered), as on the Overview's cards; "
        "the others are stale: due, overdue or silent. The Overview table's active "
        "organisations also count hubs, foundations, companies and every other type."),
    "partners.single.region": ("{name}：窗口内活跃的一线机构不止一家，不在此列。",
                               "{name}: more than one partner is active there in the window."),
    # Issue 12 (adopt-funding): organisations chosen by name, told apart without their ids
    "partners.choice": ("{name}（{detail}）", "{name} ({detail})"),
    "partners.nth": ("同名第 {n} 家", "no. {n} of that name"),
    "partners.unnamed": ("未填名称的机构", "Organisation without a name"),
    "partners.region_unknown": ("地市不详", "prefecture unknown"),
    "partners.nothing": ("无记录。", "Nothing recorded."),
    "partners.col.facility": ("设施", "Facility"),
    # Morning briefing (dashboard/briefing): labels, sections and the narrative's sentences
    "brief.title": ("生命线 · {province}晨间简报", "Lifeline morning briefing · {province}"),
    "brief.subtitle": ("截至 {as_of} · 回看窗口 {start} 至 {end}（{window} 天）· 与前一日、七日前比较",
                       "As of {as_of} · window {start} to {end} ({window} days) · compared with the day before and a week before"),
    "brief.section.narrative": ("今日要点", "What changed"),
    "brief.section.headline": ("主要数字", "Headline numbers"),
    "brief.section.gap_regions": ("缺口最大的地区", "Regions with the largest gaps"),
    "brief.section.gap_facilities": ("缺口最大的设施", "Facilities with the largest gaps"),
    "brief.section.overdue_n": ("逾期配送（{n}）", "Overdue deliveries ({n})"),
    "brief.section.partners": ("需要联系的一线机构", "Partners to call"),
    "brief.section.overlaps": ("近 {window} 天的重复捐赠", "Duplicated donations, last {window} days"),
    "brief.col.measure": ("指标", "Measure"),
    "brief.col.today": ("本期", "Now"),
    "brief.col.d1": ("前一日", "Day before"),
    "brief.col.d7": ("七日前", "Week before"),
    "brief.col.change": ("变化", "Change"),
    "brief.col.region": ("地区", "Region"),
    "brief.col.facility": ("设施", "Facility"),
    "brief.col.score": ("得分", "Score"),
    "brief.col.urgent": ("紧急", "Urgent"),
    "brief.col.open": ("未满足", "Open"),
    "brief.col.days_overdue": ("逾期天数", "Days late"),
    "brief.col.what": ("物资", "Supplies"),
    "brief.col.carrier": ("承运方", "Carrier"),
    "brief.no_data": ("无数据", "no data"),
    "brief.pp": ("个百分点", " pp"),
    "brief.list_sep": ("、", ", "),
    "brief.colon": ("：", ": "),
    "brief.and_more": ("，另有 {n} 个", ", and {n} more"),
    "brief.more_items": ("……另有 {n} 项未列出", "… and {n} more not listed"),
    "brief.no_carrier": ("未注明承运方", "no carrier recorded"),
    "brief.no_hub": ("无所属枢纽", "No hub"),
    "brief.group_sep": ("；", "; "),
    "brief.partner_hub": ("{hub}：{names}", "{hub}: {names}"),
    "brief.score_note": ("得分＝紧急程度权重 × 未覆盖比例 × (1 + (1 + 已开放天数) 的自然对数)，当天上报的需求也计入（公式见需求页）；地区得分按每百万常住人口计，与需求页、资金页的排名相同。",
                         "Score = urgency weight × uncovered share × (1 + ln(1 + days open)); needs reported today count (formula on the Needs page); region scores are per million residents, ranked as on the Needs and Funding pages."),
    "brief.md.headline": ("- {label}：{value}（较前一日 {d1}，较七日前 {d7}）",
                          "- {label}: {value} ({d1} vs the day before, {d7} vs a week before)"),
    "brief.md.gap_region": ("{rank}. {name} — 得分 {score}，紧急 {urgent}，未满足 {open}",
                            "{rank}. {name} — score {score}, urgent {urgent}, open {open}"),
    "brief.md.gap_facility": ("{rank}. {name}（{region}）— 得分 {score}，紧急 {urgent}，未满足 {open}",
                              "{rank}. {name} ({region}) — score {score}, urgent {urgent}, open {open}"),
    "brief.md.overdue": ("- 逾期 {days} 天 · {region} · {facility} · {what} · 承运方：{carrier}",
                         "- {days} days late · {region} · {facility} · {what} · carrier: {carrier}"),
    "brief.overlap_item": ("{facility}（{region}）· {what} · 供给方：{suppliers} · {first}–{last}",
                           "{facility} ({region}) · {what} · suppliers: {suppliers} · {first}–{last}"),
    "brief.partners.overdue": ("{days} 天以上无动态（{n} 家）", "Not seen for {days} days or more ({n})"),
    "brief.partners.silent": ("从未报告（{n} 家）", "Never reported ({n})"),
    "brief.partner_seen": ("{name}（{days} 天）", "{name} ({days} days)"),
    "brief.none.gaps": ("没有缺口：所有未满足需求都已送达或在途。", "No gaps: every open need is delivered or on its way."),
    "brief.none.overdue": ("没有逾期配送。", "No overdue deliveries."),
    "brief.none.partners": ("没有从未报告或久无动态的一线机构。", "No partner is silent or long unseen."),
    "brief.none.overlaps": ("窗口内没有重复捐赠。", "No duplicated donations in the window."),
    "brief.map.open_needs": ("未满足需求", "Open needs"),
    "brief.map.gap_score": ("缺口得分（每百万人）", "Gap score (per million)"),
    "brief.map.alt": ("各地市地图", "Map of the prefectures"),
    "brief.map.caption": ("{metric}，按地市；灰色＝无数据（不是零）。", "{metric} by prefecture; grey = no data (not zero)."),
    "brief.footer": ("各项数字的定义见生命线的“数据与方法”页。由生命线生成。",
                     "Every number is defined on Lifeline's Data & methods page. Generated by Lifeline."),
    "brief.nar.trend_up": ("较昨日增加 {n}", "{n} more than yesterday"),
    "brief.nar.trend_down": ("较昨日减少 {n}", "{n} fewer than yesterday"),
    "brief.nar.trend_same": ("与昨日持平", "the same as yesterday"),
    "brief.nar.trend_unknown": ("无更早数据可比", "no earlier data to compare with"),
    "brief.nar.needs": ("未满足需求 {n} 条，其中紧急 {urgent} 条；{trend}。", "{n} open needs, {urgent} of them urgent; {trend}."),
    "brief.nar.lost_hospital": ("自昨日以来，{n}个地区失去医院覆盖：{names}。", "Since yesterday {n} region{s} lost hospital coverage: {names}."),
    "brief.nar.lost_community": ("自昨日以来，{n}个地区失去社区/村覆盖：{names}。", "Since yesterday {n} region{s} lost community coverage: {names}."),
    "brief.nar.hospital_coverage_up": ("{place}医院覆盖率由昨日的 {before} 升至 {now}。", "Hospital coverage in {place} rose from {before} yesterday to {now}."),
    "brief.nar.hospital_coverage_down": ("{place}医院覆盖率由昨日的 {before} 降至 {now}。", "Hospital coverage in {place} fell from {before} yesterday to {now}."),
    "brief.nar.community_coverage_up": ("{place}社区/村覆盖率由昨日的 {before} 升至 {now}。", "Community coverage in {place} rose from {before} yesterday to {now}."),
    "brief.nar.community_coverage_down": ("{place}社区/村覆盖率由昨日的 {before} 降至 {now}。", "Community coverage in {place} fell from {before} yesterday to {now}."),
    "brief.nar.region_change": ("{name}（{change}）", "{name} ({change})"),
    "brief.nar.urgent_rise": ("紧急未满足需求增加最多的地区：{names}。", "Urgent open needs rose most in {names}."),
    "brief.nar.overdue": ("逾期配送 {n} 单（{trend}）；最久的已逾期 {days} 天（{region}，承运方：{carrier}）。",
                          "Overdue deliveries: {n} ({trend}); the longest is {days} day{ds} late ({region}, carrier: {carrier})."),
    "brief.nar.overdue_cleared": ("逾期配送已清零（昨日仍有）。", "No delivery is overdue any more (some were yesterday)."),
    "brief.nar.partners": ("需要联系的一线机构 {n} 家：{silent} 家从未报告，{overdue} 家已 {days} 天以上无动态。",
                           "Partners to call: {n} — {silent} never reported, {overdue} not seen for {days} days or more."),
    "brief.nar.top_gap": ("缺口最大的地区：{name}（得分 {score}/百万人，紧急未满足需求 {urgent} 条）。",
                          "Largest gap: {name} (score {score} per million residents; urgent open needs: {urgent})."),
    "brief.nar.gained_hospitals": ("自昨日以来，{n}个地区新获医院覆盖：{names}。", "Since yesterday {n} region{s} gained hospital coverage: {names}."),
    "brief.nar.overlaps": ("近 {window} 天有 {n} 组可能的重复捐赠，请与供给方核实。",
                           "{n} possible duplicate donation{s} in the last {window} days: check with the suppliers."),
    # Morning briefing, issue 12: a comparison with a day before the data begins
    "brief.no_earlier_data": ("无更早数据", "no earlier data"),
    "brief.overlap_duplicated": ("多出 {quantity}", "{quantity} on top"),
    # Sidebar filters of the partner, network and funding pages
    "sidebar.category": ("物资类别", "Category"),
    "sidebar.category_all": ("全部类别", "All categories"),
    "sidebar.org_type": ("机构类型", "Organisation type"),
    "sidebar.org_type_all": ("全部机构类型", "All organisation types"),
    # The region filter on every page (issue 12)
    "overview.region_caption": ("地区：{region}。卡片、地图和表格只计该地区。",
                                "Region: {region}. The cards, the map and the table count this region only."),
    "overview.map_caption_county": ("{metric}，按{region}的区县。灰色表示无数据（不是零）。",
                                    "{metric} by county of {region}. Grey means no data (not zero)."),
    "overview.table_title_county": ("{region}各区县排名（按{metric}）", "Counties of {region} ranked by {metric}"),
    # Network page
    "page.network": ("协作网络", "Network"),
    "network.title": ("协作网络：资源如何抵达各地", "The network: how resources reach each region"),
    "network.caption": ("截至 {as_of}，窗口 {window} 天：资助按资助期计，配送与活动按窗口计。",
                        "As of {as_of}, window {window} days: grants by their period, deliveries "
                        "and reports within the window."),
    "network.filtered": (" 筛选：{filters}。", " Filtered: {filters}."),
    "network.card.funders": ("资助方", "Funders"),
    "network.card.funders_help": ("窗口内有在执行资助或供给配送的基金会、企业等（枢纽、一线机构与志愿团队不计）",
                                  "Organisations with an active grant or a delivery supplied in the "
                                  "window; hubs, partners and volunteer teams pass resources on and "
                                  "do not count"),
    "network.card.organisations": ("有联系的机构", "Connected organisations"),
    "network.card.organisations_help": ("网络中至少有一条联系的机构", "Organisations with at least one link"),
    "network.card.unreached": ("无资助方抵达的地区", "Regions no funder reaches"),
    "network.card.unreached_help": ("没有任何资助方经由资助、枢纽、伙伴或承运抵达的地市",
                                    "Prefectures no funder reaches through grants, hubs, partners or carriers"),
    "network.card.brokered": ("依赖单一中介的地区", "Regions hanging on a broker"),
    "network.card.brokered_help": ("有某个机构一旦失去，该地区即与所有资助方断开",
                                   "Prefectures with an organisation whose loss would cut them off "
                                   "from every funder"),
    "network.picture.title": ("网络图", "The picture"),
    "network.picture.empty": ("按当前筛选，网络中没有机构。", "No organisation is in the network with these filters."),
    "network.picture.caption": ("从左到右：资助方 → 枢纽 → 一线与承运机构 → 地区；线条颜色表示联系类型"
                                "（资助、枢纽成员、代为承运、服务地区），点越大联系越多。悬停查看名称。"
                                "选择地区时只显示能抵达该地区的机构。",
                                "Left to right: funders → hubs → organisations that carry and serve → "
                                "regions; line colours are the kinds of link (grant, hub member, carries "
                                "for, serves), larger dots have more links. Hover for names. With a "
                                "region chosen, only the organisations that reach it are shown."),
    "network.picture.capped": (" 共 {total} 个机构，图中显示联系最多的 {shown} 个；下方表格列出全部联系。",
                               " {total} organisations; the {shown} with the most links are drawn, "
                               "the table below lists every link."),
    "network.column.funder": ("资助方", "Funders"),
    "network.column.hub": ("枢纽", "Hubs"),
    "network.column.organisation": ("一线与承运机构", "Partners and carriers"),
    "network.column.region": ("地区", "Regions"),
    "network.edge.member": ("枢纽成员", "hub member"),
    "network.edge.grant": ("资助", "grant"),
    "network.edge.carries": ("代为承运", "carries for"),
    "network.edge.serves": ("服务地区", "serves region"),
    "network.reach.title": ("各地区的资助方与关键中介", "Funders and brokers per region"),
    "network.reach.caption": ("资助方：沿资助、枢纽成员、承运与服务关系能抵达该地区的资助方。"
                              "关键中介：一旦失去，该地区即与所有资助方断开的机构（由支配树计算，"
                              "唯一的资助方本身不计为中介）。",
                              "Funders: those with a path to the region through grants, hub "
                              "membership, carrying and serving. Brokers: organisations whose loss "
                              "would cut the region off from every funder (computed from dominator "
                              "trees; a region's only funder is not counted as its broker)."),
    "network.hubs.title": ("各枢纽的伙伴", "Partners per hub"),
    "network.hubs.caption": ("伙伴：所属枢纽为该枢纽的机构；活跃伙伴：近 {window} 天有活动报告或送达的配送，与总览、伙伴网络页相同；"
                             "可抵达地区与资助方沿网络计算。",
                             "Partners: organisations whose hub it is; active: with a report or a "
                             "delivered delivery in the last {window} days, as on the Overview and "
                             "the Partners page; regions and funders along the network."),
    "network.reach.none": (
        "还没有资助方或机构与任何地区相连：资助、配送或活动报告会把它们连起来。",
        "No funder or organisation is linked to any region yet: grants, deliveries and activity "
        "reports link them."),
    "network.hubs.none": ("数据中没有枢纽机构。", "The data holds no hub organisation."),
    "network.edges.title": ("全部联系（{n} 条）", "Every link ({n})"),
    "network.col.region_adcode": ("地区", "Region"),
    "network.col.funders": ("资助方数", "Funders"),
    "network.col.funder_names": ("资助方", "Funder names"),
    "network.col.organisations": ("服务机构数", "Organisations serving"),
    "network.col.brokers": ("关键中介数", "Brokers"),
    "network.col.broker_names": ("关键中介", "Broker names"),
    "network.col.hub_name": ("枢纽", "Hub"),
    "network.col.partners": ("伙伴数", "Partners"),
    "network.col.active_partners": ("活跃伙伴", "Active partners"),
    "network.col.regions_reached": ("可抵达地区", "Regions reached"),
    "network.col.source_name": ("从", "From"),
    "network.col.target_name": ("到", "To"),
    "network.col.kind": ("联系类型", "Kind of link"),
    "network.col.weight": ("权重（资助为元，其余为次数）", "Weight (CNY for grants, else count)"),
    # Issue 12: a link's weight as two columns (money for grants, a count for the others)
    "network.col.amount": ("资助金额", "Grant amount"),
    "network.col.times": ("次数", "Times"),
    "network.col.hub_id": ("枢纽编号", "Hub id"),
    # Funding: filters, where to direct funds, what-if
    "funding.filtered": ("筛选：{filters}（类别作用于资助、重复捐赠与需求；机构类型作用于资助方）。",
                         "Filtered: {filters} (category applies to grants, overlaps and needs; "
                         "organisation type to funders)."),
    "funding.direct.title": ("资金应投向哪里", "Where to direct funds"),
    "funding.direct.caption": ("截至 {as_of}：各地区 × 类别尚无人出资的未覆盖需求。地区按缺口排名排列（与晨间简报、需求页相同），地区内按缺口得分排列。",
                               "As of {as_of}: uncovered need per region × category that no "
                               "delivery, shipment or active grant pays for yet. Regions in the "
                               "order of the gap ranking (as on the Briefing and the Needs page), "
                               "within a region by gap score."),
    "funding.direct.unplaced": ("另有 {amount}在执行资助无法归入本省任何地市（未注明地区且受资助方在省外），未计入。",
                                "A further {amount} of active grants cannot be placed in any "
                                "prefecture of the province (no region, recipient outside it) and "
                                "is left out."),
    "funding.direct.none": ("没有尚待资助的需求。", "No need is waiting for money."),
    "funding.whatif.title": ("如果追加预算", "What if: a budget"),
    "funding.whatif.budget": ("预算（元）", "Budget (CNY)"),
    "funding.whatif.categories": ("投向类别", "Categories"),
    "funding.whatif.rule": ("分配方式", "Allocation"),
    "funding.whatif.rule.proportional": ("按待资助金额比例", "In proportion to what is needed"),
    "funding.whatif.rule.largest_gap": ("按缺口排名依次足额资助", "Largest gap first (ranking order)"),
    "funding.whatif.rule_help.proportional": ("每行获得 预算 × 本行待资助 ÷ 合计，不超过本行待资助。在执行资助已付的部分各行不同，同样比例的钱补上的缺口比例也不同，所以排名可能变化。",
                                              "Each row gets budget × its to fund ÷ the total, never "
                                              "more than its to fund. Active grants already pay for "
                                              "different parts of each gap, so the same share of "
                                              "money closes different shares of the gaps: the "
                                              "ranking can change."),
    "funding.whatif.rule_help.largest_gap": ("从缺口排名第 1 的地区起（地区内先缺口得分高的类别），逐行足额资助到待资助金额，直到预算用完。",
                                             "From the region ranked first in the gap ranking (within "
                                             "a region, the category with the larger gap score "
                                             "first), each row gets all it still needs until the "
                                             "budget is spent."),
    "funding.whatif.caption": ("预算 {budget}，分配 {given}（所选类别待资助合计 {total}）。",
                               "Budget {budget}, {given} allocated (to fund in the chosen categories: {total})."),
    "funding.whatif.chart_caption": ("每百万常住人口的缺口得分。分配前即缺口排名（与晨间简报、需求页相同）；分配后假定资金按单项成本买下未覆盖的需求"
                                     "（分配后缺口 = 缺口得分 × (1 − 分配金额 ÷ 估算成本)），在执行资助已付但物资未到的部分仍计入缺口。"
                                     "下表列出排名变化（正数表示排名后移）。",
                                     "Gap score per million residents. Before is the gap ranking (as on "
                                     "the Briefing and the Needs page); after assumes the money buys "
                                     "uncovered needs at the cost per need (gap after = gap score × (1 − "
                                     "allocated ÷ estimated cost)); what active grants pay for but has "
                                     "not arrived stays in the gap. The table lists the ranks (a "
                                     "positive change means the region moved down the list)."),
    "funding.whatif.axis": ("缺口得分（每百万人）", "Gap score per million residents"),
    "funding.col.urgent_needs": ("紧急需求数", "Urgent needs"),
    "funding.col.uncovered_needs": ("未覆盖需求（折合项）", "Uncovered needs (equivalent)"),
    "funding.col.estimated_cost": ("估算成本（元）", "Estimated cost (CNY)"),
    "funding.col.active_grants": ("在执行资助（元）", "Active grants (CNY)"),
    "funding.col.to_fund": ("待资助（元）", "To fund (CNY)"),
    "funding.col.to_fund_per_10k": ("每万人待资助（元）", "To fund per 10,000 (CNY)"),
    "funding.col.gap_left": ("剩余缺口得分", "Gap left"),
    "funding.col.allocated": ("分配金额（元）", "Allocated (CNY)"),
    "funding.col.gap_before": ("分配前缺口", "Gap before"),
    "funding.col.gap_after": ("分配后缺口", "Gap after"),
    "funding.col.rank_before": ("分配前排名", "Rank before"),
    "funding.col.rank_after": ("分配后排名", "Rank after"),
    "funding.col.rank_change": ("排名变化", "Rank change"),
    # Issue 12 (adopt-funding): codes kept, last, in the downloads of the Funding tables
    "funding.col.adcode": ("地区代码", "Region code"),
    "funding.col.funder_id": ("资助方编号", "Funder ID"),
    "funding.col.recipient_id": ("受资助方编号", "Recipient ID"),
    # short headers of the wide Funding tables (the full name is the header's tooltip)
    "funding.short.rank": ("排名", "Rank"),
    "funding.short.open_needs": ("未满足", "Open"),
    "funding.short.urgent_needs": ("紧急", "Urgent"),
    "funding.short.uncovered_needs": ("未覆盖", "Uncovered"),
    "funding.short.estimated_cost": ("估算成本", "Est. cost"),
    "funding.short.active_grants": ("在执行资助", "Active grants"),
    "funding.short.to_fund": ("待资助", "To fund"),
    "funding.short.gap_score": ("缺口得分", "Gap score"),
    "funding.short.item_unit": ("物资（单位）", "Item (unit)"),
    "funding.short.duplicated_quantity": ("多出", "On top"),
    "funding.short.total_quantity": ("合计", "Total"),
    "funding.short.first_date": ("首次", "First"),
    "funding.short.last_date": ("末次", "Last"),
    "funding.col.item_unit": ("物资（单位）", "Item (unit)"),
    "funding.item_unit": ("{item}（{unit}）", "{item} ({unit})"),
    "funding.direct.download_note": ("下载的表格另含单项成本、每万人待资助和地区代码。",
                                     "The download also holds the cost per need, the amount to fund "
                                     "per 10,000 residents and the region code."),
    # Funding, issue 12: the ranking every page shows, costs per need, what the budget did
    "funding.col.rank": ("缺口排名", "Gap rank"),
    "funding.col.gap_score": ("缺口得分", "Gap score"),
    "funding.col.cost_per_need": ("单项成本（元）", "Cost per need (CNY)"),
    "funding.col.item": ("物资", "Item"),
    "funding.col.unit": ("单位", "Unit"),
    "funding.col.duplicated_quantity": ("多出的数量", "Quantity on top"),
    "funding.col.cost_per_need_cny": ("单项成本（元）", "Cost per need (CNY)"),
    "funding.col.reason": ("代表什么", "What it stands for"),
    "funding.col.updated_at": ("修改时间（UTC）", "Changed (UTC)"),
    "funding.col.updated_by": ("修改人", "Changed by"),
    "funding.costs.default": ("默认值", "default"),
    "funding.overlaps.none_in_window": ("回看窗口（{window} 天）内没有重复捐赠。",
                                        "No duplicated donations in the look-back window ({window} days)."),
    "funding.overlaps.more": ("按多出的数量列出前 {shown} 组（共 {total} 组）；全部见下载的表格（CSV）。",
                              "The {shown} largest of {total} by quantity on top; the download holds all of them."),
    "funding.costs.title": ("单项成本", "Cost per need"),
    "funding.costs.caption": (
        "估算成本所用的规划假设：满足一项需求大约要花多少钱，按类别。默认值随软件提供；枢纽可修改，每次修改写入审计日志，"
        "上方的排序与下方的预算分配立即按新成本计算。",
        "The planning assumption behind the estimated cost: about what meeting one need costs, "
        "per category. Defaults ship with the software; a hub may change them, every change is "
        "written to the audit log, and the table above and the budget below use the new cost at once."),
    "funding.costs.read_only": ("只有枢纽角色可以修改单项成本。", "Only the hub role may change the costs per need."),
    "funding.costs.category": ("修改哪一类", "Category to change"),
    "funding.costs.new_cost": ("新的单项成本（元）", "New cost per need (CNY)"),
    "funding.costs.save": ("保存", "Save"),
    "funding.costs.saved": ("已保存：{category} 的单项成本由 {before}改为 {after}，已写入审计日志。",
                            "Saved: the cost per need of {category} changed from {before} to {after}; written to the audit log."),
    "funding.costs.problem.unknown-category": ("未知类别：{value}", "Unknown category: {value}"),
    "funding.costs.problem.not-a-number": ("不是数字：{value}", "Not a number: {value}"),
    "funding.costs.problem.not-finite": ("不是有限的数：{value}", "Not a finite number: {value}"),
    "funding.costs.problem.below-minimum": ("{value} 低于下限 {low} 元", "{value} is below the minimum of {low} CNY"),
    "funding.costs.problem.above-maximum": ("{value} 高于上限 {high} 元", "{value} is above the maximum of {high} CNY"),
    "funding.costs.reason.ppe": ("一家医院一次口罩或防护服需求（约 500 只 N95 或 100 套防护服）", "a hospital's order of masks or suits (about 500 N95 or 100 suits)"),
    "funding.costs.reason.medical_equipment": ("一台呼吸机或监护类设备", "one ventilator-class or monitoring device request"),
    "funding.costs.reason.medicine": ("一个病区或一个社区慢病患者的一次药品订单", "one pharmacy order for a ward or a community's chronic patients"),
    "funding.costs.reason.disinfection": ("一个社区一周的消毒用品", "a week of disinfectant for a community"),
    "funding.costs.reason.food": ("约 50 户一周的蔬菜和米", "a week of vegetables and rice for about 50 households"),
    "funding.costs.reason.daily_necessities": ("约 50 户的一次生活物资", "a delivery of daily necessities for about 50 households"),
    "funding.costs.reason.psychosocial": ("一个团队一个月的热线或心理咨询时长", "a month of hotline or counselling hours for one team"),
    "funding.costs.reason.transport": ("一周的员工接驳或病人转运", "a week of staff shuttle or patient transport"),
    "funding.costs.reason.livelihood": ("约 10 户的应急现金", "emergency cash for about 10 households"),
    "funding.costs.reason.education": ("约 5 名学生的设备或流量", "devices or data plans for about 5 pupils"),
    "funding.costs.reason.information": ("一个社区的通知印制与分发", "printing and distributing notices in one community"),
    "funding.costs.reason.other": ("一次典型的小额需求", "a typical small request"),
    "funding.whatif.all_assigned": ("预算已全部分配：{amount}。", "The whole budget is assigned: {amount}."),
    "funding.whatif.unassigned.all_funded": (
        "**{amount}未分配**：{categories} 中每项有成本估算的缺口都已足额资助（待资助合计 {to_fund}）。",
        "**{amount} stays unassigned**: every costed gap in {categories} is funded (to fund in all: {to_fund})."),
    "funding.whatif.unassigned.nothing_to_fund": (
        "**{amount}未分配**：{categories} 中没有尚待资助的缺口（已由在执行资助覆盖，或已送达、在途）。",
        "**{amount} stays unassigned**: {categories} have no gap left to fund (active grants pay for it, or it is delivered or on its way)."),
    "funding.whatif.unassigned.no_categories": (
        "**{amount}未分配**：没有选择投向类别。",
        "**{amount} stays unassigned**: no category is chosen."),
    "audit.action.need_costs": ("修改单项成本", "cost per need changed"),
    # Research exports (dashboard/research.py) and the data dictionary (dashboard/dictionary.py)
    "research.table.aggregates": ("研究汇总（地市 × 日 × 类别）", "Research aggregates (prefecture × day × category)"),
    "research.col.date": ("日期", "Date"),
    "research.col.region_adcode": ("地市代码", "Prefecture code"),
    "research.col.region_name_zh": ("地市名称（中文）", "Prefecture name (Chinese)"),
    "research.col.region_name_en": ("地市名称（英文）", "Prefecture name (English)"),
    "research.col.category": ("类别", "Category"),
    "research.col.needs_reported": ("新上报需求", "Needs reported"),
    "research.col.needs_closed": ("关闭的需求", "Needs closed"),
    "research.col.needs_open": ("未满足需求", "Open needs"),
    "research.col.urgent_open": ("紧急未满足需求", "Urgent open needs"),
    "research.col.deliveries_delivered": ("送达的配送", "Deliveries delivered"),
    "research.col.quantity_delivered": ("送达数量", "Quantity delivered"),
    "research.col.facilities_reached": ("送达的设施", "Facilities reached"),
    "research.col.activity_reports": ("活动报告", "Activity reports"),
    "research.col.people_served": ("服务人次", "People served"),
    "research.col.volunteers": ("志愿者人数", "Volunteers"),
    "research.desc.date": ("该行描述的日期", "The day the row describes"),
    "research.desc.region_adcode": ("设施或活动所在地市的行政区划代码（区县上卷到地市）", "Adcode of the prefecture of the facility or activity (districts and counties roll up to it)"),
    "research.desc.region_name_zh": ("地市的中文名称", "The prefecture's Chinese name"),
    "research.desc.region_name_en": ("地市的英文名称", "The prefecture's English name"),
    "research.desc.category": ("需求或配送的类别；“活动报告（无类别）”的行只含活动报告的指标（活动报告没有类别），需求与配送指标为空", "Category of the need or delivery; rows of category {all} hold only the activity measures (activity reports have no category) and leave the need and delivery measures empty"),
    "research.desc.needs_reported": ("当天上报的需求数（已取消的需求不计：它们从不算作未满足）", "Needs reported that day (cancelled needs left out: they never count as open)"),
    "research.desc.needs_closed": ("当天关闭的需求数（不含已取消的需求）", "Needs, not cancelled, closed that day"),
    "research.desc.needs_open": ("当天结束时未满足的需求数：上报不晚于当天、未取消、关闭日期为空或晚于当天；等于前一天的值加当天上报减当天关闭", "Needs open at the end of the day: reported on or before it, not cancelled, closing date empty or after it; equals the previous day's value plus needs reported minus needs closed"),
    "research.desc.urgent_open": ("未满足需求中紧急程度为“紧急”的", "Open needs of priority urgent"),
    "research.desc.deliveries_delivered": ("当天送达（状态为已送达）的配送数；类别取配送自身的类别，缺失时取其所对应需求的类别", "Deliveries with status delivered, delivered that day; in the delivery's category, else that of the need it names"),
    "research.desc.quantity_delivered": ("这些配送的数量之和，按上报时的单位直接相加（单位不统一，仅作参考）", "Sum of those deliveries' quantities as reported; units are mixed and not converted, so read it as an indication"),
    "research.desc.facilities_reached": ("当天收到这些配送的不同设施数（跨类别或跨日不可相加）", "Distinct facilities that received those deliveries (not additive across categories or days)"),
    "research.desc.activity_reports": ("当天该地市的活动报告数", "Activity reports dated that day in the prefecture"),
    "research.desc.people_served": ("活动报告的服务人次之和；1 至 {max} 发布为 {mark}；为防止被相减反推而一并隐去的格发布为 {secondary}", "Sum of people served (person-times) over the reports; 1 to {max} is published as {mark}; cells hidden so that no other can be worked out by subtraction are published as {secondary}"),
    "research.desc.volunteers": ("活动报告的志愿者人数之和（同一人可能被重复计入）；隐去规则同服务人次", "Sum of volunteers over the reports (the same person may count twice); suppressed like people served"),
    "research.dict.title": ("数据字典", "Data dictionary"),
    "research.dict.table": ("表", "Table"),
    "research.dict.column": ("列", "Column"),
    "research.dict.name_zh": ("中文名", "Chinese name"),
    "research.dict.name_en": ("英文名", "English name"),
    "research.dict.type": ("类型", "Type"),
    "research.dict.required": ("必填", "Required"),
    "research.dict.allowed_values": ("允许取值", "Allowed values"),
    "research.dict.hxl": ("HXL 标签", "HXL tag"),
    "research.dict.description": ("说明", "Description"),
    "research.dict.yes": ("是", "yes"),
    "research.dict.no": ("否", "no"),
    "research.dict.key": ("每行的唯一编号；再次导入同一编号会替换该行", "Unique id of a row; importing the same id again replaces the row"),
    "research.dict.derived": ("导入时计算，不从文件读取", "Computed on import, never read from a file"),
    "research.dict.ref": ("引用{table}中的编号", "Refers to an id in {table}"),
    "research.dict.rollup_prefecture": ("地区名称或行政区划代码；区县上卷到地市", "A region name or adcode; districts and counties roll up to their prefecture"),
    "research.dict.rollup_any": ("全国任意级别地区的名称或代码", "A region name or adcode at any level, anywhere in China"),
    "research.dict.minimum": ("不小于 {minimum}", "At least {minimum}"),
    "research.dict.range": ("{minimum} 至 {maximum}", "Between {minimum} and {maximum}"),
    "research.dict.default": ("默认：{default}", "Default: {default}"),
    "research.dict.free_text": ("也接受“1万”“4千只”等写法", "Also reads free text such as 1万 or 4千只"),
    "research.dict.date": ("日期，如 2020-02-15；导入时也接受其他常见写法", "A date such as 2020-02-15; other common spellings are accepted on import"),
    "research.dict.bool": ("是或否", "Yes or no"),
    "research.dict.aliases": ("也接受的表头", "Also accepted as header"),
    # Issue 12: the dictionary as shown on the page (names and words; the spellings of the
    # files in their own columns)
    "research.dict.name": ("名称", "Name"),
    "research.dict.headers": ("文件中的表头", "Header in the file"),
    "research.dict.kind.id": ("编号", "Id"),
    "research.dict.kind.text": ("文字", "Text"),
    "research.dict.kind.enum": ("可选值", "One of a list"),
    "research.dict.kind.region": ("地区", "Region"),
    "research.dict.kind.int": ("整数", "Whole number"),
    "research.dict.kind.float": ("数字", "Number"),
    "research.dict.kind.date": ("日期", "Date"),
    "research.dict.kind.bool": ("是或否", "Yes or no"),
    # Briefing page
    "page.briefing": ("晨间简报", "Briefing"),
    "briefing.title": ("晨间简报", "Morning briefing"),
    "briefing.caption": ("截至 {as_of}，回看窗口 {window} 天，与前一日、七日前比较。改变侧栏的日期或窗口即重新生成。",
                         "As of {as_of}, window {window} days, compared with the day before and a "
                         "week before. Change the date or the window in the sidebar to rebuild it."),
    "briefing.region": ("这是{region}的简报：每个数字、名单和地图只计该地区。要全省的简报，请在侧栏选“全省”。",
                        "This is {region}'s briefing: every number, list and the map count this "
                        "region only. Choose the whole province in the sidebar for the province's."),
    "briefing.download.pdf": ("下载 PDF（A4）", "Download PDF (A4)"),
    "briefing.download.html": ("下载网页版", "Download the web page"),
    "briefing.download.md": ("下载群聊文字", "Download text for a group chat"),
    "briefing.download.json": ("下载数据（JSON）", "Download data (JSON)"),
    "briefing.download.caption": ("PDF 在点击时生成，约需数秒。", "The PDF is made when you click, in a few seconds."),
    "briefing.download.no_chromium": ("这台服务器无法生成 PDF（缺少用来打印的浏览器），请联系管理员；也可以下载网页版，用自己的浏览器打印。",
                                      "This server cannot make the PDF (the browser it prints with is "
                                      "missing): ask the administrator, or download the web page and print "
                                      "it from your browser."),
    "briefing.narrative": ("今日要点", "What changed"),
    "briefing.chat": ("复制到群聊的文字", "Text for a group chat"),
    "briefing.preview": ("打印预览", "As it prints"),
    # A region's briefing (issue 12)
    "brief.whole_province": ("全省", "the province"),
    "brief.map.caption_county": ("{metric}，按{region}的区县；灰色＝无数据（不是零）。",
                                 "{metric} by county of {region}; grey = no data (not zero)."),
    # Data & methods page
    "page.methods": ("数据与方法", "Data & methods"),
    "methods.title": ("数据与方法", "Data and methods"),
    "methods.export.title": ("研究用汇总数据", "Research export"),
    "methods.export.days": ("日期范围", "Days"),
    "methods.export.category": ("类别", "Category"),
    "methods.export.all_rows": ("全部行", "All rows"),
    "methods.export.activity_rows": ("活动报告（无类别）", "Activity reports (no category)"),
    "methods.export.unspecified": ("未注明类别", "Category not recorded"),
    "methods.export.policy": ("阈值由枢纽统一设定，每次导出都相同：用两个阈值分别导出再对比，就能推出被隐藏的数。",
                              " The threshold is set once by the hub, the same for every export: two "
                              "exports at two thresholds would reveal the hidden counts."),
    "methods.export.pick_range": ("请选择起止两个日期。", "Choose a first and a last day."),
    "methods.export.caption": ("{start} 至 {end}，{region}：每日 × 地市 × 类别共 {rows} 行。人数小于 {threshold} 的格子显示为“<{threshold}”，"
                               "为防止由合计反推而额外隐藏的格子显示为“x”；本次隐藏 {hidden} 格。不含任何机构、设施或人员名称。"
                               "附带的来源说明记录日期、筛选、阈值、应用版本与所依据的 {imports} 次导入。",
                               "{start} to {end}, {region}: {rows} rows of day × prefecture × "
                               "category. Counts of people below {threshold} read \"<{threshold}\"; "
                               "cells hidden so that none can be worked out from totals read \"x\"; "
                               "{hidden} cells are hidden here. No organisation, facility or person "
                               "is named. The provenance file records the days, filters, threshold, "
                               "app version and the {imports} imports it was built from."),
    "methods.export.csv": ("下载 CSV（含 HXL 标签行）", "Download CSV (with HXL hashtags)"),
    "methods.export.parquet": ("下载 Parquet", "Download Parquet"),
    "methods.export.meta": ("下载来源说明（JSON）", "Download provenance (JSON)"),
    "methods.export.cli": ("需要定期获取同样的汇总？管理员可以在服务器上设置定期导出，文件与这里下载的相同，并附来源说明。",
                           "Need the same export regularly? The administrator can schedule it on the "
                           "server; it writes the same files, with the provenance beside them."),
    "methods.dictionary.title": ("数据字典", "Data dictionary"),
    "methods.dictionary.caption": ("由数据结构定义自动生成：每张表、每一列、类型、是否必填、允许取值与 HXL 标签；末尾是研究汇总的各列。“文件中的表头”“允许取值”与“HXL 标签”三列按文件中的原样书写。",
                                   "Generated from the definition of the data: every table and column with "
                                   "its type, whether it is required, its allowed values and HXL hashtag; "
                                   "the research export's columns come last. \"Header in the file\", \"Allowed "
                                   "values\" and \"HXL tag\" are spelled exactly as in the files."),
    "methods.dictionary.md": ("下载数据字典（Markdown）", "Download the dictionary (Markdown)"),
    "methods.dictionary.csv": ("下载数据字典（CSV）", "Download the dictionary (CSV)"),
    "methods.document.title": ("方法说明", "Methods"),
    "methods.document.caption": ("每个数字的定义：如何计算、按哪些日期计算、缺少数据时显示什么。",
                                 "How every number is computed, over which days, and what is shown when "
                                 "data is missing."),
    "methods.document.open": ("方法说明全文", "The methods in full"),
    # Issue 12: the export's preview in two tabs, and what it leaves to the file
    "methods.export.tab.needs": ("需求与配送", "Needs and deliveries"),
    "methods.export.tab.activities": ("活动报告", "Activity reports"),
    "methods.export.preview_note": ("预览只显示前 {n} 行，地市只写名称；下载的文件含全部行，以及地市代码和中英文名称。",
                                    "The preview shows the first {n} rows and each prefecture by its name; "
                                    "the files hold every row, with the prefecture's code and both names."),
    # Sign-in and roles
    "auth.local": ("本机模式：未启用登录，本机使用者拥有枢纽全部权限。",
                   "Local mode: no sign-in; whoever uses this machine has the hub's full access."),
    "auth.signed_in": ("已登录：{email}（{role}）", "Signed in: {email} ({role})"),
    "auth.sign_in": ("登录", "Sign in"),
    "auth.sign_out": ("退出登录", "Sign out"),
    "auth.role.hub": ("枢纽", "hub"),
    "auth.role.funder": ("资助方", "funder"),
    "auth.role.researcher": ("研究者", "researcher"),
    "auth.role.public": ("公众", "public"),
    "auth.role.none": ("无权限", "no access"),
    "auth.no_role": ("{email} 尚未获得任何访问权限。请联系枢纽管理员把该地址加入角色名单。",
                     "{email} has no access yet. Ask the hub's administrator to add the address to the list "
                     "of roles."),
    "auth.please_sign_in": ("请先登录。", "Please sign in."),
    # Audit log (Data page)
    "audit.title": ("审计日志", "Audit log"),
    "audit.caption": ("谁在何时导入、导出、下载或登录（最近 200 条；完整记录保存在服务器上）。",
                      "Who imported, exported, downloaded or signed in, and when (the latest 200; the full "
                      "log is kept on the server)."),
    "audit.none": ("尚无记录。", "Nothing recorded yet."),
    "audit.col.at": ("时间（UTC）", "When (UTC)"),
    "audit.col.actor": ("使用者", "Who"),
    "audit.col.role": ("角色", "Role"),
    "audit.col.action": ("操作", "Action"),
    "audit.col.detail": ("内容", "What"),
    "audit.action.sign_in": ("登录", "sign-in"),
    "audit.action.sign_out": ("退出", "sign-out"),
    "audit.action.import": ("导入", "import"),
    "audit.action.export": ("导出", "export"),
    "audit.action.download": ("下载", "download"),
    "audit.action.review": ("审核", "review"),
    "audit.action.quarantine": ("隔离区", "quarantine"),
    "audit.action.refused": ("拒绝访问", "refused"),
    "audit.action.read": ("查看明细", "detail read"),
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
    "history.sha256": ("文件校验码", "File checksum"),
    # Problems: message, then how to fix it.
    "problem.empty_file": ("文件为空", "The file is empty"),
    "problem.not_a_table": ("不是表格文件（{value}）", "Not a table ({value})"),
    "problem.file_too_large": ("文件过大（{value}）", "File too large ({value})"),
    "problem.workbook_too_large": ("工作簿解压后过大，疑似压缩炸弹（{value}）",
                                   "The workbook expands too far when unpacked, like a zip bomb ({value})"),
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
                                   "A closing date is required when the status is met or cancelled"),
    "problem.closed_before_reported": ("关闭日期早于上报日期", "The closing date is before the reporting date"),
    "problem.delivered_on_required": ("状态为已送达时必须填写送达日期",
                                      "A delivery date is required when the status is delivered"),
    "problem.delivered_before_dispatched": ("送达日期早于发出日期", "The delivery date is before the dispatch date"),
    "problem.coordinate_pair": ("经纬度需成对填写", "Latitude and longitude go together"),
    # Values that cannot be true, and files no reader should parse (docs/DATA.md).
    "problem.implausible_date": ("日期不合理，年份可能录错了", "Implausible date: the year is probably a typo"),
    "problem.tiny_number": ("数值几乎为零，不像是真实数据", "A number this close to zero is not real data"),
    "problem.nul_byte": ("第 {value} 行含有空字符：文件可能已损坏，或不是纯文本表格",
                         "Line {value} contains a NUL character: the file may be damaged, or not a plain-text table"),
    "fix.nul_byte": ("请在表格软件中打开文件，检查该行，重新另存为 CSV 后再导入",
                     "Open the file in a spreadsheet, check that line, save it again as CSV and import it again"),
    "problem.mixed_encoding": ("文件混用了两种文字编码（UTF-8/GB18030）：第 {value} 行与其余各行不同，读入会变成乱码",
                               "The file mixes two text encodings (UTF-8 and GB18030): line {value} differs "
                               "from the rest and would read as garbled text"),
    "fix.mixed_encoding": ("多半是从别的文件粘贴进来的几行。请在表格软件中修正该行的乱码，再将整份文件重新另存为 CSV 后导入",
                           "Rows were probably pasted in from another file. Fix the garbled text of that line "
                           "in a spreadsheet, then save the whole file again as CSV UTF-8 and import it"),
    "problem.unsupported_encoding": ("无法识别文件的文字编码（第 {value} 行）：只能读取 UTF-8/GB18030 编码",
                                     "The file's text encoding is not supported (line {value}): only UTF-8 "
                                     "and GB18030 are read"),
    "fix.unsupported_encoding": ("请在表格软件中打开该文件，另存为 CSV 后重新导入：保存类型选“CSV（逗号分隔）”，"
                                 "或选编码为 UTF-8/GB18030 的一项",
                                 "Open the file in a spreadsheet and save it as CSV in UTF-8 or GB18030, then "
                                 "import it again (in Excel: Save As, \"CSV UTF-8 (Comma delimited)\")"),
    "problem.cell_too_large": ("第 {value} 行有单元格内容过长，不像是表格数据",
                               "Row {value} holds a cell far too long for table data"),
    "fix.cell_too_large": ("请检查该行：未配对的引号可能把后面许多行并进了一个单元格；过长的文字请删减",
                           "Check that row: an unmatched quote may have joined many lines into one cell; "
                           "shorten or remove long text"),
    "problem.too_many_columns": ("表头有 {value} 列，列数过多，不像是一张数据表",
                                 "The header has {value} columns: far too many for a data table"),
    "fix.too_many_columns": ("请删除多余的空列，只保留要导入的列", "Delete empty columns and keep only those to import"),
    "problem.json_too_deep": ("JSON 嵌套层数过深（超过 {value} 层），不是记录列表",
                              "The JSON nests more than {value} levels deep: it is not a list of records"),
    "fix.json_too_deep": ("请导出为记录列表形式的 JSON（每条记录一个对象），或改用 CSV",
                          "Export the JSON as a list of records (one object per record), or use CSV"),
    "fix.expected": ("应为：{expected}", "Expected: {expected}"),
    "fix.did_you_mean": ("您是不是要找：{suggestion}？", "Did you mean {suggestion}?"),
    "fix.duplicate_of": ("与 {suggestion} 重复", "Same id as {suggestion}"),
    "fix.reference": ("请先导入对应的{expected}，或修正编号", "Import the {expected} first, or fix the id"),
    "fix.no_region": ("请使用地市或区县的中文名、英文名或行政区划代码",
                      "Use a prefecture or county name (Chinese or English) or its adcode"),
    "fix.file_too_large": ("上限为 {expected}：请拆分为几个较小的文件分别导入，或请管理员调高 {variable}",
                           "The limit is {expected}: split the file into smaller ones and import each, "
                           "or ask the administrator to raise {variable}"),
    "fix.workbook_too_large": ("请在表格软件中打开，将各工作表另存为 CSV 后导入，或拆分为较小的工作簿",
                               "Open it in Excel and save each sheet as CSV, or split it into smaller workbooks"),
    # Bench
    "cli.nothing_written": ("发现 {n} 个问题，未写入任何数据。", "{n} problems found; nothing was written."),
    "cli.quarantined": ("有效行已导入；{n} 行被隔离待修正（见“数据”页）。",
                        "Valid rows imported; {n} rows kept in the quarantine to fix (Data page)."),
    "cli.would_quarantine": ("试运行：{n} 行会被隔离待修正，其余有效行会被导入。",
                             "Dry run: {n} rows would be kept in the quarantine, the valid rest imported."),
    "cli.no_rows": ("没有任何有效行被导入：被拒绝的行都已放入隔离区。",
                    "No valid row was imported: every rejected row is in the quarantine."),
    "cli.written": ("{table}：写入 {n} 行", "{table}: {n} rows"),
    "cli.would_write": ("{table}：将写入 {n} 行", "{table}: {n} rows would be written"),
    "cli.dry_run": ("试运行：未写入任何数据。", "Dry run: nothing was written."),
    "cli.review": ("{n} 条匹配待人工确认（见“数据”页的待确认列表）。",
                   "{n} matches wait for a person to confirm them (Data page, review queue)."),
    # Notes: what a format understood but did not turn into rows ({n} = how many).
    "note.remark_kept": ("{n} 段备注无法确定含义，保留为文字，未计为需求",
                         "{n} remark lines were kept as text, not read as needs"),
    "note.skipped_no_name": ("{n} 条记录没有名称，已跳过", "{n} records had no name and were skipped"),
    "note.type_default": ("{n} 个设施无法按名称判断类型，暂记为“其他”，请核对",
                          "{n} facilities matched no type rule and were filed as 'other'; check them"),
    "note.region_outside": ("{n} 个设施所填区县不属于其所在城市，已按城市归档",
                            "{n} facilities name a district outside their city and were filed under the city"),
    "note.unknown_item": ("{n} 项物资不在标准物资表中，保留为文字",
                          "{n} supply items are not in the standard list and were kept as text"),
    "note.unknown_item_column": ("{n} 个物资列不在标准物资表中，已忽略",
                                 "{n} item columns are not in the standard list and were ignored"),
    "note.contacts_dropped": ("{n} 行含联系人或电话的备注已删除（个人信息不保存）",
                              "{n} remark lines with contact details were dropped (personal data is never kept)"),
    "note.needs_continued": ("{n} 条需求与库中已有的未满足需求是同一需求，已合并",
                             "{n} needs continue a need already open in the store"),
    "note.duplicate_skipped": ("{n} 条重复记录只保留一次", "{n} repeated records were kept once"),
    "note.no_facilities": ("库中还没有设施：所有行都需要人工确认接收单位",
                           "There are no facilities in the store yet: every line waits for a person to confirm its recipient"),
    "note.no_list_date": ("{n} 个工作表中没有找到名单日期", "{n} sheets give no list date"),
    "note.lines_matched": ("{n} 行的接收单位已确定匹配到设施", "{n} lines matched a facility with certainty"),
    "note.lines_to_review": ("{n} 行的接收单位需要人工确认", "{n} lines wait for a person to confirm their recipient"),
    "note.specs_converted": ("{n} 行按规格换算了数量（如 50箱×1000 = 50000）",
                             "{n} lines had their quantity converted by the specification (e.g. 50 boxes × 1000 = 50000)"),
    "note.specs_kept": ("{n} 行的规格无法换算，数量按原样保存，规格写入物资名称",
                        "{n} lines keep their quantity as written, the specification added to the item name"),
    "note.sheet_skipped": ("{n} 个工作表没有可映射的表头，已跳过", "{n} sheets had no mapped header and were skipped"),
    "note.facilities_derived": ("{n} 个设施由名称生成", "{n} facilities were derived from their names"),
    "notes.title": ("导入说明", "What the import noticed"),
    "notes.code": ("说明", "Note"),
    "notes.where": ("记录", "Record"),
    "notes.detail": ("内容", "Content"),
    "notes.file": ("文件", "File"),
    "problem.needs_date": ("这份数据没有日期：请指定它描述的是哪一天（数据日期）",
                           "This file has no dates: say which day it describes (the date of the data)"),
    "fix.needs_date": ("选择数据日期后再检查；文件名或文件夹名中的日期（如 2020-02-19）会被自动采用",
                       "Choose the date of the data and check again; a date in the file or folder name (2020-02-19) is used by itself"),
    "problem.missing_file": ("找不到这个文件或文件夹", "No such file or folder"),
    "fix.missing_file": ("检查路径是否写对", "Check the path"),
    "problem.empty_folder": ("文件夹中没有可导入的表格文件", "The folder holds no table file to import"),
    "problem.unreadable": ("无法读取这个文件（{value}）", "This file could not be read ({value})"),
    "fix.unreadable": ("确认这是您要导入的文件；在表格软件中打开并另存为 CSV（UTF-8）或 XLSX 后再试",
                       "Check it is the file you meant; open it in Excel and save it as CSV (UTF-8) or XLSX, then try again"),
    "fix.unknown_table": ("表头不是模板的表头：在“数据”页用列映射导入，或按模板说明改表头",
                          "Its headers are not the template's: map its columns on the Data page, or rename the headers as the template reference shows"),
    "problem.nothing_in_file": ("文件中没有可导入的记录", "The file holds no record to import"),
    "fix.nothing_in_file": ("确认这是您要导入的文件：只有表头、或所有记录都被跳过时，不会写入任何数据",
                            "Check it is the file you meant: a file with only a header, or whose every record was skipped, writes nothing"),
    "problem.parent_rejected": ("它所属的{value}行未通过检查，此行随之不导入",
                                "The {value} row it belongs to was rejected, so this row is left out too"),
    "fix.parent_rejected": ("先修正被拒绝的{expected}行，两行会一起导入",
                            "Fix the rejected {expected} row first; both are then imported together"),
    "problem.outside_region": ("坐标（{value}）不在所填地区内", "The coordinates ({value}) lie outside the region given"),
    "fix.outside_region": ("坐标距{expected}边界 {suggestion}：检查经纬度、坐标系或所填地区",
                           "They lie {suggestion} outside {expected}: check the latitude and longitude, the coordinate system or the region"),
    "problem.coordinates_swapped": ("纬度和经度填反了（{value}）", "Latitude and longitude are swapped ({value})"),
    "fix.coordinates_swapped": ("对调纬度和经度两列的值：对调后正好落在{expected}内",
                                "Swap the latitude and longitude values: swapped, the point lies in {expected}"),
    "fix.outside_region_swapped": ("纬度和经度可能填反了：对调后正好落在{expected}内",
                                   "Latitude and longitude look swapped: swapped, the point lies in {expected}"),
    "problem.columns_shifted": ("这张表的列看起来错位了：{value}", "The columns of this table look shifted: {value}"),
    "fix.columns_shifted": ("在表格软件中打开文件，确认每个值都在自己的表头下（常见原因：导出时少了一列，或粘贴时错了一格），修正后重新上传",
                            "Open the file in Excel and check each value sits under its own header (a column lost on export, or a paste one cell off, are the usual causes); then upload it again"),
    "shift.name_holds_regions": ("“{column}”列大多是地名（{examples}）", "the {column} column holds mostly place names ({examples})"),
    "shift.item_holds_facilities": ("“{column}”列大多是医院等机构名称（{examples}）",
                                    "the {column} column holds mostly names of hospitals and other facilities ({examples})"),
    "shift.region_holds_other": ("“{column}”列大多不是地名（{examples}），而地名出现在其他列",
                                 "the {column} column holds mostly no place names ({examples}) while another column does"),
    "shift.required_column_empty": ("必填的“{column}”列在每一行都是空的", "the required {column} column is empty in every record"),
    "shift.values_beyond_header": ("{share} 的行在最后一个表头右侧还有数据", "{share} of the rows have values to the right of the last header"),
    "problem.dangling_reference": ("导入会留下指向不存在记录的引用（{column}）", "The import would leave references to missing rows ({column})"),
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


def note_summary(notes, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """One sentence per kind of note (``note.<code>``) with its total count."""
    from data_loaders.formats import note_counts

    return [t(f"note.{code}", lang, n=f"{n:,}") for code, n in note_counts(notes).items()]


def _column_label(problem, lang: str) -> str:
    """The problem's column under its translated header, when its table is known."""
    for part in reversed(str(problem.file).split("#")):
        table = schema.table_for_name(part)
        if table is not None and problem.column:
            return t(f"column.{table.name}.{problem.column}", lang)
    return problem.column or ""


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
    elif problem.code == "parent_rejected":
        parent = t(f"table.{problem.expected}", lang)
        if problem.suggestion:  # where the rejected parent row is
            parent += f"（{problem.suggestion}）" if lang == "zh" else f" ({problem.suggestion})"
        message = t("problem.parent_rejected", lang, value=parent)
        fix = t("fix.parent_rejected", lang, expected=t(f"table.{problem.expected}", lang))
    elif problem.code == "outside_region":
        swapped = problem.suggestion == "swapped"
        fix = t("fix.outside_region_swapped" if swapped else "fix.outside_region", lang,
                expected=problem.expected, suggestion=problem.suggestion)
    elif problem.code == "columns_shifted":
        evidence = t(f"shift.{problem.expected}", lang, column=_column_label(problem, lang),
                     examples=problem.value or "", share=problem.suggestion)
        message = t("problem.columns_shifted", lang, value=evidence)
        fix = t("fix.columns_shifted", lang)
    elif problem.code == "nothing_in_file" and problem.expected:
        message = (t("problem.nothing_in_file", lang) + ("：" if lang == "zh" else ": ")
                   + t(f"note.{problem.expected}", lang, n=problem.value or ""))
        fix = t("fix.nothing_in_file", lang)
    elif problem.code in ("file_too_large", "workbook_too_large"):
        fix = t(f"fix.{problem.code}", lang, expected=problem.expected,
                variable="LIFELINE_MAX_UPLOAD_MB")
    elif f"fix.{problem.code}" in CATALOGUE:
        fix = t(f"fix.{problem.code}", lang, expected=problem.expected, value=problem.value or "")
    elif problem.expected:
        fix = t("fix.expected", lang, expected=problem.expected)
    elif f"fix.{problem.code}" in CATALOGUE:
        fix = t(f"fix.{problem.code}", lang, expected=problem.expected, value=problem.value or "")
    else:
        fix = ""
    return message, fix
