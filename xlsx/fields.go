package xlsx

import (
	"strings"

	"github.com/tuopin/tuopin"
)

// Field levels.
const (
	LevelHousehold = "household" // the same on every row of a household
	LevelMember    = "member"    // one value per member row
)

// Field is a column the decoder recognises. Key is what a Mapping stores;
// Label is the national export's column name. Stored fields become
// tuopin.Household or tuopin.Member fields, or entries of their Details
// (Detail fields: the national field set of tuopin.HouseholdFieldDefs and
// tuopin.MemberFieldDefs, under the catalog's key); the others are
// recognised so that nothing is silently dropped: a mapping reports them
// as recognised but not stored.
type Field struct {
	Key     string
	Label   string // Simplified Chinese, as the national export names it
	LabelEn string
	Level   string // LevelHousehold or LevelMember
	Stored  bool
	// Detail fields are kept in Household.Details or Member.Details; Key
	// is their catalog key (see DetailDef).
	Detail   bool
	CodeKind string // tuopin.CodeAttribute … for coded fields
	// Required fields must be mapped for a household import (see
	// Mapping.Check); area_code may be replaced by the village name
	// when an area resolver is given.
	Required bool
	// Aliases are other header texts seen in real files, in normalised
	// form (see NormalizeHeader).
	Aliases []string
}

// Field keys of the stored fields.
const (
	FieldYear            = "year"
	FieldNumber          = "number"
	FieldAreaCode        = "area_code"
	FieldHeadName        = "head_name"
	FieldSize            = "size"
	FieldAttribute       = "attribute"
	FieldMainCause       = "main_cause"
	FieldIncomePerCapita = "income_per_capita"
	FieldStatus          = "status"
	FieldPhone           = "phone"
	FieldName            = "name"
	FieldSex             = "sex"
	FieldBirthDate       = "birth_date"
	FieldIDNumber        = "id_number"
	FieldRelation        = "relation"
	FieldEducation       = "education"
	FieldHealth          = "health"
	FieldSkill           = "skill"

	FieldProvince = "province"
	FieldCity     = "city"
	FieldCounty   = "county"
	FieldTownship = "township"
	FieldVillage  = "village"
	FieldAreaName = "area_name" // "省、市、县、乡、村" in one column
)

// NationalMemberColumns is the national 47-column member export (domain
// reference §1.3), in its order. The national layout of the encoder writes
// these, then MemberDetailColumns, then HouseholdColumns.
var NationalMemberColumns = []string{
	FieldProvince, FieldCity, FieldCounty, FieldTownship, FieldVillage,
	FieldNumber, "person_number", FieldName, FieldSex, FieldBirthDate, "id_type", FieldIDNumber,
	"ethnicity", FieldPhone, "member_phone", FieldYear, FieldHeadName, "head_id_number",
	FieldRelation, "political_status", "mandarin",
	FieldEducation, "school_status", "dropout_reason",
	FieldHealth, "disability_type", "disability_cert_year", FieldSkill, "work_months", "work_place",
	"employer", "work_abroad", "employment_channel", "industry", "public_job_type", "public_job_months",
	"dibao", "tekun", "critical_illness_insurance", "resident_medical_insurance",
	"employee_medical_insurance", "resident_pension", "employee_pension",
	"commercial_medical_insurance", "medical_aid", "other_health_aid",
	"standard",
}

// MemberDetailColumns are the member fields of the national field set
// (tuopin.MemberFieldDefs) that the 47-column export lacks, in catalog
// order (filled in at init).
var MemberDetailColumns []string

// HouseholdColumns are the household fields the registry keeps that the
// 47-column member export lacks: the core ones, then every field of
// tuopin.HouseholdFieldDefs not among the 47 columns, in catalog order
// (filled in at init). The national layout appends them.
var HouseholdColumns = []string{
	FieldAreaCode, FieldSize, FieldAttribute, FieldMainCause, FieldIncomePerCapita, FieldStatus,
}

