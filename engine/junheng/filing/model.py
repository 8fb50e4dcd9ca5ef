"""The district filing, version 1, as strict frozen pydantic models (区县义务教育均衡发展申报数据).

The contract is the filing page of the docs (filing v1); this module is its
executable form and the source of the published JSON Schema
(``engine/junheng/schemas/filing.schema.json``).
Attribute names are the contract's keys. Every field carries its Chinese label
as ``title`` and its meaning and unit as ``description``.

Conventions the models enforce, beyond "strict types, no unknown keys":

- ``null`` on an optional field is the same as leaving it out; so is ``{}`` (or
  an object whose members are all absent) on an optional object. Both read back
  as ``None``. Fields with a default (``weak``, ``teaching_point``,
  ``standard``) read back as that default.
- Counts are integers; a whole-number float such as ``1180.0`` is read as
  ``1180``. Numbers are finite, ≥ 0 and ≤ 1e15. A quoted number or a boolean in
  a numeric field is an error (strict mode: pydantic-core rejects them, so no
  Python runs for the common case).
- Rates are fractions in [0, 1] or a percentage string such as ``"95.5%"``,
  stored as the exact fraction.
- ``district.code`` and a school's ``id``/``campus`` are strings; an unquoted
  integer is read as the digits written (the loader keeps them), leading zeros
  included.

Python runs only where the contract needs it (a ``BeforeValidator`` per count,
rate and identifier; a ``model_validator`` on ``School`` and ``District`` for
null-means-default and on ``Finance`` for "required, so not empty"); everything
else is checked by pydantic-core, which matters for a national batch of
~200,000 school records.
"""

from typing import Annotated, Any, Literal, Optional, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from junheng.filing import coerce

__all__ = [
    "MAX_NUMBER",
    "CODE_PATTERN",
    "ID_PATTERN",
    "STANDARD_PATTERN",
    "Filing",
    "District",
    "Finance",
    "YearPair",
    "YearPairYuan",
    "LevelPair",
    "CapitalBudget",
    "Taxes",
    "Surcharge",
    "LandTransfer",
    "NewEducationFunds",
    "Staffing",
    "TeacherExchange",
    "NewStaff",
    "Survey",
    "SurveyGroup",
    "Equity",
    "MigrantChildren",
    "LeftBehindChildren",
    "NeedyStudents",
    "School",
]

MAX_NUMBER = 10**15  # the contract's upper bound for every number (1e15)
CODE_PATTERN = r"^[1-9][0-9]{5}$"
ID_PATTERN = r"^[0-9A-Za-z_-]{1,32}$"
STANDARD_PATTERN = r"^[a-z][a-z0-9_-]*$"
# The contract's rate string (``coerce.rate``), restricted to 0–100 %, for the JSON Schema (which cannot divide).
_PERCENT_0_100_PATTERN = r"^\s*0*(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)\s*[%％]\s*$"

WAN_YUAN = "单位：万元 (10,000 CNY)"
YUAN = "单位：元 (CNY)"
SQUARE_METRES = "单位：平方米 (m²)"
PERSONS = "单位：人 (persons)"


# The Python that the contract needs is in coerce.py, shared with the fast validator of the check path (fast.py).


# --- field types --------------------------------------------------------------

Count = Annotated[int, Field(ge=0, le=MAX_NUMBER), BeforeValidator(coerce.whole_number)]
PositiveCount = Annotated[int, Field(ge=1, le=MAX_NUMBER), BeforeValidator(coerce.whole_number)]
Amount = Annotated[float, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False)]
Rate = Annotated[
    float,
    Field(ge=0, le=1, allow_inf_nan=False),
    BeforeValidator(coerce.rate),
    WithJsonSchema(
        {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "string", "pattern": _PERCENT_0_100_PATTERN}]}
    ),
]
DistrictCode = Annotated[
    str,
    Field(pattern=CODE_PATTERN),
    BeforeValidator(coerce.identifier),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": CODE_PATTERN}, {"type": "integer", "minimum": 100000, "maximum": 999999}]}
    ),
]
Identifier = Annotated[
    str,
    Field(pattern=ID_PATTERN),
    BeforeValidator(coerce.identifier),
    # An unquoted integer id is read as its digits, so it may have up to 32 of them.
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": ID_PATTERN}, {"type": "integer", "minimum": 0, "maximum": 10**32 - 1}]}
    ),
]


