"""The single source of truth for Lifeline's tables and columns.

Every table the store holds, every column it accepts in an interchange file, the
Chinese header alias, the allowed values (with their Chinese names), and the derived
columns the importer adds are declared here. Readers, validation, the store, the
metrics and the app all read these declarations; no other module spells a column's
meaning twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds understood by validation and by the store's DDL.
TEXT = "text"
ID = "id"  # a text key: stripped, non-empty
ENUM = "enum"
DATE = "date"
INT = "int"
FLOAT = "float"
BOOL = "bool"
REGION = "region"  # any known region name or adcode, resolved through geo.regions

SQL_TYPES = {
    TEXT: "VARCHAR",
    ID: "VARCHAR",
    ENUM: "VARCHAR",
    DATE: "DATE",
    INT: "BIGINT",
    FLOAT: "DOUBLE PRECISION",  # the spelling both DuckDB and PostgreSQL read
    BOOL: "BOOLEAN",
    REGION: "VARCHAR",
}


@dataclass(frozen=True)
class Choice:
    """An allowed value of an enum column, with its Chinese name and other spellings."""

    value: str
    zh: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``derived`` columns are computed by the importer (for example the prefecture a
    facility's region rolls up to); they are stored but never read from a file.
    ``ref`` names the table whose key this column points to.
    """

    name: str
    kind: str
    zh: str
    required: bool = False
    unique: bool = False
    choices: tuple[Choice, ...] = ()
    default: object = None
    ref: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    derived: bool = False
    rollup: str | None = None  # for REGION: "prefecture" rolls districts up; "any" keeps level
    aliases: tuple[str, ...] = ()
    hxl: str = ""  # the HXL hashtag with attributes, for HXL import and export
    # A quantity column also reads free text such as 1万, 4千只, 2万个 (a number with a
    # Chinese multiplier and a unit), as volunteers write them.
    free_text_quantity: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        """The canonical allowed values of an enum column."""
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Table:
    """A table of the store and of the interchange template."""

    name: str
    zh: str
    key: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = field(default=())
    # A key derived from other columns (a table of one row per region and day has no
    # id of its own): the key is their parsed values joined with ":".
    key_from: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def input_columns(self) -> tuple[Column, ...]:
        """Columns a file may provide (everything not derived)."""
        return tuple(c for c in self.columns if not c.derived)

    @property
    def column_names(self) -> list[str]:
        """All stored column names, in order."""
        return [c.name for c in self.columns]


def _choices(*items: tuple) -> tuple[Choice, ...]:
    return tuple(Choice(*item) for item in items)


ORG_TYPES = _choices(
    ("hub", "枢纽", ("枢纽机构", "hub organisation", "hub organization")),
    ("partner", "一线机构", ("伙伴机构", "合作机构", "partner ngo")),
    ("foundation", "基金会", ()),
    ("company", "企业", ("公司",)),
    ("government", "政府", ("政府部门",)),
    ("volunteer_team", "志愿团队", ("志愿者团队", "volunteer team")),
    ("other", "其他", ()),
)

FACILITY_TYPES = _choices(
    ("hospital", "医院", ()),
    ("community", "社区", ()),
    ("village", "村", ("村庄", "行政村")),
    ("makeshift_hospital", "方舱医院", ("方舱", "makeshift hospital")),
    ("quarantine_site", "隔离点", ("隔离酒店", "quarantine site")),
    ("warehouse", "仓库", ()),
    ("other", "其他", ()),
)
# The facility types counted as hospitals, and as communities (the coverage and the
# mismatch between where supplies go and where needs are: docs/METHODS.md).
HOSPITAL_TYPES = ("hospital",)
COMMUNITY_TYPES = ("community", "village")