// KnownFields lists every recognised field. Entries of the national field
// set get their Level, Stored, Detail and CodeKind from the catalog at
// init, their Label too when it is left empty here (the 47 member columns
// keep the national export's names), and the catalog's labels, with and
// without a unit or "其中：", as aliases. A catalog field missing here is
// added at init.
var KnownFields = []Field{
	{Key: FieldProvince, Label: "省", LabelEn: "Province", Level: LevelHousehold, Aliases: []string{"省份", "省名称", "省(区、市)", "省(自治区、直辖市)", "所属省"}},
	{Key: FieldCity, Label: "市", LabelEn: "City", Level: LevelHousehold, Aliases: []string{"市州", "地市", "市(州)", "市(地、州、盟)", "市名称", "所属市"}},
	{Key: FieldCounty, Label: "县", LabelEn: "County", Level: LevelHousehold, Aliases: []string{"县区", "县(市、区)", "县(市、区、旗)", "县名称", "县名", "所属县"}},
	{Key: FieldTownship, Label: "乡", LabelEn: "Township", Level: LevelHousehold, Aliases: []string{"乡镇", "乡(镇)", "乡(镇、街道)", "乡镇名称", "所属乡镇"}},
	{Key: FieldVillage, Label: "村", LabelEn: "Village", Level: LevelHousehold, Aliases: []string{"行政村", "村名", "村名称", "村(社区)", "所属村", "所在村"}},
	{Key: FieldAreaName, Label: "所在地区", LabelEn: "Area (full name)", Level: LevelHousehold, Aliases: []string{"省、市、县、乡、村", "省市县乡村", "地区名称", "所属地区", "所属村组"}},
	{Key: FieldAreaCode, Label: "行政区划代码", LabelEn: "Village code", Level: LevelHousehold, Stored: true, Required: true, Aliases: []string{"村代码", "村编码", "区划代码", "行政区划编码", "地区编码", "村级代码", "村行政区划代码"}},
	{Key: "group_name", Aliases: []string{"组", "组名", "自然村(组)", "自然村", "村民小组", "所在组别"}},
	{Key: FieldNumber, Label: "户编号", LabelEn: "Household number", Level: LevelHousehold, Stored: true, Required: true, Aliases: []string{"户码", "农户编码", "户编码", "家庭编号", "建档立卡号", "建档立卡户编号", "户号"}},
	{Key: "person_number", Label: "人口编号", Aliases: []string{"人员编号", "成员编号"}},
	{Key: FieldName, Label: "姓名", LabelEn: "Name", Level: LevelMember, Stored: true, Required: true, Aliases: []string{"成员姓名", "家庭成员姓名", "人员姓名"}},
	{Key: FieldSex, Label: "性别", LabelEn: "Sex", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeSex},
	{Key: FieldBirthDate, Label: "出生日期", LabelEn: "Birth date", Level: LevelMember, Stored: true, Aliases: []string{"出生年月", "出生年月日", "出生时间"}},
	{Key: "id_type", Label: "证件类型", Aliases: []string{"身份证件类型"}},
	{Key: FieldIDNumber, Label: "证件号码", LabelEn: "ID number", Level: LevelMember, Stored: true, Required: true, Aliases: []string{"身份证号码", "身份证号", "公民身份号码", "身份证件号码", "成员证件号码", "证件号"}},
	{Key: "ethnicity", Label: "民族"},
	{Key: FieldPhone, Label: "户联系电话", LabelEn: "Household phone", Level: LevelHousehold, Stored: true, Aliases: []string{"联系电话", "电话号码", "电话", "手机号码", "联系方式"}},
	{Key: "member_phone", Label: "成员联系电话", Aliases: []string{"本人联系电话"}},
	{Key: FieldYear, Label: "年度", LabelEn: "Year", Level: LevelHousehold, Stored: true, Aliases: []string{"年份", "统计年度", "数据年度"}},
	{Key: FieldHeadName, Label: "户主姓名", LabelEn: "Head's name", Level: LevelHousehold, Stored: true, Aliases: []string{"户主", "户名"}},
	{Key: "head_id_number", Label: "户主证件号码", LabelEn: "Head's ID number", Level: LevelHousehold, Aliases: []string{"户主身份证号码", "户主身份证号"}},
	{Key: FieldRelation, Label: "与户主关系", LabelEn: "Relation to head", Level: LevelMember, Stored: true, Required: true, CodeKind: tuopin.CodeRelation, Aliases: []string{"户主和与户主关系", "与户主的关系", "家庭关系", "关系"}},
	{Key: "political_status", Label: "政治面貌"},
	{Key: "mandarin", Label: "是否会讲普通话", Aliases: []string{"会讲普通话", "是否会普通话"}},
	{Key: FieldEducation, Label: "文化程度", LabelEn: "Education", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeEducation, Aliases: []string{"学历"}},
	{Key: "school_status", Label: "在校生状况", Aliases: []string{"在校生情况", "在校生", "在校生否", "是否在校生"}},
	{Key: "dropout_reason", Label: "失学或辍学原因", Aliases: []string{"失学辍学原因"}},
	{Key: FieldHealth, Label: "健康状况", LabelEn: "Health", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeHealth, Aliases: []string{"身体状况", "健康情况"}},
	{Key: "disability_type", Label: "残疾类别", Aliases: []string{"残疾类型"}},
	{Key: "disability_cert_year", Label: "残疾证办证年度", Aliases: []string{"残疾证办证年份", "办证年度"}},
	{Key: "disability_cert_no", Label: "残疾证号", Aliases: []string{"残疾证号码", "残疾人证号"}},
	{Key: FieldSkill, Label: "劳动技能", LabelEn: "Labour skill", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeSkill, Aliases: []string{"劳动能力"}},
	{Key: "labour_status", Label: "劳动力状况", LabelEn: "Labour status", Level: LevelMember, Aliases: []string{"劳动力情况"}},
	{Key: "work_months", Label: "务工时间(月)", Aliases: []string{"务工时间", "务工月数"}},
	{Key: "work_place", Label: "务工所在地", Aliases: []string{"务工状况", "打工状况", "务工情况", "务工地点"}},
	{Key: "employer", Label: "务工企业名称", Aliases: []string{"务工单位", "务工单位名称"}},
	{Key: "work_abroad", Label: "是否国外务工", Aliases: []string{"是否境外务工"}},
	{Key: "employment_channel", Label: "就业渠道"},
	{Key: "industry", Label: "产业分类"},
	{Key: "public_job_type", Label: "公益性岗位类型"},
	{Key: "public_job_months", Label: "公益性岗位(月数)", Aliases: []string{"公益性岗位月数"}},
	{Key: "dibao", Label: "是否享受低保", Aliases: []string{"低保人口", "是否低保", "是否为低保、五保", "是否低保对象"}},
	{Key: "tekun", Label: "是否特困供养人员", Aliases: []string{"是否特困供养", "是否五保", "是否特困人员"}},
	{Key: "critical_illness_insurance", Label: "是否参加大病保险"},
	{Key: "resident_medical_insurance", Label: "是否参加新型农村合作医疗(城乡居民基本医疗保险)", Aliases: []string{"是否参加新型农村合作医疗", "是否参加新农合"}},
	{Key: "employee_medical_insurance", Label: "是否参加城镇职工基本医疗保险"},
	{Key: "resident_pension", Label: "是否参加城乡居民基本养老保险"},
	{Key: "employee_pension", Label: "是否参加城镇职工基本养老保险"},
	{Key: "commercial_medical_insurance", Label: "是否参加商业补充医疗保险"},
	{Key: "medical_aid", Label: "是否接受大病医疗救助"},
	{Key: "other_health_aid", Label: "是否接受其他健康扶贫"},
	{Key: "standard", Label: "识别标准"},
	{Key: "allowance_amount", Label: "领取低保金、残疾金(元)", Aliases: []string{"领取低保、五保、残疾金额(元)", "领取低保五保金(元)", "领取低保金、残疾金"}},
	{Key: "age", Label: "年龄", LabelEn: "Age", Level: LevelMember},
	{Key: FieldSize, Label: "家庭人口数", LabelEn: "Household size", Level: LevelHousehold, Stored: true, Aliases: []string{"人口", "人数", "家庭人口", "人口数", "家庭人数"}},
	{Key: "labour_count", Label: "劳动力", LabelEn: "Labourers", Level: LevelHousehold, Aliases: []string{"劳动力人数", "劳动力数"}},
	{Key: FieldAttribute, Label: "贫困户属性", LabelEn: "Household attribute", Level: LevelHousehold, Stored: true, Required: true, CodeKind: tuopin.CodeAttribute, Aliases: []string{"农户属性", "户属性", "家庭属性", "贫困户类型"}},
	{Key: FieldMainCause, Label: "主要致贫原因", LabelEn: "Main cause of poverty", Level: LevelHousehold, Stored: true, Required: true, CodeKind: tuopin.CodeCause, Aliases: []string{"致贫原因", "贫困原因", "主要贫困原因", "贫困类型"}},
	{Key: FieldIncomePerCapita, Label: "人均纯收入", LabelEn: "Income per capita (yuan)", Level: LevelHousehold, Stored: true, Aliases: []string{"人均纯收入(元)", "家庭人均纯收入", "家庭年人均纯收入", "人均收入(元)", "人均收入", "年人均纯收入"}},
	{Key: FieldStatus, Label: "脱贫状态", LabelEn: "Exit status", Level: LevelHousehold, Stored: true, Required: true, CodeKind: tuopin.CodeStatus, Aliases: []string{"脱贫标志", "脱贫属性", "贫困状态"}},

	// The household fields of the national field set, in catalog order.
	{Key: "poor_village_number", Aliases: []string{"贫困村代码"}},
	{Key: "household_type", Aliases: []string{"家庭类型"}},
	{Key: "first_identified_year", Aliases: []string{"首次识别时间", "首次识别年份", "识别年度", "建档立卡年度"}},
	{Key: "planned_exit_year", Aliases: []string{"计划脱贫年份", "计划脱贫时间"}},
	{Key: "exit_year", Aliases: []string{"脱贫年份", "脱贫时间"}},
	{Key: "other_causes", Aliases: []string{"次要致贫原因", "其他致贫原因(多选)"}},
	{Key: "monitoring_type", Aliases: []string{"易返贫致贫户(监测对象)类型", "监测对象类别", "监测户类型"}},
	{Key: "risk_types", Aliases: []string{"风险类型", "返贫致贫风险", "致贫风险", "主要风险类型"}},
	{Key: "risk_identified_date", Aliases: []string{"风险识别日期", "纳入监测时间"}},
	{Key: "risk_eliminated", Aliases: []string{"是否风险消除"}},
	{Key: "risk_elimination_way"},
	{Key: "risk_eliminated_date", Aliases: []string{"风险消除日期"}},
	{Key: tuopin.IncomeWage, Aliases: []string{"工资收入"}},
	{Key: tuopin.IncomePublicJob, Aliases: []string{"公益性岗位收入(元)"}},
	{Key: tuopin.IncomeBusiness, Aliases: []string{"家庭经营性收入(元)", "经营性收入(元)"}},
	{Key: tuopin.IncomeProperty},
	{Key: tuopin.IncomeDividend, Aliases: []string{"资产收益扶贫分红(元)", "资产收益分红收入(元)"}},
	{Key: tuopin.IncomeTransfer},
	{Key: "transfer_family_planning", Aliases: []string{"计划生育奖扶金(元)"}},
	{Key: tuopin.TransferDibao, Aliases: []string{"最低生活保障金(元)"}},
	{Key: tuopin.TransferTekun, Aliases: []string{"五保金(元)", "特困人员救助供养金(元)", "特困供养金、五保金(元)"}},
	{Key: tuopin.TransferPension, Aliases: []string{"养老金或离退休金(元)", "养老金(元)"}},
	{Key: "transfer_eco", Aliases: []string{"生态补偿(元)"}},
	{Key: "transfer_industry_award", Aliases: []string{"产业奖补(元)"}},
	{Key: "transfer_employment_award", Aliases: []string{"就业奖补(元)"}},
	{Key: "transfer_expense_subsidy", Aliases: []string{"专项用于减少生产经营性支出的补贴(元)"}},
	{Key: "transfer_other"},
	{Key: tuopin.ExpenseBusiness},
	{Key: "food_secure", Aliases: []string{"不愁吃"}},
	{Key: "clothing_secure", Aliases: []string{"不愁穿"}},
	{Key: "house_grade", Aliases: []string{"是否危房", "是否危房户", "住房安全等级", "房屋安全等级"}},
	{Key: "water_safe", Aliases: []string{"是否饮水安全", "饮水安全", "是否解决安全饮用水", "饮水是否安全有保障"}},
	{Key: "water_difficult", Aliases: []string{"是否饮水困难", "饮水困难"}},
	{Key: "water_source", Aliases: []string{"饮用水来源", "饮水水源"}},
	{Key: "housing_area", Aliases: []string{"住房面积(m2)", "住房面积(㎡)", "住房(米2)"}},
	{Key: "house_structure", Aliases: []string{"住房结构"}},
	{Key: "house_built_year", Aliases: []string{"建房时间", "建房年份"}},
	{Key: "farmland_area", Aliases: []string{"承包耕地面积(亩)", "耕地(亩)", "耕地", "实际耕地面积(亩)"}},
	{Key: "irrigated_area", Aliases: []string{"有效灌溉耕地面积(亩)"}},
	{Key: "forest_area", Aliases: []string{"林地(亩)"}},
	{Key: "grain_for_green_area", Aliases: []string{"退耕还林(亩)"}},
	{Key: "fruit_area"},
	{Key: "pasture_area", Aliases: []string{"牧草地(亩)"}},
	{Key: "water_surface_area", Aliases: []string{"水面(亩)"}},
	{Key: "production_power", Aliases: []string{"通生产用电"}},
	{Key: "living_power", Aliases: []string{"通生活用电"}},
	{Key: "tv", Aliases: []string{"通广播电视"}},
	{Key: "road_type", Aliases: []string{"入户路"}},
	{Key: "road_distance", Aliases: []string{"距村主干路距离(公里)"}},
	{Key: "fuel", Aliases: []string{"主要燃料", "燃料类型"}},
	{Key: "sanitary_toilet", Aliases: []string{"有无卫生厕所"}},
	{Key: "cooperative", Aliases: []string{"是否加入农民专业合作组织"}},
	{Key: "leading_enterprise"},
	{Key: "entrepreneur"},
	{Key: "relocated", Aliases: []string{"是否易地扶贫搬迁", "易地扶贫搬迁户"}},
	{Key: "relocation_type", Aliases: []string{"搬迁安置方式"}},
	{Key: "helper_name", Aliases: []string{"帮扶人姓名", "帮扶责任人姓名"}},
	{Key: "helper_unit", Aliases: []string{"帮扶人单位", "帮扶人工作单位", "帮扶责任人单位"}},
	{Key: "helper_title", Aliases: []string{"帮扶人工作职务", "帮扶责任人职务"}},
	{Key: "helper_phone", Aliases: []string{"帮扶人电话号码", "帮扶责任人联系电话", "帮扶人电话"}},
}