_Object = TypeVar("_Object", bound=BaseModel)
# An optional nested object, ``OptionalObject[YearPair]``: ``null``, ``{}`` and all-absent members read back as ``None``.
OptionalObject = Optional[Annotated[_Object, AfterValidator(coerce.none_if_empty)]]


def _field(title: str, description: str, default: Any = None, **kwargs: Any) -> Any:
    """An optional field: absent, ``null`` and (for objects) ``{}`` all mean "not given"."""
    return Field(default, title=title, description=description, **kwargs)


def _required(title: str, description: str, **kwargs: Any) -> Any:
    return Field(..., title=title, description=description, **kwargs)


class _Model(BaseModel):
    # Built at the first validation, not at import: the check path validates with fast.py and never builds them.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


# --- finance (经费保障) -------------------------------------------------------


class YearPair(_Model):
    """This year's and last year's figure of one quantity, in 万元."""

    model_config = ConfigDict(title="本年/上年（万元）")

    current: Optional[Amount] = _field("本年", f"本年度数额。{WAN_YUAN}")
    previous: Optional[Amount] = _field("上年", f"上年度数额。{WAN_YUAN}")


class YearPairYuan(_Model):
    """This year's and last year's figure of one quantity, in 元."""

    model_config = ConfigDict(title="本年/上年（元）")

    current: Optional[Amount] = _field("本年", f"本年度数额。{YUAN}")
    previous: Optional[Amount] = _field("上年", f"上年度数额。{YUAN}")


class LevelPair(_Model):
    """A per-student figure for each school level, each a this-year/last-year pair in 元."""

    model_config = ConfigDict(title="分学段（小学/初中）")

    primary: OptionalObject[YearPairYuan] = _field("小学", f"小学的本年/上年数额。{YUAN}")
    junior: OptionalObject[YearPairYuan] = _field("初中", f"初中的本年/上年数额。{YUAN}")


class CapitalBudget(_Model):
    model_config = ConfigDict(title="地方预算内基本建设投资")

    total: Optional[Amount] = _field("地方预算内基本建设投资", f"地方预算内基本建设投资总额。{WAN_YUAN}")
    education: Optional[Amount] = _field("其中用于教育", f"地方预算内基本建设投资中用于教育的部分。{WAN_YUAN}")


class Taxes(_Model):
    model_config = ConfigDict(title="实缴税额")

    vat: Optional[Amount] = _field("实缴增值税", f"本年实缴增值税。{WAN_YUAN}")
    consumption: Optional[Amount] = _field("实缴消费税", f"本年实缴消费税。{WAN_YUAN}")
    business: Optional[Amount] = _field("实缴营业税", f"本年实缴营业税。{WAN_YUAN}")


class Surcharge(_Model):
    model_config = ConfigDict(title="教育附加 征收/用于教育")

    collected: Optional[Amount] = _field("征收额", f"本年征收额。{WAN_YUAN}")
    to_education: Optional[Amount] = _field("用于教育", f"征收额中用于教育的部分。{WAN_YUAN}")


class LandTransfer(_Model):
    model_config = ConfigDict(title="土地出让收益")

    income: Optional[Amount] = _field(
        "土地出让收益",
        "土地出让净收益：出让收入减去征地拆迁补偿、土地开发等成本（财综〔2011〕62号）。" + WAN_YUAN,
    )
    to_education: Optional[Amount] = _field("计提用于教育", f"从土地出让收益中计提用于教育的资金。{WAN_YUAN}")


class NewEducationFunds(_Model):
    model_config = ConfigDict(title="新增教育经费")

    total: Optional[Amount] = _field("新增教育经费", f"本年新增教育经费。{WAN_YUAN}")
    rural_weak: Optional[Amount] = _field("其中用于农村和薄弱学校", f"新增教育经费中用于农村学校和薄弱学校的部分。{WAN_YUAN}")