CATEGORIES = _choices(
    ("ppe", "防护用品", ("防护物资", "个人防护")),
    ("medical_equipment", "医疗设备", ("医疗器械", "medical equipment")),
    ("medicine", "药品", ()),
    ("disinfection", "消杀用品", ("消毒用品", "消杀")),
    ("food", "食品", ("食物",)),
    ("daily_necessities", "生活物资", ("生活用品", "daily necessities")),
    ("psychosocial", "心理支持", ("心理",)),
    ("transport", "交通出行", ("交通", "出行")),
    ("livelihood", "生计", ("收入",)),
    ("education", "教育", ("学业", "上学")),
    ("information", "信息", ("资讯",)),
    ("other", "其他", ()),
)

PRIORITIES = _choices(
    ("urgent", "紧急", ("特急",)),
    ("high", "高", ("较急", "高优先")),
    ("normal", "一般", ("普通", "正常")),
)

BENEFICIARY_GROUPS = _choices(
    ("medical_staff", "医护人员", ("医务人员", "medical staff")),
    ("patients", "患者", ("病人",)),
    ("elderly", "老人", ("老年人", "独居老人")),
    ("disabled", "残障人士", ("残疾人",)),
    ("children", "儿童", ("孩子",)),
    ("migrant_workers", "农民工", ("务工人员", "外来务工人员", "migrant workers")),
    ("community_workers", "社区工作者", ("社工", "community workers")),
    ("volunteers", "志愿者", ()),
    ("general", "一般公众", ("公众", "居民")),
)

NEED_STATUSES = _choices(
    ("open", "未满足", ("待满足", "开放")),
    ("met", "已满足", ("满足",)),
    ("cancelled", "已取消", ("取消", "canceled")),
)

DELIVERY_STATUSES = _choices(
    ("planned", "计划中", ("计划",)),
    ("in_transit", "运输中", ("在途", "in transit")),
    ("delivered", "已送达", ("送达",)),
    ("failed", "失败", ("未送达",)),
)

ACTIVITY_TYPES = _choices(
    ("distribution", "物资发放", ("发放",)),
    ("disinfection", "消杀", ("消毒",)),
    ("counselling", "心理辅导", ("counseling", "心理咨询")),
    ("hotline", "热线", ()),
    ("transport", "运输", ("交通",)),
    ("volunteer_mobilisation", "志愿者动员", ("volunteer_mobilization", "志愿动员")),
    ("other", "其他", ()),
)

COORD_SYSTEMS = _choices(
    ("wgs84", "WGS84", ("wgs-84", "gps")),
    ("gcj02", "GCJ02", ("gcj-02", "火星坐标", "国测局坐标", "高德")),
    ("bd09", "BD09", ("bd-09", "百度")),
)

# Upper bounds of counts and amounts. Each is far above anything real, and low enough
# that a total over a billion rows at the bound stays finite and, for whole numbers,
# inside a BIGINT (2**63): no sum on any page or export can overflow to infinity.
# Items of one need or delivery: a billion of any unit is more than Hubei's masks for a week.
MAX_QUANTITY = 1e9
# Yuan in one grant: the largest single donations of 2020 were a few billion.
MAX_AMOUNT_CNY = 1e11
# People (cases, people served, volunteers): Hubei has 59 million inhabitants.
MAX_PEOPLE = 1e8
# Beds or places of one facility: the largest hospitals and makeshift hospitals had a
# few thousand.
MAX_CAPACITY = 1e5

_FREE_QTY = dict(minimum=0.0, maximum=MAX_QUANTITY, free_text_quantity=True)
_PEOPLE = dict(minimum=0.0, maximum=MAX_PEOPLE)


ORGANIZATIONS = Table(
    "organizations",
    "机构",
    "org_id",
    (
        Column("org_id", ID, "机构编号", required=True, unique=True, hxl="#org+id"),
        Column("name", TEXT, "机构名称", required=True, hxl="#org+name"),
        Column("org_type", ENUM, "机构类型", required=True, choices=ORG_TYPES, default="other",
               hxl="#org+type"),
        Column("region", REGION, "地区", rollup="any", hxl="#adm2+name"),
        Column("hub_id", ID, "所属枢纽", ref="organizations", hxl="#org+hub+id"),
        Column("region_adcode", TEXT, "地区代码", derived=True, hxl="#adm2+code"),
        Column("prefecture_adcode", TEXT, "所属地市代码", derived=True, hxl="#adm2+code+prefecture"),
    ),
    aliases=("orgs", "机构", "机构名录"),
)

