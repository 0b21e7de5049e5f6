"""Strings of the Data page's column-mapping section, to merge into ``i18n.CATALOGUE``.

Kept apart while the section is new; key -> (Chinese, English) as in the catalogue.
"""

from __future__ import annotations

MAPPING_STRINGS: dict[str, tuple[str, str]] = {
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
}