class Finance(_Model):
    """The district's finance figures (经费保障); required, so it may not be empty."""

    model_config = ConfigDict(
        title="经费保障",
        # ``finance: {}`` means the same as leaving finance out, and finance is required.
        json_schema_extra={
            "not": {"additionalProperties": {"anyOf": [{"type": "null"}, {"type": "object", "maxProperties": 0}]}}
        },
    )

    gdp: Optional[Amount] = _field("地区生产总值", f"本年地区生产总值 (GDP)。{WAN_YUAN}")
    regular_revenue: OptionalObject[YearPair] = _field("财政经常性收入", f"本年/上年财政经常性收入。{WAN_YUAN}")
    general_expenditure: OptionalObject[YearPair] = _field("一般公共预算支出", f"本年/上年一般公共预算支出。{WAN_YUAN}")
    education_appropriation: OptionalObject[YearPair] = _field("教育财政拨款", f"本年/上年教育财政拨款。{WAN_YUAN}")
    fiscal_education_funds: Optional[Amount] = _field("财政性教育经费", f"本年财政性教育经费。{WAN_YUAN}")
    per_student_expenditure: OptionalObject[LevelPair] = _field("生均教育事业费", f"分学段的本年/上年生均教育事业费。{YUAN}")
    per_student_public_funds: OptionalObject[LevelPair] = _field("生均公用经费", f"分学段的本年/上年生均公用经费。{YUAN}")
    teacher_salary: OptionalObject[YearPairYuan] = _field("义务教育教师年平均工资", f"本年/上年义务教育教师年平均工资。{YUAN}")
    civil_servant_salary: Optional[Amount] = _field("当地公务员年平均工资", f"本年当地公务员年平均工资。{YUAN}")
    capital_budget: OptionalObject[CapitalBudget] = _field(
        "地方预算内基本建设投资", f"地方预算内基本建设投资及其中用于教育的部分。{WAN_YUAN}"
    )
    taxes: OptionalObject[Taxes] = _field("实缴税额", f"实缴增值税、消费税、营业税（计提教育附加的基数）。{WAN_YUAN}")
    local_education_surcharge: OptionalObject[Surcharge] = _field("地方教育附加", f"地方教育附加的征收额及用于教育的部分。{WAN_YUAN}")
    education_surcharge: OptionalObject[Surcharge] = _field("教育费附加", f"教育费附加的征收额及用于教育的部分。{WAN_YUAN}")
    land_transfer: OptionalObject[LandTransfer] = _field("土地出让收益", f"土地出让收益及其中计提用于教育的资金。{WAN_YUAN}")
    new_education_funds: OptionalObject[NewEducationFunds] = _field(
        "新增教育经费", f"新增教育经费及其中用于农村和薄弱学校的部分。{WAN_YUAN}"
    )

    @model_validator(mode="before")
    @classmethod
    def _not_empty(cls, data: Any) -> Any:
        return coerce.finance_not_empty(data)


# --- staffing (教师队伍) --------------------------------------------------------


class TeacherExchange(_Model):
    model_config = ConfigDict(title="教师交流轮岗")

    eligible: Optional[Count] = _field("应交流轮岗教师数", f"本年应交流轮岗的教师人数。{PERSONS}")
    exchanged: Optional[Count] = _field("实际交流轮岗教师数", f"本年实际交流轮岗的教师人数。{PERSONS}")
    backbone_exchanged: Optional[Count] = _field("其中骨干教师数", f"实际交流轮岗教师中的骨干教师人数。{PERSONS}")


class NewStaff(_Model):
    model_config = ConfigDict(title="新进人员 / 其中到农村和薄弱学校")

    total: Optional[Count] = _field("总人数", f"本年新进（新提任）总人数。{PERSONS}")
    rural_weak: Optional[Count] = _field("其中到农村和薄弱学校", f"其中到农村学校和薄弱学校的人数。{PERSONS}")


class Staffing(_Model):
    model_config = ConfigDict(title="教师队伍")

    teacher_exchange: OptionalObject[TeacherExchange] = _field("教师交流轮岗", f"应交流轮岗、实际交流轮岗及其中骨干教师人数。{PERSONS}")
    new_teachers: OptionalObject[NewStaff] = _field("新进教师", f"本年新进教师及其中到农村和薄弱学校的人数。{PERSONS}")
    new_principals: OptionalObject[NewStaff] = _field("新提任校级干部", f"本年新提任校级干部及其中到农村和薄弱学校的人数。{PERSONS}")


# --- survey (社会认可度) ---------------------------------------------------------


class SurveyGroup(_Model):
    model_config = ConfigDict(title="问卷组")

    respondents: Optional[Count] = _field("答卷人数", f"参与问卷的人数。{PERSONS}")
    satisfied: Optional[Count] = _field("认可人数", f"答卷人中表示认可的人数。{PERSONS}")