FACILITIES = Table(
    "facilities",
    "设施",
    "facility_id",
    (
        Column("facility_id", ID, "设施编号", required=True, unique=True, hxl="#loc+id"),
        Column("name", TEXT, "名称", required=True, aliases=("设施名称",), hxl="#loc+name"),
        Column("facility_type", ENUM, "类型", required=True, choices=FACILITY_TYPES,
               aliases=("设施类型",), hxl="#loc+type"),
        Column("region", REGION, "地区", required=True, rollup="prefecture", hxl="#adm2+name"),
        Column("lat", FLOAT, "纬度", minimum=-90.0, maximum=90.0, aliases=("latitude",), hxl="#geo+lat"),
        Column("lon", FLOAT, "经度", minimum=-180.0, maximum=180.0,
               aliases=("lng", "longitude"), hxl="#geo+lon"),
        Column("coord_system", ENUM, "坐标系", choices=COORD_SYSTEMS, default="wgs84", hxl="#meta+crs"),
        Column("capacity", INT, "容量", minimum=0.0, maximum=MAX_CAPACITY, hxl="#capacity"),
        Column("designated", BOOL, "定点", hxl="#indicator+designated"),
        Column("region_adcode", TEXT, "地市代码", derived=True, hxl="#adm2+code"),
        Column("county_adcode", TEXT, "区县代码", derived=True, hxl="#adm3+code"),
        Column("map_lat", FLOAT, "地图纬度", derived=True, hxl="#geo+lat+display"),
        Column("map_lon", FLOAT, "地图经度", derived=True, hxl="#geo+lon+display"),
    ),
    aliases=("设施",),
)

NEEDS = Table(
    "needs",
    "需求",
    "need_id",
    (
        Column("need_id", ID, "需求编号", required=True, unique=True, hxl="#meta+id+need"),
        Column("facility_id", ID, "设施编号", required=True, ref="facilities", hxl="#loc+id"),
        Column("reported_by", ID, "上报机构", ref="organizations", hxl="#org+id+reported"),
        Column("reported_on", DATE, "上报日期", required=True, hxl="#date+reported"),
        Column("category", ENUM, "类别", required=True, choices=CATEGORIES, hxl="#sector"),
        Column("item", TEXT, "物资", hxl="#item+name"),
        Column("quantity", FLOAT, "数量", **_FREE_QTY, hxl="#item+needed"),
        Column("unit", TEXT, "单位", hxl="#item+unit"),
        Column("priority", ENUM, "紧急程度", choices=PRIORITIES, default="normal", hxl="#severity"),
        Column("beneficiary_group", ENUM, "受益人群", choices=BENEFICIARY_GROUPS, hxl="#population+type"),
        Column("status", ENUM, "状态", choices=NEED_STATUSES, default="open", hxl="#status"),
        Column("closed_on", DATE, "关闭日期", hxl="#date+closed"),
    ),
    aliases=("需求",),
)

DELIVERIES = Table(
    "deliveries",
    "配送",
    "delivery_id",
    (
        Column("delivery_id", ID, "配送编号", required=True, unique=True, hxl="#meta+id+delivery"),
        Column("need_id", ID, "需求编号", ref="needs", hxl="#meta+id+need"),
        Column("facility_id", ID, "设施编号", required=True, ref="facilities", hxl="#loc+id"),
        Column("supplier_id", ID, "供给机构", ref="organizations", hxl="#org+id+supplier"),
        Column("carrier_id", ID, "执行机构", ref="organizations", hxl="#org+id+carrier"),
        Column("category", ENUM, "类别", choices=CATEGORIES, hxl="#sector"),
        Column("item", TEXT, "物资", hxl="#item+name"),
        Column("quantity", FLOAT, "数量", **_FREE_QTY, hxl="#item+delivered"),
        Column("unit", TEXT, "单位", hxl="#item+unit"),
        Column("dispatched_on", DATE, "发出日期", hxl="#date+dispatched"),
        Column("expected_on", DATE, "预计到达", hxl="#date+expected"),
        Column("delivered_on", DATE, "送达日期", hxl="#date+delivered"),
        Column("status", ENUM, "状态", choices=DELIVERY_STATUSES, default="planned", hxl="#status"),
        # The day a stored delivery's status was first recorded as failed (set by the store
        # at write time; empty when it arrived failed): before that day it was moving, so
        # the analyses count it failed only from then (data_loaders.store.upsert).
        Column("failed_recorded_on", DATE, "记录失败日期", derived=True,
               hxl="#date+failed+recorded"),
    ),
    aliases=("配送",),
)

