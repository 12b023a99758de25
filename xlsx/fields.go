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
// tuopin.Household or tuopin.Member fields; the others are recognised so
// that nothing is silently dropped: a mapping reports them as recognised
// but not stored, and the app may keep them once the domain does.
type Field struct {
	Key      string
	Label    string // Simplified Chinese, as the national export names it
	LabelEn  string
	Level    string // LevelHousehold or LevelMember
	Stored   bool
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
// these, then HouseholdColumns.
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

// HouseholdColumns are the household fields the registry keeps that the
// 47-column member export lacks; the national layout appends them.
var HouseholdColumns = []string{
	FieldAreaCode, FieldSize, FieldAttribute, FieldMainCause, FieldIncomePerCapita, FieldStatus,
}

// KnownFields lists every recognised field.
var KnownFields = []Field{
	{Key: FieldProvince, Label: "省", LabelEn: "Province", Level: LevelHousehold, Aliases: []string{"省份", "省名称", "省(区、市)", "省(自治区、直辖市)", "所属省"}},
	{Key: FieldCity, Label: "市", LabelEn: "City", Level: LevelHousehold, Aliases: []string{"市州", "地市", "市(州)", "市(地、州、盟)", "市名称", "所属市"}},
	{Key: FieldCounty, Label: "县", LabelEn: "County", Level: LevelHousehold, Aliases: []string{"县区", "县(市、区)", "县(市、区、旗)", "县名称", "县名", "所属县"}},
	{Key: FieldTownship, Label: "乡", LabelEn: "Township", Level: LevelHousehold, Aliases: []string{"乡镇", "乡(镇)", "乡(镇、街道)", "乡镇名称", "所属乡镇"}},
	{Key: FieldVillage, Label: "村", LabelEn: "Village", Level: LevelHousehold, Aliases: []string{"行政村", "村名", "村名称", "村(社区)", "所属村", "所在村"}},
	{Key: FieldAreaName, Label: "所在地区", LabelEn: "Area (full name)", Level: LevelHousehold, Aliases: []string{"省、市、县、乡、村", "省市县乡村", "地区名称", "所属地区", "所属村组"}},
	{Key: FieldAreaCode, Label: "行政区划代码", LabelEn: "Village code", Level: LevelHousehold, Stored: true, Required: true, Aliases: []string{"村代码", "村编码", "区划代码", "行政区划编码", "地区编码", "村级代码", "村行政区划代码"}},
	{Key: "group", Label: "所在组", LabelEn: "Village group", Level: LevelHousehold, Aliases: []string{"组", "组名", "自然村(组)", "自然村", "村民小组"}},
	{Key: FieldNumber, Label: "户编号", LabelEn: "Household number", Level: LevelHousehold, Stored: true, Required: true, Aliases: []string{"户码", "农户编码", "户编码", "家庭编号", "建档立卡号", "建档立卡户编号", "户号"}},
	{Key: "person_number", Label: "人口编号", LabelEn: "Person number", Level: LevelMember, Aliases: []string{"人员编号", "成员编号"}},
	{Key: FieldName, Label: "姓名", LabelEn: "Name", Level: LevelMember, Stored: true, Required: true, Aliases: []string{"成员姓名", "家庭成员姓名", "人员姓名"}},
	{Key: FieldSex, Label: "性别", LabelEn: "Sex", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeSex},
	{Key: FieldBirthDate, Label: "出生日期", LabelEn: "Birth date", Level: LevelMember, Stored: true, Aliases: []string{"出生年月", "出生年月日", "出生时间"}},
	{Key: "id_type", Label: "证件类型", LabelEn: "ID type", Level: LevelMember},
	{Key: FieldIDNumber, Label: "证件号码", LabelEn: "ID number", Level: LevelMember, Stored: true, Required: true, Aliases: []string{"身份证号码", "身份证号", "公民身份号码", "身份证件号码", "成员证件号码", "证件号"}},
	{Key: "ethnicity", Label: "民族", LabelEn: "Ethnicity", Level: LevelMember},
	{Key: FieldPhone, Label: "户联系电话", LabelEn: "Household phone", Level: LevelHousehold, Stored: true, Aliases: []string{"联系电话", "电话号码", "电话", "手机号码", "联系方式"}},
	{Key: "member_phone", Label: "成员联系电话", LabelEn: "Member phone", Level: LevelMember, Aliases: []string{"本人联系电话"}},
	{Key: FieldYear, Label: "年度", LabelEn: "Year", Level: LevelHousehold, Stored: true, Aliases: []string{"年份", "统计年度", "数据年度"}},
	{Key: FieldHeadName, Label: "户主姓名", LabelEn: "Head's name", Level: LevelHousehold, Stored: true, Aliases: []string{"户主", "户名"}},
	{Key: "head_id_number", Label: "户主证件号码", LabelEn: "Head's ID number", Level: LevelHousehold, Aliases: []string{"户主身份证号码", "户主身份证号"}},
	{Key: FieldRelation, Label: "与户主关系", LabelEn: "Relation to head", Level: LevelMember, Stored: true, Required: true, CodeKind: tuopin.CodeRelation, Aliases: []string{"户主和与户主关系", "与户主的关系", "家庭关系", "关系"}},
	{Key: "political_status", Label: "政治面貌", LabelEn: "Political status", Level: LevelMember},
	{Key: "mandarin", Label: "是否会讲普通话", LabelEn: "Speaks Mandarin", Level: LevelMember},
	{Key: FieldEducation, Label: "文化程度", LabelEn: "Education", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeEducation, Aliases: []string{"学历"}},
	{Key: "school_status", Label: "在校生状况", LabelEn: "School status", Level: LevelMember, Aliases: []string{"在校生情况", "在校生", "在校生否", "是否在校生"}},
	{Key: "dropout_reason", Label: "失学或辍学原因", LabelEn: "Reason for leaving school", Level: LevelMember},
	{Key: FieldHealth, Label: "健康状况", LabelEn: "Health", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeHealth, Aliases: []string{"身体状况", "健康情况"}},
	{Key: "disability_type", Label: "残疾类别", LabelEn: "Disability type", Level: LevelMember},
	{Key: "disability_cert_year", Label: "残疾证办证年度", LabelEn: "Disability card year", Level: LevelMember},
	{Key: "disability_cert_no", Label: "残疾证号", LabelEn: "Disability card number", Level: LevelMember},
	{Key: FieldSkill, Label: "劳动技能", LabelEn: "Labour skill", Level: LevelMember, Stored: true, CodeKind: tuopin.CodeSkill, Aliases: []string{"劳动能力"}},
	{Key: "labour_status", Label: "劳动力状况", LabelEn: "Labour status", Level: LevelMember, Aliases: []string{"劳动力情况"}},
	{Key: "work_months", Label: "务工时间(月)", LabelEn: "Months in work", Level: LevelMember, Aliases: []string{"务工时间"}},
	{Key: "work_place", Label: "务工所在地", LabelEn: "Place of work", Level: LevelMember, Aliases: []string{"务工状况", "打工状况", "务工情况", "务工地点"}},
	{Key: "employer", Label: "务工企业名称", LabelEn: "Employer", Level: LevelMember},
	{Key: "work_abroad", Label: "是否国外务工", LabelEn: "Works abroad", Level: LevelMember},
	{Key: "employment_channel", Label: "就业渠道", LabelEn: "Employment channel", Level: LevelMember},
	{Key: "industry", Label: "产业分类", LabelEn: "Industry", Level: LevelMember},
	{Key: "public_job_type", Label: "公益性岗位类型", LabelEn: "Public-welfare job type", Level: LevelMember},
	{Key: "public_job_months", Label: "公益性岗位(月数)", LabelEn: "Public-welfare job months", Level: LevelMember, Aliases: []string{"公益性岗位月数"}},
	{Key: "dibao", Label: "是否享受低保", LabelEn: "Receives dibao", Level: LevelMember, Aliases: []string{"低保人口", "是否低保", "是否为低保、五保"}},
	{Key: "tekun", Label: "是否特困供养人员", LabelEn: "Destitute support", Level: LevelMember},
	{Key: "critical_illness_insurance", Label: "是否参加大病保险", LabelEn: "Critical illness insurance", Level: LevelMember},
	{Key: "resident_medical_insurance", Label: "是否参加新型农村合作医疗(城乡居民基本医疗保险)", LabelEn: "Resident medical insurance", Level: LevelMember, Aliases: []string{"是否参加新型农村合作医疗", "是否参加城乡居民基本医疗保险"}},
	{Key: "employee_medical_insurance", Label: "是否参加城镇职工基本医疗保险", LabelEn: "Employee medical insurance", Level: LevelMember},
	{Key: "resident_pension", Label: "是否参加城乡居民基本养老保险", LabelEn: "Resident pension", Level: LevelMember},
	{Key: "employee_pension", Label: "是否参加城镇职工基本养老保险", LabelEn: "Employee pension", Level: LevelMember},
	{Key: "commercial_medical_insurance", Label: "是否参加商业补充医疗保险", LabelEn: "Commercial medical insurance", Level: LevelMember},
	{Key: "medical_aid", Label: "是否接受大病医疗救助", LabelEn: "Critical illness aid", Level: LevelMember},
	{Key: "other_health_aid", Label: "是否接受其他健康扶贫", LabelEn: "Other health aid", Level: LevelMember},
	{Key: "standard", Label: "识别标准", LabelEn: "Identification standard", Level: LevelHousehold},
	{Key: "allowance_amount", Label: "领取低保金、残疾金(元)", LabelEn: "Allowances received (yuan)", Level: LevelMember, Aliases: []string{"领取低保、五保、残疾金额(元)", "领取低保五保金(元)", "领取低保金、残疾金"}},
	{Key: "age", Label: "年龄", LabelEn: "Age", Level: LevelMember},
	{Key: FieldSize, Label: "家庭人口数", LabelEn: "Household size", Level: LevelHousehold, Stored: true, Aliases: []string{"人口", "人数", "家庭人口", "人口数", "家庭人数"}},
	{Key: "labour_count", Label: "劳动力", LabelEn: "Labourers", Level: LevelHousehold, Aliases: []string{"劳动力人数", "劳动力数"}},
	{Key: "farmland_area", Label: "承包耕地面积(亩)", LabelEn: "Farmland (mu)", Level: LevelHousehold, Aliases: []string{"耕地面积", "耕地(亩)", "耕地"}},
	{Key: "housing_area", Label: "住房面积(m2)", LabelEn: "Housing area (m²)", Level: LevelHousehold, Aliases: []string{"住房面积", "住房(米2)"}},
	{Key: FieldAttribute, Label: "贫困户属性", LabelEn: "Household attribute", Level: LevelHousehold, Stored: true, Required: true, CodeKind: tuopin.CodeAttribute, Aliases: []string{"农户属性", "户属性", "家庭属性", "贫困户类型"}},
	{Key: FieldMainCause, Label: "主要致贫原因", LabelEn: "Main cause of poverty", Level: LevelHousehold, Stored: true, Required: true, CodeKind: tuopin.CodeCause, Aliases: []string{"致贫原因", "贫困原因", "主要贫困原因", "贫困类型"}},
	{Key: "secondary_cause", Label: "其他致贫原因", LabelEn: "Other causes", Level: LevelHousehold, Aliases: []string{"次要致贫原因"}},
	{Key: FieldIncomePerCapita, Label: "人均纯收入", LabelEn: "Income per capita (yuan)", Level: LevelHousehold, Stored: true, Aliases: []string{"人均纯收入(元)", "家庭人均纯收入", "家庭年人均纯收入", "人均收入(元)", "人均收入", "年人均纯收入"}},
	{Key: FieldStatus, Label: "脱贫状态", LabelEn: "Exit status", Level: LevelHousehold, Stored: true, Required: true, CodeKind: tuopin.CodeStatus, Aliases: []string{"脱贫标志", "脱贫属性", "贫困状态"}},
	{Key: "exit_year", Label: "脱贫年度", LabelEn: "Exit year", Level: LevelHousehold, Aliases: []string{"脱贫年份"}},
	{Key: "first_identified", Label: "首次识别时间", LabelEn: "First identified", Level: LevelHousehold},
	{Key: "poor_village_number", Label: "贫困村编号", LabelEn: "Poor village number", Level: LevelHousehold},
	{Key: "household_type", Label: "户类型", LabelEn: "Household type", Level: LevelHousehold, Aliases: []string{"家庭类型"}},
	{Key: "helper_name", Label: "帮扶人姓名", LabelEn: "Helper's name", Level: LevelHousehold, Aliases: []string{"帮扶责任人"}},
	{Key: "helper_phone", Label: "帮扶人电话号码", LabelEn: "Helper's phone", Level: LevelHousehold, Aliases: []string{"帮扶人联系电话"}},
	{Key: "helper_title", Label: "帮扶人职务", LabelEn: "Helper's post", Level: LevelHousehold, Aliases: []string{"帮扶人工作职务"}},
}

var (
	fieldByKey   = map[string]*Field{}
	fieldByAlias = map[string]*Field{}
)

func init() {
	for i := range KnownFields {
		f := &KnownFields[i]
		fieldByKey[f.Key] = f
		for _, a := range append([]string{f.Label}, f.Aliases...) {
			n := NormalizeHeader(a)
			if _, dup := fieldByAlias[n]; dup {
				panic("xlsx: header alias " + a + " is listed twice")
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
// with it ("务工时间(月)", "人均纯收入（元）").
func MatchHeader(text string) (Field, bool) {
	n := NormalizeHeader(text)
	if n == "" {
		return Field{}, false
	}
	if f, ok := fieldByAlias[n]; ok {
		return *f, true
	}
	if i := strings.IndexByte(n, '('); i > 0 {
		if f, ok := fieldByAlias[n[:i]]; ok {
			return *f, true
		}
	}
	return Field{}, false
}