class Survey(_Model):
    model_config = ConfigDict(title="社会认可度问卷")

    parents: OptionalObject[SurveyGroup] = _field("家长代表", f"家长代表的答卷人数与认可人数。{PERSONS}")
    teachers: OptionalObject[SurveyGroup] = _field("教师代表", f"教师代表的答卷人数与认可人数。{PERSONS}")
    deputies: OptionalObject[SurveyGroup] = _field("人大代表、政协委员", f"人大代表、政协委员的答卷人数与认可人数。{PERSONS}")


# --- equity (关注弱势群体) -------------------------------------------------------


class MigrantChildren(_Model):
    model_config = ConfigDict(title="进城务工人员随迁子女")

    total: Optional[Count] = _field("随迁子女总数", f"义务教育阶段进城务工人员随迁子女人数。{PERSONS}")
    in_public: Optional[Count] = _field("在公办学校和政府购买学位就读", f"在公办学校和政府购买学位就读的随迁子女人数。{PERSONS}")


class LeftBehindChildren(_Model):
    model_config = ConfigDict(title="农村留守儿童")

    total: Optional[Count] = _field("留守儿童总数", f"义务教育阶段农村留守儿童人数。{PERSONS}")
    registered: Optional[Count] = _field("已建档动态管理", f"已建立档案并动态管理的留守儿童人数。{PERSONS}")


class NeedyStudents(_Model):
    model_config = ConfigDict(title="家庭经济困难学生")

    total: Optional[Count] = _field("家庭经济困难学生总数", f"义务教育阶段家庭经济困难学生人数。{PERSONS}")
    funded: Optional[Count] = _field("已资助", f"已获资助的家庭经济困难学生人数。{PERSONS}")


class Equity(_Model):
    model_config = ConfigDict(title="关注弱势群体")

    migrant_children: OptionalObject[MigrantChildren] = _field(
        "进城务工人员随迁子女", f"随迁子女总数及在公办学校和政府购买学位就读人数。{PERSONS}"
    )
    left_behind_children: OptionalObject[LeftBehindChildren] = _field("农村留守儿童", f"农村留守儿童总数及已建档动态管理人数。{PERSONS}")
    needy_students: OptionalObject[NeedyStudents] = _field("家庭经济困难学生", f"家庭经济困难学生总数及已资助人数。{PERSONS}")
    junior_retention_rate: Optional[Rate] = _field(
        "初中三年巩固率", "初中三年巩固率，0 到 1 之间的比率（0.97），也可写成百分数字符串（\"97%\"）。"
    )
    disabled_enrollment_rate: Optional[Rate] = _field(
        "残疾儿童少年入学率", "残疾儿童少年入学率，0 到 1 之间的比率（0.96），也可写成百分数字符串（\"96%\"）。"
    )


# --- schools (学校学段记录) ------------------------------------------------------