GRANTS = Table(
    "grants",
    "资助",
    "grant_id",
    (
        Column("grant_id", ID, "资助编号", required=True, unique=True, hxl="#meta+id+grant"),
        Column("funder_id", ID, "资助方", required=True, ref="organizations", hxl="#org+id+funder"),
        Column("recipient_id", ID, "受资助方", required=True, ref="organizations", hxl="#org+id+recipient"),
        Column("amount_cny", FLOAT, "金额", required=True, aliases=("金额（元）", "amount"),
               minimum=0.0, maximum=MAX_AMOUNT_CNY,
               hxl="#value+cny"),
        Column("category", ENUM, "类别", choices=CATEGORIES, hxl="#sector"),
        Column("region", REGION, "地区", rollup="prefecture", hxl="#adm2+name"),
        Column("start_on", DATE, "开始日期", hxl="#date+start"),
        Column("end_on", DATE, "结束日期", hxl="#date+end"),
        Column("region_adcode", TEXT, "地市代码", derived=True, hxl="#adm2+code"),
    ),
    aliases=("资助",),
)

ACTIVITIES = Table(
    "activities",
    "活动报告",
    "report_id",
    (
        Column("report_id", ID, "报告编号", required=True, unique=True, hxl="#meta+id+report"),
        Column("org_id", ID, "机构编号", required=True, ref="organizations", hxl="#org+id"),
        Column("reported_on", DATE, "日期", required=True, hxl="#date+reported"),
        Column("region", REGION, "地区", required=True, rollup="prefecture", hxl="#adm2+name"),
        Column("activity_type", ENUM, "活动类型", choices=ACTIVITY_TYPES, default="other",
               hxl="#activity+type"),
        Column("people_served", INT, "服务人次", **_PEOPLE, hxl="#reached"),
        Column("volunteers", INT, "志愿者人数", **_PEOPLE, hxl="#capacity+volunteers"),
        Column("region_adcode", TEXT, "地市代码", derived=True, hxl="#adm2+code"),
        # What was distributed (schema version 5: a partner's report says it; the
        # columns come after the derived one because a migration adds them at the end).
        Column("category", ENUM, "类别", choices=CATEGORIES, hxl="#sector"),
        Column("item", TEXT, "物资", hxl="#item+name"),
        Column("quantity", FLOAT, "数量", **_FREE_QTY, hxl="#item+distributed"),
        Column("unit", TEXT, "单位", hxl="#item+unit"),
    ),
    aliases=("活动", "reports", "activity_reports"),
)

PLEDGE_STATUSES = _choices(
    ("open", "认领中", ("已认领", "pledged")),
    ("fulfilled", "已兑现", ("已完成", "done")),
    ("withdrawn", "已撤回", ("撤回", "cancelled")),
)