var (
	fieldByKey   = map[string]*Field{}
	fieldByAlias = map[string]*Field{}
	// detailDefs are the catalog definitions of the Detail fields.
	detailDefs = map[string]*tuopin.FieldDef{}
)

func init() {
	listed := map[string]bool{}
	for _, f := range KnownFields {
		listed[f.Key] = true
	}
	inNational := map[string]bool{}
	for _, k := range NationalMemberColumns {
		inNational[k] = true
	}
	for _, defs := range [][]tuopin.FieldDef{tuopin.HouseholdFieldDefs, tuopin.MemberFieldDefs} {
		for i := range defs {
			def := &defs[i]
			detailDefs[def.Key] = def
			if !listed[def.Key] {
				KnownFields = append(KnownFields, Field{Key: def.Key})
			}
			if inNational[def.Key] {
				continue
			}
			if def.Level == tuopin.LevelMemberField {
				MemberDetailColumns = append(MemberDetailColumns, def.Key)
			} else {
				HouseholdColumns = append(HouseholdColumns, def.Key)
			}
		}
	}
	for i := range KnownFields {
		f := &KnownFields[i]
		def, ok := detailDefs[f.Key]
		if !ok {
			continue
		}
		f.Stored, f.Detail, f.CodeKind = true, true, def.CodeKind
		f.Level = LevelHousehold
		if def.Level == tuopin.LevelMemberField {
			f.Level = LevelMember
		}
		if f.Label == "" {
			f.Label = def.Label
		}
		f.LabelEn = def.LabelEn
		f.Aliases = append(f.Aliases, catalogAliases(def.Label)...)
	}
	for i := range KnownFields {
		f := &KnownFields[i]
		fieldByKey[f.Key] = f
		for _, a := range append([]string{f.Label}, f.Aliases...) {
			n := NormalizeHeader(a)
			if prev, dup := fieldByAlias[n]; dup && prev != f {
				panic("xlsx: header alias " + a + " names both " + prev.Key + " and " + f.Key)
			}
			fieldByAlias[n] = f
		}
	}
	// English labels too, so that an English export reads back.
	for i := range KnownFields {
		f := &KnownFields[i]
		if n := NormalizeHeader(f.LabelEn); n != "" {
			if _, dup := fieldByAlias[n]; !dup {
				fieldByAlias[n] = f
			}
		}
	}
}