class School(_Model):
    """One school section (学段): a nine-year school (九年一贯制) files one record per level."""

    model_config = ConfigDict(title="学校学段记录")

    id: Identifier = _required(
        "学校标识码",
        "学校（学段）记录的标识，在申报中唯一；字符串，1–32 个字母、数字、下划线或连字符，如 \"2150000101\" 或 \"2150000101-P\"。",
    )
    name: Optional[str] = _field("学校名称", "学校名称。")
    level: Literal["primary", "junior"] = _required("学段", "primary（小学）或 junior（初中）。")
    location: Literal["urban", "town", "rural"] = _required("城乡类别", "学校所在地域：urban（城区）、town（镇区）或 rural（乡村）。")
    weak: Optional[bool] = _field("薄弱学校", "是否薄弱学校，true 或 false；默认 false。", default=False)
    teaching_point: Optional[bool] = _field("教学点", "是否教学点，true 或 false；默认 false。", default=False)
    campus: Optional[Identifier] = _field(
        "所属学校",
        "把同一所学校的各学段记录联系起来（九年一贯制学校的小学、初中记录填同一个值，通常为学校标识码）；形式同 id。",
    )
    students: PositiveCount = _required("在校生数", f"在校学生人数，至少为 1。{PERSONS}")
    classes: PositiveCount = _required("班级数", "教学班数量，至少为 1。单位：个 (classes)")
    max_class_size: Optional[Count] = _field("最大班额", f"人数最多的班级的学生数。{PERSONS}")
    land_area: Optional[Amount] = _field("占地面积", f"学校（学段）占地面积。{SQUARE_METRES}")
    building_area: Optional[Amount] = _field("校舍建筑面积", f"校舍建筑面积。{SQUARE_METRES}")
    teaching_aux_area: Optional[Amount] = _field("教学及辅助用房面积", f"教学及辅助用房面积。{SQUARE_METRES}")
    sports_area: Optional[Amount] = _field("体育运动场馆面积", f"体育运动场馆面积。{SQUARE_METRES}")
    equipment_value: Optional[Amount] = _field("教学仪器设备值", f"教学仪器设备资产值。{YUAN}")
    books: Optional[Count] = _field("图书", "图书藏量。单位：册 (volumes)")
    computers: Optional[Count] = _field("学生用计算机", "学生用计算机数量。单位：台 (computers)")
    multimedia_classrooms: Optional[Count] = _field("网络多媒体教室", "网络多媒体教室（班班通）数量。单位：间 (rooms)")
    music_rooms: Optional[Count] = _field("音乐专用教室", "音乐专用教室数量。单位：间 (rooms)")
    art_rooms: Optional[Count] = _field("美术专用教室", "美术专用教室数量。单位：间 (rooms)")
    staff_quota: Optional[Count] = _field("核定教职工编制数", f"核定的教职工编制数。{PERSONS}")
    staff: Optional[Count] = _field("实有在编教职工数", f"实有在编教职工人数。{PERSONS}")
    teachers: Optional[Count] = _field("专任教师数", f"专任教师人数。{PERSONS}")
    teachers_above_degree: Optional[Count] = _field(
        "高于规定学历教师数", f"学历高于规定学历的专任教师人数：小学为专科及以上，初中为本科及以上（含研究生）。{PERSONS}")
    teachers_mid_title: Optional[Count] = _field("中级及以上专业技术职务教师数", f"具有中级及以上专业技术职务的专任教师人数。{PERSONS}")
    backbone_teachers: Optional[Count] = _field("县级以上骨干教师数", f"县级及以上骨干教师人数。{PERSONS}")
    pe_art_teachers: Optional[Count] = _field("体育、艺术专任教师数", f"体育、艺术（音乐、美术）专任教师人数。{PERSONS}")

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        return coerce.school_defaults(data)


# --- the filing -----------------------------------------------------------------


class District(_Model):
    model_config = ConfigDict(title="区县基本信息")

    code: DistrictCode = _required("行政区划代码", "6 位行政区划代码，字符串，首位不为 0，如 \"500108\"。")
    name: str = _required("区县名称", "区县名称，如 南岸区。")
    year: Count = _required("统计年度", "数据所描述的年份，如 2011。单位：年 (year)")
    standard: Optional[Annotated[str, Field(pattern=STANDARD_PATTERN)]] = _field(
        "评估标准",
        "规则包名称：basic（基本均衡/合格区县，默认）、quality（优质均衡），或规则目录定义的其他规则包；"
        "小写字母开头，只含小写字母、数字、下划线和连字符。",
        default="basic",
    )

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        return coerce.district_defaults(data)


class Filing(_Model):
    """What one district submits for one year (区县义务教育均衡发展申报数据), version 1."""

    model_config = ConfigDict(title="区县义务教育均衡发展申报数据")

    schema_version: Annotated[Literal[1], BeforeValidator(coerce.not_a_boolean)] = _required(
        "数据格式版本", "申报数据格式的版本号，本版本为 1。")
    district: District = _required("区县基本信息", "行政区划代码、名称、统计年度和评估标准。")
    finance: Finance = _required("经费保障", f"区县经费保障数据，必填且不能为空；除注明外{WAN_YUAN}。")
    staffing: OptionalObject[Staffing] = _field("教师队伍", f"区县教师交流轮岗、新进教师和新提任校级干部。{PERSONS}")
    survey: OptionalObject[Survey] = _field("社会认可度问卷", f"家长代表、教师代表、人大代表和政协委员的答卷人数与认可人数。{PERSONS}")
    equity: OptionalObject[Equity] = _field("关注弱势群体", "随迁子女、留守儿童、家庭经济困难学生、初中巩固率和残疾儿童少年入学率。")
    schools: list[School] = _required(
        "学校学段记录",
        "每个学校学段一条记录（九年一贯制学校按小学、初中各填一条），至少一条。",
        min_length=1,
    )