# A pledge (认领): an organisation says it will cover an open need, N by a date, so that
# others do not send the same thing. Open and past its date without a delivery, it is
# flagged to the hub (dashboard.analytics.pledges).
PLEDGES = Table(
    "pledges",
    "认领",
    "pledge_id",
    (
        Column("pledge_id", ID, "认领编号", required=True, unique=True, hxl="#meta+id+pledge"),
        Column("need_id", ID, "需求编号", required=True, ref="needs", hxl="#meta+id+need"),
        Column("org_id", ID, "认领机构", required=True, ref="organizations", hxl="#org+id"),
        Column("quantity", FLOAT, "数量", **_FREE_QTY, hxl="#item+pledged"),
        Column("unit", TEXT, "单位", hxl="#item+unit"),
        Column("pledged_on", DATE, "认领日期", required=True, hxl="#date+pledged"),
        Column("due_on", DATE, "承诺送达日期", required=True, aliases=("送达日期",),
               hxl="#date+due"),
        # Not "status": a value's label is read by column name, and a need's "open" is
        # 未满足 where a pledge's is 认领中.
        Column("pledge_status", ENUM, "认领状态", choices=PLEDGE_STATUSES, default="open",
               hxl="#status+pledge"),
    ),
    aliases=("认领", "pledge", "承诺"),
)

CASE_COUNTS = Table(
    "case_counts",
    "病例数",
    "case_id",
    (
        Column("case_id", ID, "记录编号", derived=True, hxl="#meta+id"),
        Column("date", DATE, "日期", required=True, aliases=("report_date", "报告日期"), hxl="#date"),
        Column("region", REGION, "地区", required=True, rollup="prefecture",
               aliases=("prefecture_adcode", "adcode", "地市代码", "region_adcode"), hxl="#adm2+name"),
        Column("confirmed_cum", INT, "累计确诊", required=True, **_PEOPLE,
               aliases=("confirmed", "确诊"), hxl="#affected+confirmed+total"),
        Column("cured_cum", INT, "累计治愈", **_PEOPLE, aliases=("cured", "治愈"),
               hxl="#affected+recovered+total"),
        Column("dead_cum", INT, "累计死亡", **_PEOPLE, aliases=("dead", "deaths", "死亡"),
               hxl="#affected+killed+total"),
        # Daily changes may be negative: cases were reclassified in 2020.
        Column("new_confirmed", INT, "新增确诊", minimum=-MAX_PEOPLE, maximum=MAX_PEOPLE,
               aliases=("新增",), hxl="#affected+confirmed+new"),
        Column("region_adcode", TEXT, "地市代码", derived=True, hxl="#adm2+code"),
    ),
    aliases=("cases", "病例", "疫情数据"),
    key_from=("region", "date"),
)

# Order matters: a table only refers to tables before it (organizations refers to itself).
TABLES: dict[str, Table] = {
    t.name: t
    for t in (ORGANIZATIONS, FACILITIES, NEEDS, DELIVERIES, GRANTS, ACTIVITIES, PLEDGES,
              CASE_COUNTS)
}

# Families in difficulty (issue 17): pseudonymous households, the answers of each
# assessment round on the network's tool (data_loaders/households/tool.py), and the case
# that follows each household. Kept apart from TABLES on purpose: every whole-table
# export, the template import, the history and the data dictionary read TABLES, and a
# household row must never leave the organisation that follows it. A household is its
# organisation's own id for it (never a name, phone, ID-card number or address:
# data_loaders/households/privacy.py refuses them), the region and who lives there.
MIGRATION_STATUSES = _choices(
    ("in_city", "在城市", ("in the city", "城市")),
    ("unable_to_return", "无法返城", ("cannot return", "unable to return", "滞留老家")),
    ("at_home", "在老家", ("at home", "home", "老家", "返乡")),
)
CASE_STATUSES = _choices(
    ("open", "待跟进", ("new", "新建")),
    ("in_progress", "跟进中", ("in progress", "following")),
    ("resolved", "已解决", ("closed", "done", "结案")),
    ("lost_contact", "失去联系", ("lost contact", "lost", "失联")),
)
SERVICE_KINDS = _choices(
    ("information", "信息", ("info", "资讯")),
    ("training", "培训", ()),
    ("supplies", "物资", ("goods",)),
    ("cash_aid", "现金救助", ("cash", "小额救助", "现金")),
    ("referral", "转介", ("refer",)),
)
MAX_HOUSEHOLD_SIZE = 30

