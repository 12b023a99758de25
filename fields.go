package tuopin

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The national field set. Beyond the few fields every list needs (number,
// area, head, size, attribute, main cause, income per capita, status), a
// household and its members carry the long tail of the national model
// (domain.md §1.2, §1.3): identification, monitoring, the income
// components, 两不愁三保障 and living conditions, the help cadre on file;
// for members the 47-column export. They are described once, here, as
// FieldDefs; forms, imports, exports, storage and validation all read the
// catalog, so a field is added in one place (plus its column in a
// migration).
//
// Values live in Household.Details and Member.Details as canonical strings:
//
//	FieldText   the text, trimmed
//	FieldCode   one code of the field's code table ("1")
//	FieldCodes  several codes, comma-separated, in order, no repeats ("01,05")
//	FieldInt    a decimal integer ("2016")
//	FieldDecimal a number with up to two decimals, no trailing zeros ("3.5")
//	FieldMoney  yuan with two decimals ("3146.50")
//	FieldDate   DateLayout ("2016-05-01")
//
// An absent key means "not recorded", which is not the same as 0 or 否.

// FieldType is how a field's value is written and stored.
type FieldType string

// Field types.
const (
	FieldText    FieldType = "text"
	FieldCode    FieldType = "code"
	FieldCodes   FieldType = "codes"
	FieldInt     FieldType = "int"
	FieldDecimal FieldType = "decimal"
	FieldMoney   FieldType = "money"
	FieldDate    FieldType = "date"
)

// Field levels.
const (
	LevelHouseholdField = "household"
	LevelMemberField    = "member"
)

// Sections group the fields on forms and in the readable layout.
const (
	SectionBasic      = "basic"      // 基本信息
	SectionMonitoring = "monitoring" // 防返贫监测
	SectionIncome     = "income"     // 收入情况
	SectionLiving     = "living"     // 两不愁三保障 与 生产生活条件
	SectionHelp       = "help"       // 帮扶责任人
	SectionIdentity   = "identity"   // member: 身份
	SectionEducation  = "education"  // member: 教育
	SectionWork       = "work"       // member: 健康、劳动与务工
	SectionSecurity   = "security"   // member: 社会保障
)

// FieldDef describes one field of the national model.
type FieldDef struct {
	Key      string // the column name and the Details key; persisted, never rename
	Label    string // Simplified Chinese, as on national forms and exports
	LabelEn  string
	Level    string // LevelHouseholdField or LevelMemberField
	Section  string
	Type     FieldType
	CodeKind string // for FieldCode and FieldCodes
	// Min and Max bound FieldInt values, and FieldDecimal and FieldMoney
	// values in yuan / units (0, 0 = only non-negative).
	Min, Max int64
	MaxLen   int // for FieldText (runes); 0 = 100
	// Of names the field this one is a part of ("其中"): its value may not
	// exceed that field's.
	Of string
}

// Income component keys (收入构成, domain.md §1.2). Transfer parts sum to
// income_transfer; income_public_job is part of income_wage and
// income_asset_dividend part of income_property.
const (
	IncomeWage       = "income_wage"
	IncomePublicJob  = "income_public_job"
	IncomeBusiness   = "income_business"
	IncomeProperty   = "income_property"
	IncomeDividend   = "income_asset_dividend"
	IncomeTransfer   = "income_transfer"
	ExpenseBusiness  = "expense_business"
	TransferPension  = "transfer_pension"
	TransferDibao    = "transfer_dibao"
	TransferTekun    = "transfer_tekun"
	maxDetailTextLen = 100
)

// IncomeComponentKeys are the income fields a counting rule may exclude
// from net income (ParamIncomeExcluded): the four kinds and every transfer
// part.
var IncomeComponentKeys = []string{
	IncomeWage, IncomePublicJob, IncomeBusiness, IncomeProperty, IncomeDividend, IncomeTransfer,
	"transfer_family_planning", TransferDibao, TransferTekun, TransferPension, "transfer_eco",
	"transfer_industry_award", "transfer_employment_award", "transfer_expense_subsidy", "transfer_other",
}

// HouseholdFieldDefs are the household fields beyond the core columns, in
// form order.
var HouseholdFieldDefs = []FieldDef{
	{Key: "group_name", Label: "所在组", LabelEn: "Village group", Section: SectionBasic, Type: FieldText, MaxLen: 50},
	{Key: "poor_village_number", Label: "贫困村编号", LabelEn: "Poor village number", Section: SectionBasic, Type: FieldText, MaxLen: 32},
	{Key: "standard", Label: "识别标准", LabelEn: "Identification standard", Section: SectionBasic, Type: FieldCode, CodeKind: CodeStandard},
	{Key: "household_type", Label: "户类型", LabelEn: "Household type", Section: SectionBasic, Type: FieldCode, CodeKind: CodeHouseholdType},
	{Key: "first_identified_year", Label: "首次识别年度", LabelEn: "First identified (year)", Section: SectionBasic, Type: FieldInt, Min: 2000, Max: 2100},
	{Key: "planned_exit_year", Label: "计划脱贫年度", LabelEn: "Planned exit year", Section: SectionBasic, Type: FieldInt, Min: 2000, Max: 2100},
	{Key: "exit_year", Label: "脱贫年度", LabelEn: "Exit year", Section: SectionBasic, Type: FieldInt, Min: 2000, Max: 2100},
	{Key: "other_causes", Label: "其他致贫原因", LabelEn: "Other causes of poverty", Section: SectionBasic, Type: FieldCodes, CodeKind: CodeCause},

	{Key: "monitoring_type", Label: "监测对象类型", LabelEn: "Monitoring category", Section: SectionMonitoring, Type: FieldCode, CodeKind: CodeMonitoringType},
	{Key: "risk_types", Label: "致贫返贫风险", LabelEn: "Risks", Section: SectionMonitoring, Type: FieldCodes, CodeKind: CodeRisk},
	{Key: "risk_identified_date", Label: "风险识别时间", LabelEn: "Risk identified on", Section: SectionMonitoring, Type: FieldDate},
	{Key: "risk_eliminated", Label: "风险是否消除", LabelEn: "Risk eliminated", Section: SectionMonitoring, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "risk_elimination_way", Label: "风险消除方式", LabelEn: "How the risk was eliminated", Section: SectionMonitoring, Type: FieldCode, CodeKind: CodeElimination},
	{Key: "risk_eliminated_date", Label: "风险消除时间", LabelEn: "Risk eliminated on", Section: SectionMonitoring, Type: FieldDate},

	{Key: IncomeWage, Label: "工资性收入(元)", LabelEn: "Wage income (yuan)", Section: SectionIncome, Type: FieldMoney},
	{Key: IncomePublicJob, Label: "其中：公益性岗位收入(元)", LabelEn: "of which public-welfare jobs (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeWage},
	{Key: IncomeBusiness, Label: "生产经营性收入(元)", LabelEn: "Business income (yuan)", Section: SectionIncome, Type: FieldMoney},
	{Key: IncomeProperty, Label: "财产性收入(元)", LabelEn: "Property income (yuan)", Section: SectionIncome, Type: FieldMoney},
	{Key: IncomeDividend, Label: "其中：资产收益扶贫分红收入(元)", LabelEn: "of which asset-income dividends (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeProperty},
	{Key: IncomeTransfer, Label: "转移性收入(元)", LabelEn: "Transfer income (yuan)", Section: SectionIncome, Type: FieldMoney},
	{Key: "transfer_family_planning", Label: "计划生育金(元)", LabelEn: "Family-planning payments (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: TransferDibao, Label: "低保金(元)", LabelEn: "Minimum living allowance (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: TransferTekun, Label: "特困供养金(元)", LabelEn: "Destitute support (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: TransferPension, Label: "养老保险金(元)", LabelEn: "Pension (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: "transfer_eco", Label: "生态补偿金(元)", LabelEn: "Ecological compensation (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: "transfer_industry_award", Label: "产业奖励(元)", LabelEn: "Industry awards (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: "transfer_employment_award", Label: "就业奖励(元)", LabelEn: "Employment awards (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: "transfer_expense_subsidy", Label: "减少生产经营性支出补贴(元)", LabelEn: "Subsidies reducing business costs (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: "transfer_other", Label: "其他转移性收入(元)", LabelEn: "Other transfers (yuan)", Section: SectionIncome, Type: FieldMoney, Of: IncomeTransfer},
	{Key: ExpenseBusiness, Label: "生产经营性支出(元)", LabelEn: "Business expenses (yuan)", Section: SectionIncome, Type: FieldMoney},

	{Key: "food_secure", Label: "是否不愁吃", LabelEn: "Enough to eat", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "clothing_secure", Label: "是否不愁穿", LabelEn: "Enough to wear", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "house_grade", Label: "危房等级", LabelEn: "Housing safety grade", Section: SectionLiving, Type: FieldCode, CodeKind: CodeHouseGrade},
	{Key: "water_safe", Label: "饮水是否安全", LabelEn: "Safe drinking water", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "water_difficult", Label: "饮水是否困难", LabelEn: "Difficult access to water", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "water_source", Label: "饮用水源", LabelEn: "Drinking-water source", Section: SectionLiving, Type: FieldCode, CodeKind: CodeWaterSource},
	{Key: "housing_area", Label: "住房面积(平方米)", LabelEn: "Housing area (m²)", Section: SectionLiving, Type: FieldDecimal, Max: 10000},
	{Key: "house_structure", Label: "房屋结构", LabelEn: "House structure", Section: SectionLiving, Type: FieldCode, CodeKind: CodeStructure},
	{Key: "house_built_year", Label: "建房年度", LabelEn: "Year built", Section: SectionLiving, Type: FieldInt, Min: 1900, Max: 2100},
	{Key: "farmland_area", Label: "耕地面积(亩)", LabelEn: "Farmland (mu)", Section: SectionLiving, Type: FieldDecimal, Max: 10000},
	{Key: "irrigated_area", Label: "有效灌溉面积(亩)", LabelEn: "Irrigated land (mu)", Section: SectionLiving, Type: FieldDecimal, Max: 10000, Of: "farmland_area"},
	{Key: "forest_area", Label: "林地面积(亩)", LabelEn: "Forest land (mu)", Section: SectionLiving, Type: FieldDecimal, Max: 100000},
	{Key: "grain_for_green_area", Label: "退耕还林面积(亩)", LabelEn: "Grain-for-green land (mu)", Section: SectionLiving, Type: FieldDecimal, Max: 100000},
	{Key: "fruit_area", Label: "林果面积(亩)", LabelEn: "Orchards (mu)", Section: SectionLiving, Type: FieldDecimal, Max: 100000},
	{Key: "pasture_area", Label: "牧草地面积(亩)", LabelEn: "Pasture (mu)", Section: SectionLiving, Type: FieldDecimal, Max: 100000},
	{Key: "water_surface_area", Label: "水面面积(亩)", LabelEn: "Water surface (mu)", Section: SectionLiving, Type: FieldDecimal, Max: 100000},
	{Key: "production_power", Label: "是否通生产用电", LabelEn: "Power for production", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "living_power", Label: "是否通生活用电", LabelEn: "Household electricity", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "tv", Label: "是否通广播电视", LabelEn: "Radio and TV", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "road_type", Label: "入户路类型", LabelEn: "Road to the house", Section: SectionLiving, Type: FieldCode, CodeKind: CodeRoad},
	{Key: "road_distance", Label: "与村主干路距离(公里)", LabelEn: "Distance to the village road (km)", Section: SectionLiving, Type: FieldDecimal, Max: 1000},
	{Key: "fuel", Label: "主要燃料类型", LabelEn: "Main fuel", Section: SectionLiving, Type: FieldCode, CodeKind: CodeFuel},
	{Key: "sanitary_toilet", Label: "是否有卫生厕所", LabelEn: "Sanitary toilet", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "cooperative", Label: "是否加入农民专业合作社", LabelEn: "Member of a cooperative", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "leading_enterprise", Label: "是否有龙头企业带动", LabelEn: "Led by an agribusiness", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "entrepreneur", Label: "是否有创业致富带头人带动", LabelEn: "Led by a local entrepreneur", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "relocated", Label: "是否易地扶贫搬迁户", LabelEn: "Relocated household", Section: SectionLiving, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "relocation_type", Label: "安置方式", LabelEn: "Resettlement", Section: SectionLiving, Type: FieldCode, CodeKind: CodeRelocation},

	{Key: "helper_name", Label: "帮扶责任人", LabelEn: "Help cadre", Section: SectionHelp, Type: FieldText, MaxLen: 50},
	{Key: "helper_unit", Label: "帮扶单位", LabelEn: "Help cadre's unit", Section: SectionHelp, Type: FieldText, MaxLen: 100},
	{Key: "helper_title", Label: "帮扶人职务", LabelEn: "Help cadre's post", Section: SectionHelp, Type: FieldText, MaxLen: 50},
	{Key: "helper_phone", Label: "帮扶人联系电话", LabelEn: "Help cadre's phone", Section: SectionHelp, Type: FieldText, MaxLen: 20},
}

// MemberFieldDefs are the member fields beyond the core columns, in the
// order of the national 47-column export.
var MemberFieldDefs = []FieldDef{
	{Key: "person_number", Label: "人口编号", LabelEn: "Person number", Section: SectionIdentity, Type: FieldText, MaxLen: 32},
	{Key: "id_type", Label: "证件类型", LabelEn: "ID type", Section: SectionIdentity, Type: FieldCode, CodeKind: CodeIDType},
	{Key: "ethnicity", Label: "民族", LabelEn: "Ethnicity", Section: SectionIdentity, Type: FieldCode, CodeKind: CodeEthnicity},
	{Key: "member_phone", Label: "成员联系电话", LabelEn: "Member's phone", Section: SectionIdentity, Type: FieldText, MaxLen: 20},
	{Key: "political_status", Label: "政治面貌", LabelEn: "Political status", Section: SectionIdentity, Type: FieldCode, CodeKind: CodePolitical},
	{Key: "mandarin", Label: "是否会讲普通话", LabelEn: "Speaks Mandarin", Section: SectionIdentity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "school_status", Label: "在校生状况", LabelEn: "School status", Section: SectionEducation, Type: FieldCode, CodeKind: CodeSchoolStatus},
	{Key: "dropout_reason", Label: "失学或辍学原因", LabelEn: "Reason for leaving school", Section: SectionEducation, Type: FieldText, MaxLen: 100},
	{Key: "disability_type", Label: "残疾类别", LabelEn: "Disability type", Section: SectionWork, Type: FieldCode, CodeKind: CodeDisability},
	{Key: "disability_cert_year", Label: "残疾证办证年度", LabelEn: "Disability card year", Section: SectionWork, Type: FieldInt, Min: 1980, Max: 2100},
	{Key: "disability_cert_no", Label: "残疾证号", LabelEn: "Disability card number", Section: SectionWork, Type: FieldText, MaxLen: 32},
	{Key: "work_months", Label: "务工时间(月)", LabelEn: "Months in work", Section: SectionWork, Type: FieldInt, Min: 0, Max: 12},
	{Key: "work_place", Label: "务工所在地", LabelEn: "Place of work", Section: SectionWork, Type: FieldCode, CodeKind: CodeWorkPlace},
	{Key: "employer", Label: "务工企业名称", LabelEn: "Employer", Section: SectionWork, Type: FieldText, MaxLen: 100},
	{Key: "work_abroad", Label: "是否国外务工", LabelEn: "Works abroad", Section: SectionWork, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "employment_channel", Label: "就业渠道", LabelEn: "Employment channel", Section: SectionWork, Type: FieldText, MaxLen: 50},
	{Key: "industry", Label: "产业分类", LabelEn: "Industry", Section: SectionWork, Type: FieldText, MaxLen: 50},
	{Key: "public_job_type", Label: "公益性岗位类型", LabelEn: "Public-welfare job type", Section: SectionWork, Type: FieldText, MaxLen: 50},
	{Key: "public_job_months", Label: "公益性岗位(月数)", LabelEn: "Public-welfare job months", Section: SectionWork, Type: FieldInt, Min: 0, Max: 12},
	{Key: "dibao", Label: "是否享受低保", LabelEn: "Receives dibao", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "tekun", Label: "是否特困供养人员", LabelEn: "Destitute support", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "critical_illness_insurance", Label: "是否参加大病保险", LabelEn: "Critical illness insurance", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "resident_medical_insurance", Label: "是否参加城乡居民基本医疗保险", LabelEn: "Resident medical insurance", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "employee_medical_insurance", Label: "是否参加城镇职工基本医疗保险", LabelEn: "Employee medical insurance", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "resident_pension", Label: "是否参加城乡居民基本养老保险", LabelEn: "Resident pension", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "employee_pension", Label: "是否参加城镇职工基本养老保险", LabelEn: "Employee pension", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "commercial_medical_insurance", Label: "是否参加商业补充医疗保险", LabelEn: "Commercial medical insurance", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "medical_aid", Label: "是否接受大病医疗救助", LabelEn: "Critical illness aid", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "other_health_aid", Label: "是否接受其他健康扶贫", LabelEn: "Other health aid", Section: SectionSecurity, Type: FieldCode, CodeKind: CodeYesNo},
	{Key: "allowance_amount", Label: "领取低保金、残疾金(元)", LabelEn: "Allowances received (yuan)", Section: SectionSecurity, Type: FieldMoney},
}

var (
	householdFieldByKey = map[string]*FieldDef{}
	memberFieldByKey    = map[string]*FieldDef{}
)

func init() {
	for i := range HouseholdFieldDefs {
		f := &HouseholdFieldDefs[i]
		f.Level = LevelHouseholdField
		householdFieldByKey[f.Key] = f
	}
	for i := range MemberFieldDefs {
		f := &MemberFieldDefs[i]
		f.Level = LevelMemberField
		memberFieldByKey[f.Key] = f
	}
}

// HouseholdFieldDef returns the household field with a key.
func HouseholdFieldDef(key string) (FieldDef, bool) {
	f, ok := householdFieldByKey[key]
	if !ok {
		return FieldDef{}, false
	}
	return *f, true
}

// MemberFieldDef returns the member field with a key.
func MemberFieldDef(key string) (FieldDef, bool) {
	f, ok := memberFieldByKey[key]
	if !ok {
		return FieldDef{}, false
	}
	return *f, true
}

// Numeric reports whether the field's column holds a number (int, decimal
// in hundredths, money in fen) rather than text.
func (f FieldDef) Numeric() bool {
	return f.Type == FieldInt || f.Type == FieldDecimal || f.Type == FieldMoney
}

// Normalize returns the canonical form of a value, or an error saying what
// is wrong with it in terms of this field. Codes are checked against the
// code set for the year; an empty input is "" (not recorded).
func (f FieldDef) Normalize(raw string, codes *CodeSet, year int) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	switch f.Type {
	case FieldText:
		max := f.MaxLen
		if max == 0 {
			max = maxDetailTextLen
		}
		if utf8.RuneCountInString(s) > max {
			return "", fmt.Errorf("%s must be at most %d characters", f.Label, max)
		}
		return s, nil
	case FieldCode:
		if !codes.Valid(f.CodeKind, s, year) {
			return "", fmt.Errorf("%q is not a valid %s code for %d", s, f.Label, year)
		}
		return s, nil
	case FieldCodes:
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' })
		var out []string
		seen := map[string]bool{}
		for _, p := range parts {
			if !codes.Valid(f.CodeKind, p, year) {
				return "", fmt.Errorf("%q is not a valid %s code for %d", p, f.Label, year)
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		return strings.Join(out, ","), nil
	case FieldInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", fmt.Errorf("%s must be a whole number, not %q", f.Label, s)
		}
		if err := f.checkRange(n, n); err != nil {
			return "", err
		}
		return strconv.FormatInt(n, 10), nil
	case FieldDecimal, FieldMoney:
		m, err := ParseYuan(s)
		if err != nil {
			return "", fmt.Errorf("%s must be a number with at most two decimals, not %q", f.Label, s)
		}
		if err := f.checkRange(int64(m), int64(m)/100); err != nil {
			return "", err
		}
		if f.Type == FieldMoney {
			return m.Yuan(), nil
		}
		return formatHundredths(int64(m)), nil
	case FieldDate:
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			return "", fmt.Errorf("%s must be a date like 2016-05-01, not %q", f.Label, s)
		}
		return d.Format(DateLayout), nil
	}
	return "", fmt.Errorf("field %s has an unknown type %q", f.Key, f.Type)
}

func (f FieldDef) checkRange(raw, whole int64) error {
	if raw < 0 && f.Min >= 0 {
		return fmt.Errorf("%s cannot be negative", f.Label)
	}
	if f.Min != 0 && whole < f.Min || f.Max != 0 && (whole > f.Max || whole == f.Max && f.Type != FieldInt && raw%100 != 0) {
		return fmt.Errorf("%s must be between %d and %d", f.Label, f.Min, f.Max)
	}
	return nil
}

// formatHundredths writes a number of hundredths without trailing zeros.
func formatHundredths(n int64) string {
	s := Money(n).Yuan()
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// StorageValue converts a canonical value into what its column holds: nil
// when not recorded, int64 for numeric fields (hundredths for decimals, fen
// for money), the string otherwise.
func (f FieldDef) StorageValue(v string) any {
	if !f.Numeric() {
		return v
	}
	if v == "" {
		return nil
	}
	if f.Type == FieldInt {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	m, _ := ParseYuan(v)
	return int64(m)
}

// FromStorage converts a column's value back to canonical form; valid is
// false for SQL NULL.
func (f FieldDef) FromStorage(n int64, valid bool, s string) string {
	switch {
	case !f.Numeric():
		return s
	case !valid:
		return ""
	case f.Type == FieldInt:
		return strconv.FormatInt(n, 10)
	case f.Type == FieldMoney:
		return Money(n).Yuan()
	default:
		return formatHundredths(n)
	}
}

// Display returns a value as people read it: code labels instead of codes
// (joined with "、"), yuan and numbers as they are.
func (f FieldDef) Display(v string, codes *CodeSet, lang string) string {
	switch f.Type {
	case FieldCode:
		if v == "" {
			return ""
		}
		return codes.Label(f.CodeKind, v, lang)
	case FieldCodes:
		if v == "" {
			return ""
		}
		parts := strings.Split(v, ",")
		for i, p := range parts {
			parts[i] = codes.Label(f.CodeKind, p, lang)
		}
		sep := "、"
		if lang == "en" {
			sep = ", "
		}
		return strings.Join(parts, sep)
	}
	return v
}

// Title returns the field's label in a language.
func (f FieldDef) Title(lang string) string {
	if lang == "en" {
		return f.LabelEn
	}
	return f.Label
}

// normalizeDetails brings a details map to canonical values, dropping
// empty ones, and adds what is wrong to f under prefix+key.
func normalizeDetails(details map[string]string, defs map[string]*FieldDef, codes *CodeSet, year int, f *Fields, prefix string) {
	for k, v := range details {
		def, ok := defs[k]
		if !ok {
			f.Add(prefix+k, "unknown_field", "%q is not a field of the national model.", k)
			continue
		}
		nv, err := def.Normalize(v, codes, year)
		if err != nil {
			code := "invalid_value"
			if def.Type == FieldCode || def.Type == FieldCodes {
				code = "invalid_choice"
			}
			f.Add(prefix+k, code, "%s.", err.Error())
			continue
		}
		if nv == "" {
			delete(details, k)
		} else {
			details[k] = nv
		}
	}
	for k := range details {
		def := defs[k]
		if def == nil || def.Of == "" || !def.Numeric() {
			continue
		}
		part, _ := ParseYuan(details[k])
		if whole, ok := details[def.Of]; ok {
			w, _ := ParseYuan(whole)
			if part > w {
				f.Add(prefix+k, "exceeds_total", "%s (%s) exceeds %s (%s).", def.Label, details[k], defs[def.Of].Label, whole)
			}
		}
	}
}

// Detail returns a household detail ("" when not recorded).
func (h *Household) Detail(key string) string { return h.Details[key] }

// SetDetail sets a household detail; "" removes it.
func (h *Household) SetDetail(key, v string) { setDetail(&h.Details, key, v) }

// Detail returns a member detail ("" when not recorded).
func (m *Member) Detail(key string) string { return m.Details[key] }

// SetDetail sets a member detail; "" removes it.
func (m *Member) SetDetail(key, v string) { setDetail(&m.Details, key, v) }

// setDetail sets key in a details map, making the map when needed; ""
// removes the key.
func setDetail(d *map[string]string, key, v string) {
	if v == "" {
		delete(*d, key)
		return
	}
	if *d == nil {
		*d = map[string]string{}
	}
	(*d)[key] = v
}

// DetailMoney returns a money detail and whether it is recorded.
func (h *Household) DetailMoney(key string) (Money, bool) {
	v, ok := h.Details[key]
	if !ok {
		return 0, false
	}
	m, err := ParseYuan(v)
	return m, err == nil
}

// HasIncomeComponents reports whether any income component or the business
// expense is recorded, in which case the per-capita net income is computed
// from them (ComputeIncome) rather than taken as given.
func (h *Household) HasIncomeComponents() bool {
	for _, k := range IncomeComponentKeys {
		if _, ok := h.Details[k]; ok {
			return true
		}
	}
	_, ok := h.Details[ExpenseBusiness]
	return ok
}

// sumTransferParts fills income_transfer with the sum of its parts when any
// part is recorded: the parts are the source, the total follows them.
func (h *Household) sumTransferParts() {
	var sum Money
	any := false
	for _, f := range HouseholdFieldDefs {
		if f.Of != IncomeTransfer {
			continue
		}
		if m, ok := h.DetailMoney(f.Key); ok {
			sum += m
			any = true
		}
	}
	if any {
		h.SetDetail(IncomeTransfer, sum.Yuan())
	}
}

// NetIncome computes the household's annual net income (纯收入 = 总收入 −
// 生产经营性支出, domain.md §1.2) under a counting rule: the excluded
// components (transfer parts, or whole kinds) are left out. Whole kinds
// already contain their "of which" parts, so the parts are subtracted from
// their kind when excluded.
func (h *Household) NetIncome(excluded []string) Money {
	ex := map[string]bool{}
	for _, k := range excluded {
		ex[k] = true
	}
	var total Money
	for _, k := range []string{IncomeWage, IncomeBusiness, IncomeProperty, IncomeTransfer} {
		if ex[k] {
			continue
		}
		m, _ := h.DetailMoney(k)
		total += m
		for _, f := range HouseholdFieldDefs {
			if f.Of == k && ex[f.Key] {
				p, _ := h.DetailMoney(f.Key)
				total -= p
			}
		}
	}
	e, _ := h.DetailMoney(ExpenseBusiness)
	return total - e
}

// ComputeIncomePerCapita sets IncomePerCapita from the income components
// under the counting rule when components are recorded (人均纯收入 = 纯收入
// ÷ 家庭人口, rounded to the fen); otherwise it leaves the given value.
// A negative net income counts as 0 per capita.
func (h *Household) ComputeIncomePerCapita(excluded []string) {
	if !h.HasIncomeComponents() || h.Size <= 0 {
		return
	}
	net := h.NetIncome(excluded)
	if net < 0 {
		net = 0
	}
	h.IncomePerCapita = Money((int64(net) + int64(h.Size)/2) / int64(h.Size))
}

// ParseExcluded splits a ParamIncomeExcluded text into component keys.
func ParseExcluded(text string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '，' }) {
		out = append(out, p)
	}
	return out
}