// catalogAliases are the header texts a catalog label stands for beside
// itself: without its unit ("工资性收入" for "工资性收入(元)") and without
// a leading "其中：" ("公益性岗位收入(元)", "公益性岗位收入").
func catalogAliases(label string) []string {
	n := NormalizeHeader(label)
	out := []string{n}
	if rest, ok := strings.CutPrefix(n, "其中:"); ok && rest != "" {
		out = append(out, rest)
	}
	for _, a := range out {
		if i := strings.LastIndexByte(a, '('); i > 0 && strings.HasSuffix(a, ")") && unitNotes[a[i+1:len(a)-1]] {
			out = append(out, a[:i])
		}
	}
	return out
}

// unitNotes are the parenthesised units a header may leave out.
var unitNotes = map[string]bool{"元": true, "亩": true, "平方米": true, "m2": true, "㎡": true, "公里": true, "月": true}

// DetailDef returns the catalog definition of a Detail field.
func DetailDef(key string) (tuopin.FieldDef, bool) {
	def, ok := detailDefs[key]
	if !ok {
		return tuopin.FieldDef{}, false
	}
	return *def, true
}

// LookupField returns the field with a key.
func LookupField(key string) (Field, bool) {
	f, ok := fieldByKey[key]
	if !ok {
		return Field{}, false
	}
	return *f, true
}

// MatchHeader returns the field a header text names, after normalisation;
// a parenthesised unit or note is ignored when the text does not match
// with it ("务工时间(月)", "人均纯收入（元）"), unless it is in 万 (ten
// thousands: "(万元)" is not a column of yuan), and so is a leading
// "其中：" ("其中：低保金").
func MatchHeader(text string) (Field, bool) {
	n := NormalizeHeader(text)
	if n == "" {
		return Field{}, false
	}
	if f, ok := matchNormalized(n); ok {
		return f, true
	}
	for _, p := range []string{"其中:", "其中"} {
		if rest, ok := strings.CutPrefix(n, p); ok && rest != "" {
			return matchNormalized(rest)
		}
	}
	return Field{}, false
}

func matchNormalized(n string) (Field, bool) {
	if f, ok := fieldByAlias[n]; ok {
		return *f, true
	}
	if i := strings.IndexByte(n, '('); i > 0 && !strings.Contains(n[i:], "万") {
		if f, ok := fieldByAlias[n[:i]]; ok {
			return *f, true
		}
	}
	return Field{}, false
}