HOUSEHOLDS = Table(
    "households",
    "困境家庭",
    "household_key",
    (
        Column("household_key", ID, "住户键", derived=True),
        Column("household_id", ID, "住户编号", required=True,
               aliases=("家庭编号", "户编号", "household")),
        Column("org_id", ID, "跟进机构", required=True, ref="organizations",
               aliases=("机构编号", "机构", "organization", "organisation")),
        Column("region", REGION, "地区", required=True, rollup="any",
               aliases=("所在地区", "所在地", "region_adcode")),
        Column("region_adcode", TEXT, "地区代码", derived=True),
        Column("size", INT, "家庭人数", minimum=1, maximum=MAX_HOUSEHOLD_SIZE,
               aliases=("人数", "household_size", "members")),
        Column("children", BOOL, "有儿童", aliases=("有孩子", "has_children")),
        Column("elderly", BOOL, "有老人", aliases=("has_elderly",)),
        Column("sick_or_disabled", BOOL, "有病患或残障成员",
               aliases=("有病残", "has_sick_or_disabled")),
        Column("migration_status", ENUM, "流动状态", choices=MIGRATION_STATUSES,
               aliases=("返城情况", "status_migration")),
    ),
    aliases=("家庭", "困境家庭"),
    key_from=("org_id", "household_id"),
)

HOUSEHOLD_ASSESSMENTS = Table(
    "household_assessments",
    "需求评估",
    "assessment_key",
    (
        Column("assessment_key", ID, "评估键", derived=True),
        Column("household_key", ID, "住户键", derived=True, ref="households"),
        Column("round_id", ID, "评估轮次", required=True, aliases=("轮次", "round")),
        Column("assessed_on", DATE, "评估日期", required=True, aliases=("日期", "date")),
        Column("tool_id", TEXT, "评估工具", derived=True),
    ),
)  # its key: the household's key and the round, joined with ":" (data_loaders.households)

# One row per answer: the tool is data, so its questions are rows, not columns.
HOUSEHOLD_ANSWERS = Table(
    "household_answers",
    "评估答案",
    "answer_key",
    (
        Column("answer_key", ID, "答案键", derived=True),
        Column("assessment_key", ID, "评估键", derived=True, ref="household_assessments"),
        Column("question_id", ID, "问题", required=True),
        Column("answer", INT, "答案", required=True),
    ),
)  # its key: the assessment's key and the question, joined with ":"

HOUSEHOLD_CASES = Table(
    "household_cases",
    "个案",
    "household_key",
    (
        Column("household_key", ID, "住户键", derived=True, ref="households"),
        Column("case_status", ENUM, "个案状态", required=True, choices=CASE_STATUSES),
        Column("opened_on", DATE, "开案日期", required=True),
        Column("closed_on", DATE, "结案日期"),
        Column("close_reason", TEXT, "结案原因"),
        Column("last_contact_on", DATE, "最近联系日期"),
        Column("next_review_on", DATE, "下次回访日期"),
        Column("notes", TEXT, "备注"),  # scrubbed of phone and ID-card numbers when written
        # Who follows the case: the sign-in of the caseworker who took it (staff, never
        # a family member); empty until someone works it.
        Column("caseworker", TEXT, "负责社工"),
    ),
)

HOUSEHOLD_SERVICES = Table(
    "household_services",
    "服务记录",
    "service_key",
    (
        Column("service_key", ID, "服务键", derived=True),
        Column("household_key", ID, "住户键", derived=True, ref="households"),
        Column("given_on", DATE, "服务日期", required=True),
        Column("service_kind", ENUM, "服务类型", required=True, choices=SERVICE_KINDS),
        Column("amount_cny", FLOAT, "金额（元）", minimum=0.0, maximum=1e6),
        Column("referred_to", ID, "转介机构", ref="organizations"),
    ),
)

# Households deleted on request leave only how many, per organisation and day.
HOUSEHOLD_DELETIONS = Table(
    "household_deletions",
    "删除记录",
    "deletion_key",
    (
        Column("deletion_key", ID, "删除键", derived=True),
        Column("org_id", ID, "跟进机构", required=True, ref="organizations"),
        Column("deleted_on", DATE, "删除日期", required=True),
        Column("households", INT, "家庭数", required=True, minimum=0),
    ),
)  # its key: the organisation and the day, joined with ":"

HOUSEHOLD_TABLES: dict[str, Table] = {
    t.name: t
    for t in (HOUSEHOLDS, HOUSEHOLD_ASSESSMENTS, HOUSEHOLD_ANSWERS, HOUSEHOLD_CASES,
              HOUSEHOLD_SERVICES, HOUSEHOLD_DELETIONS)
}

# The store's other tables are made by its numbered migrations
# (data_loaders/store/migrations): the import log (``imports``), the rows an import kept
# back (``quarantine``: what a user uploaded is never lost), the cost of meeting one need
# per category (``need_costs``, a planning assumption of the Funding page, seeded from
# data_loaders/ingest/rules/need_costs.csv and edited in the app), the review queue and
# the names a person confirmed (``review_queue``, ``name_aliases``), the history of
# every record (``changes`` and ``<table>_history``), what partners and funders filed on
# the Report page and its review (``submissions``), each partner's reporting schedule
# and trust (``partner_settings``) and the locked periods the hub reopened
# (``reopened_periods``). tests/test_migrations.py checks that
# the migrated tables have exactly the columns declared here.

# Bounds of a cost per need (CNY): below one yuan or above a hundred million is a typo.
MIN_COST_CNY = 1.0
MAX_COST_CNY = 1e8
NEED_COSTS_SEEDED_BY = "need_costs.csv"  # updated_by of the rows the store was seeded with


def choices_of(column_name: str) -> tuple[str, ...]:
    """The allowed values of the enum column ``column_name`` (``category``, ``org_type``).

    An enum column of one name has the same choices in every table that holds it.
    """
    for table in TABLES.values():
        for column in table.columns:
            if column.name == column_name and column.choices:
                return tuple(c.value for c in column.choices)
    raise KeyError(f"no enum column named {column_name!r}")


def table_for_name(name: str) -> Table | None:
    """Find the table a file or sheet name refers to (``needs.csv``, ``需求``, ``Needs``).

    Returns None when the name matches no table.
    """
    stem = name.strip().lower()
    for suffix in (".csv", ".xlsx", ".json", ".txt", ".tsv"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = stem.rsplit("/", 1)[-1]
    for table in TABLES.values():
        names = {table.name, table.zh, *table.aliases}
        if stem in {n.lower() for n in names}:
            return table
    # Tolerate prefixes and suffixes such as "2020-02-15_needs" or "needs (1)".
    for table in TABLES.values():
        if table.name in stem or table.zh in stem:
            return table
    return None


def header_aliases(table: Table) -> dict[str, str]:
    """Map every accepted spelling of a header (lower-cased) to its column name."""
    mapping: dict[str, str] = {}
    for col in table.input_columns:
        for spelling in (col.name, col.zh, *col.aliases):
            mapping[spelling.strip().lower()] = col.name
    return mapping


def table_for_headers(headers: list[str]) -> Table | None:
    """Guess the table from a file's headers: the one whose key column is present.

    The key decides because several tables share ordinary columns (``category``).
    """
    best: tuple[int, Table | None] = (0, None)
    for table in TABLES.values():
        aliases = header_aliases(table)
        found = {aliases.get(str(h).strip().lower()) for h in headers} - {None}
        if not set(table.key_from or (table.key,)) <= found:
            continue
        score = len(found)
        if score > best[0]:
            best = (score, table)
    return best[1]


def choice_lookup(column: Column) -> dict[str, str]:
    """Map every accepted spelling of an enum value (lower-cased) to the canonical value."""
    lookup: dict[str, str] = {}
    for choice in column.choices:
        for spelling in (choice.value, choice.zh, *choice.aliases):
            lookup[spelling.strip().lower()] = choice.value
    return lookup


# What a partner or funder files on the Report page waits for the hub's review
# (data_loaders.ingest.submissions); only approved rows reach the tables above.
SUBMISSION_STATUSES = ("submitted", "approved", "returned")
