package tuopin

// The code tables of the national field set (fields.go). Sources, as in
// code.go: domain.md §1.2 and §1.3 unless named.
//   - ethnicity: GB/T 3304-1991 《中国各民族名称的罗马字母拼写法和代码》, codes 01–56,
//     97 其他, 98 外国血统中国籍人士;
//   - political: GB/T 4762-1984 《政治面貌代码》 (01, 02, 03, 13);
//   - disability: GB/T 26341-2010 《残疾人残疾分类和分级》 (视力…多重, 1–7);
//   - house_grade: the A–D 危房 scale of the Anhui 怀远县 notice (domain.md §1.2);
//   - structure, water_source: the Guizhou 2013 贫困户登记表 lists;
//   - monitoring_type, elimination, household_type, risk: domain.md §2.4;
//   - school_status, work_place: the 47-column checker's value lists (§1.3).
// Where no national numeric code is known (road, fuel, id_type, risk,
// relocation, standard) codes are local ordinals with 9/99 for 其他, as in
// code.go; a county admin may edit them (the tables are data).

// Code kinds of the national field set. Persisted: never rename.
const (
	CodeYesNo          = "yesno"           // 是 / 否
	CodeStandard       = "standard"        // 识别标准
	CodeHouseholdType  = "household_type"  // 户类型
	CodeMonitoringType = "monitoring_type" // 监测对象类型
	CodeRisk           = "risk"            // 致贫返贫风险
	CodeElimination    = "elimination"     // 风险消除方式
	CodeHouseGrade     = "house_grade"     // 危房等级
	CodeStructure      = "structure"       // 房屋结构
	CodeWaterSource    = "water_source"    // 饮用水源
	CodeRoad           = "road"            // 入户路类型
	CodeFuel           = "fuel"            // 主要燃料类型
	CodeRelocation     = "relocation"      // 安置方式
	CodeIDType         = "id_type"         // 证件类型
	CodeEthnicity      = "ethnicity"       // 民族
	CodePolitical      = "political"       // 政治面貌
	CodeSchoolStatus   = "school_status"   // 在校生状况
	CodeDisability     = "disability"      // 残疾类别
	CodeWorkPlace      = "work_place"      // 务工所在地
)

// Codes with a meaning in rules.
const (
	Yes = "1"
	No  = "0"
)

var nationalCodeKinds = []string{CodeYesNo, CodeStandard, CodeHouseholdType, CodeMonitoringType, CodeRisk,
	CodeElimination, CodeHouseGrade, CodeStructure, CodeWaterSource, CodeRoad, CodeFuel, CodeRelocation,
	CodeIDType, CodeEthnicity, CodePolitical, CodeSchoolStatus, CodeDisability, CodeWorkPlace}

var nationalCodes = []Code{
	{Kind: CodeYesNo, Code: Yes, Label: "是", LabelEn: "Yes"},
	{Kind: CodeYesNo, Code: No, Label: "否", LabelEn: "No"},

	{Kind: CodeStandard, Code: "1", Label: "国家标准", LabelEn: "National standard"},
	{Kind: CodeStandard, Code: "2", Label: "省定标准", LabelEn: "Provincial standard"},
	{Kind: CodeStandard, Code: "3", Label: "市定标准", LabelEn: "Municipal standard"},

	{Kind: CodeHouseholdType, Code: "1", Label: "脱贫户", LabelEn: "Formerly poor household"},
	{Kind: CodeHouseholdType, Code: "2", Label: "普通农户", LabelEn: "Ordinary rural household"},

	{Kind: CodeMonitoringType, Code: "1", Label: "脱贫不稳定户", LabelEn: "Unstable exited household"},
	{Kind: CodeMonitoringType, Code: "2", Label: "边缘易致贫户", LabelEn: "Marginal household at risk"},
	{Kind: CodeMonitoringType, Code: "3", Label: "突发严重困难户", LabelEn: "Sudden severe hardship"},

	{Kind: CodeRisk, Code: "01", Label: "因病", LabelEn: "Illness"},
	{Kind: CodeRisk, Code: "02", Label: "因残", LabelEn: "Disability"},
	{Kind: CodeRisk, Code: "03", Label: "因学", LabelEn: "Schooling costs"},
	{Kind: CodeRisk, Code: "04", Label: "因自然灾害", LabelEn: "Natural disaster"},
	{Kind: CodeRisk, Code: "05", Label: "因意外事故", LabelEn: "Accident"},
	{Kind: CodeRisk, Code: "06", Label: "因缺劳动力", LabelEn: "Lack of labour"},
	{Kind: CodeRisk, Code: "07", Label: "因产业失败", LabelEn: "Failed business"},
	{Kind: CodeRisk, Code: "08", Label: "因务工就业不稳", LabelEn: "Unstable employment"},
	{Kind: CodeRisk, Code: "09", Label: "因安全住房", LabelEn: "Unsafe housing"},
	{Kind: CodeRisk, Code: "10", Label: "因安全饮水", LabelEn: "Unsafe drinking water"},
	{Kind: CodeRisk, Code: "99", Label: "其他", LabelEn: "Other"},

	{Kind: CodeElimination, Code: "1", Label: "帮扶消除", LabelEn: "Eliminated by assistance"},
	{Kind: CodeElimination, Code: "2", Label: "自然消除", LabelEn: "Eliminated naturally"},

	{Kind: CodeHouseGrade, Code: "A", Label: "A级", LabelEn: "Grade A (safe)"},
	{Kind: CodeHouseGrade, Code: "B", Label: "B级", LabelEn: "Grade B (isolated danger)"},
	{Kind: CodeHouseGrade, Code: "C", Label: "C级(局部危房)", LabelEn: "Grade C (partly unsafe)"},
	{Kind: CodeHouseGrade, Code: "D", Label: "D级(整幢危房)", LabelEn: "Grade D (wholly unsafe)"},

	{Kind: CodeStructure, Code: "1", Label: "钢筋混凝土", LabelEn: "Reinforced concrete"},
	{Kind: CodeStructure, Code: "2", Label: "砖混", LabelEn: "Brick and concrete"},
	{Kind: CodeStructure, Code: "3", Label: "砖瓦砖木", LabelEn: "Brick, tile and timber"},
	{Kind: CodeStructure, Code: "4", Label: "砖石窑洞", LabelEn: "Brick or stone cave dwelling"},
	{Kind: CodeStructure, Code: "5", Label: "竹草土坯", LabelEn: "Bamboo, thatch or adobe"},
	{Kind: CodeStructure, Code: "6", Label: "土窑洞", LabelEn: "Earth cave dwelling"},
	{Kind: CodeStructure, Code: "9", Label: "其他", LabelEn: "Other"},

	{Kind: CodeWaterSource, Code: "1", Label: "经过净化处理的自来水", LabelEn: "Treated tap water"},
	{Kind: CodeWaterSource, Code: "2", Label: "受保护的井水和泉水", LabelEn: "Protected well or spring"},
	{Kind: CodeWaterSource, Code: "3", Label: "不受保护的井水和泉水", LabelEn: "Unprotected well or spring"},
	{Kind: CodeWaterSource, Code: "4", Label: "江河湖泊水", LabelEn: "River or lake"},
	{Kind: CodeWaterSource, Code: "5", Label: "收集雨水", LabelEn: "Rainwater"},
	{Kind: CodeWaterSource, Code: "6", Label: "桶装水", LabelEn: "Bottled water"},
	{Kind: CodeWaterSource, Code: "9", Label: "其他水源", LabelEn: "Other source"},

	{Kind: CodeRoad, Code: "1", Label: "泥土路", LabelEn: "Dirt road"},
	{Kind: CodeRoad, Code: "2", Label: "砂石路", LabelEn: "Gravel road"},
	{Kind: CodeRoad, Code: "3", Label: "水泥路", LabelEn: "Concrete road"},
	{Kind: CodeRoad, Code: "4", Label: "沥青路", LabelEn: "Asphalt road"},
	{Kind: CodeRoad, Code: "9", Label: "其他", LabelEn: "Other"},

	{Kind: CodeFuel, Code: "1", Label: "柴草", LabelEn: "Firewood or straw"},
	{Kind: CodeFuel, Code: "2", Label: "煤炭", LabelEn: "Coal"},
	{Kind: CodeFuel, Code: "3", Label: "液化气、天然气", LabelEn: "LPG or natural gas"},
	{Kind: CodeFuel, Code: "4", Label: "电", LabelEn: "Electricity"},
	{Kind: CodeFuel, Code: "5", Label: "沼气", LabelEn: "Biogas"},
	{Kind: CodeFuel, Code: "6", Label: "太阳能", LabelEn: "Solar"},
	{Kind: CodeFuel, Code: "9", Label: "其他", LabelEn: "Other"},

	{Kind: CodeRelocation, Code: "1", Label: "集中安置", LabelEn: "Resettled in a site"},
	{Kind: CodeRelocation, Code: "2", Label: "分散安置", LabelEn: "Resettled individually"},

	{Kind: CodeIDType, Code: "1", Label: "居民身份证", LabelEn: "Resident identity card"},
	{Kind: CodeIDType, Code: "2", Label: "户口簿", LabelEn: "Household register"},
	{Kind: CodeIDType, Code: "9", Label: "其他", LabelEn: "Other"},

	{Kind: CodeEthnicity, Code: "01", Label: "汉族", LabelEn: "Han"},
	{Kind: CodeEthnicity, Code: "02", Label: "蒙古族", LabelEn: "Mongol"},
	{Kind: CodeEthnicity, Code: "03", Label: "回族", LabelEn: "Hui"},
	{Kind: CodeEthnicity, Code: "04", Label: "藏族", LabelEn: "Tibetan"},
	{Kind: CodeEthnicity, Code: "05", Label: "维吾尔族", LabelEn: "Uyghur"},
	{Kind: CodeEthnicity, Code: "06", Label: "苗族", LabelEn: "Miao"},
	{Kind: CodeEthnicity, Code: "07", Label: "彝族", LabelEn: "Yi"},
	{Kind: CodeEthnicity, Code: "08", Label: "壮族", LabelEn: "Zhuang"},
	{Kind: CodeEthnicity, Code: "09", Label: "布依族", LabelEn: "Buyei"},
	{Kind: CodeEthnicity, Code: "10", Label: "朝鲜族", LabelEn: "Korean"},
	{Kind: CodeEthnicity, Code: "11", Label: "满族", LabelEn: "Manchu"},
	{Kind: CodeEthnicity, Code: "12", Label: "侗族", LabelEn: "Dong"},
	{Kind: CodeEthnicity, Code: "13", Label: "瑶族", LabelEn: "Yao"},
	{Kind: CodeEthnicity, Code: "14", Label: "白族", LabelEn: "Bai"},
	{Kind: CodeEthnicity, Code: "15", Label: "土家族", LabelEn: "Tujia"},
	{Kind: CodeEthnicity, Code: "16", Label: "哈尼族", LabelEn: "Hani"},
	{Kind: CodeEthnicity, Code: "17", Label: "哈萨克族", LabelEn: "Kazakh"},
	{Kind: CodeEthnicity, Code: "18", Label: "傣族", LabelEn: "Dai"},
	{Kind: CodeEthnicity, Code: "19", Label: "黎族", LabelEn: "Li"},
	{Kind: CodeEthnicity, Code: "20", Label: "傈僳族", LabelEn: "Lisu"},
	{Kind: CodeEthnicity, Code: "21", Label: "佤族", LabelEn: "Va"},
	{Kind: CodeEthnicity, Code: "22", Label: "畲族", LabelEn: "She"},
	{Kind: CodeEthnicity, Code: "23", Label: "高山族", LabelEn: "Gaoshan"},
	{Kind: CodeEthnicity, Code: "24", Label: "拉祜族", LabelEn: "Lahu"},
	{Kind: CodeEthnicity, Code: "25", Label: "水族", LabelEn: "Sui"},
	{Kind: CodeEthnicity, Code: "26", Label: "东乡族", LabelEn: "Dongxiang"},
	{Kind: CodeEthnicity, Code: "27", Label: "纳西族", LabelEn: "Nakhi"},
	{Kind: CodeEthnicity, Code: "28", Label: "景颇族", LabelEn: "Jingpo"},
	{Kind: CodeEthnicity, Code: "29", Label: "柯尔克孜族", LabelEn: "Kyrgyz"},
	{Kind: CodeEthnicity, Code: "30", Label: "土族", LabelEn: "Tu"},
	{Kind: CodeEthnicity, Code: "31", Label: "达斡尔族", LabelEn: "Daur"},
	{Kind: CodeEthnicity, Code: "32", Label: "仫佬族", LabelEn: "Mulao"},
	{Kind: CodeEthnicity, Code: "33", Label: "羌族", LabelEn: "Qiang"},
	{Kind: CodeEthnicity, Code: "34", Label: "布朗族", LabelEn: "Blang"},
	{Kind: CodeEthnicity, Code: "35", Label: "撒拉族", LabelEn: "Salar"},
	{Kind: CodeEthnicity, Code: "36", Label: "毛南族", LabelEn: "Maonan"},
	{Kind: CodeEthnicity, Code: "37", Label: "仡佬族", LabelEn: "Gelao"},
	{Kind: CodeEthnicity, Code: "38", Label: "锡伯族", LabelEn: "Xibe"},
	{Kind: CodeEthnicity, Code: "39", Label: "阿昌族", LabelEn: "Achang"},
	{Kind: CodeEthnicity, Code: "40", Label: "普米族", LabelEn: "Pumi"},
	{Kind: CodeEthnicity, Code: "41", Label: "塔吉克族", LabelEn: "Tajik"},
	{Kind: CodeEthnicity, Code: "42", Label: "怒族", LabelEn: "Nu"},
	{Kind: CodeEthnicity, Code: "43", Label: "乌孜别克族", LabelEn: "Uzbek"},
	{Kind: CodeEthnicity, Code: "44", Label: "俄罗斯族", LabelEn: "Russian"},
	{Kind: CodeEthnicity, Code: "45", Label: "鄂温克族", LabelEn: "Evenki"},
	{Kind: CodeEthnicity, Code: "46", Label: "德昂族", LabelEn: "De'ang"},
	{Kind: CodeEthnicity, Code: "47", Label: "保安族", LabelEn: "Bonan"},
	{Kind: CodeEthnicity, Code: "48", Label: "裕固族", LabelEn: "Yugur"},
	{Kind: CodeEthnicity, Code: "49", Label: "京族", LabelEn: "Gin"},
	{Kind: CodeEthnicity, Code: "50", Label: "塔塔尔族", LabelEn: "Tatar"},
	{Kind: CodeEthnicity, Code: "51", Label: "独龙族", LabelEn: "Derung"},
	{Kind: CodeEthnicity, Code: "52", Label: "鄂伦春族", LabelEn: "Oroqen"},
	{Kind: CodeEthnicity, Code: "53", Label: "赫哲族", LabelEn: "Hezhen"},
	{Kind: CodeEthnicity, Code: "54", Label: "门巴族", LabelEn: "Monpa"},
	{Kind: CodeEthnicity, Code: "55", Label: "珞巴族", LabelEn: "Lhoba"},
	{Kind: CodeEthnicity, Code: "56", Label: "基诺族", LabelEn: "Jino"},
	{Kind: CodeEthnicity, Code: "97", Label: "其他", LabelEn: "Other"},
	{Kind: CodeEthnicity, Code: "98", Label: "外国血统中国籍人士", LabelEn: "Chinese citizen of foreign origin"},

	{Kind: CodePolitical, Code: "01", Label: "中共党员", LabelEn: "CPC member"},
	{Kind: CodePolitical, Code: "02", Label: "中共预备党员", LabelEn: "CPC probationary member"},
	{Kind: CodePolitical, Code: "03", Label: "共青团员", LabelEn: "CYL member"},
	{Kind: CodePolitical, Code: "13", Label: "群众", LabelEn: "No affiliation"},

	{Kind: CodeSchoolStatus, Code: "01", Label: "学龄前儿童", LabelEn: "Pre-school age"},
	{Kind: CodeSchoolStatus, Code: "02", Label: "学前教育", LabelEn: "Pre-school education"},
	{Kind: CodeSchoolStatus, Code: "03", Label: "小学", LabelEn: "Primary school"},
	{Kind: CodeSchoolStatus, Code: "04", Label: "七至九年级", LabelEn: "Grades 7–9"},
	{Kind: CodeSchoolStatus, Code: "05", Label: "普通高中一至三年级", LabelEn: "Senior high school"},
	{Kind: CodeSchoolStatus, Code: "06", Label: "中职一至三年级", LabelEn: "Secondary vocational"},
	{Kind: CodeSchoolStatus, Code: "07", Label: "高职高专一至三年级", LabelEn: "Higher vocational"},
	{Kind: CodeSchoolStatus, Code: "08", Label: "技师学院一至四年级", LabelEn: "Technician college"},
	{Kind: CodeSchoolStatus, Code: "09", Label: "本科一至五年级", LabelEn: "Undergraduate"},
	{Kind: CodeSchoolStatus, Code: "10", Label: "硕士研究生及以上", LabelEn: "Postgraduate"},

	{Kind: CodeDisability, Code: "1", Label: "视力残疾", LabelEn: "Visual"},
	{Kind: CodeDisability, Code: "2", Label: "听力残疾", LabelEn: "Hearing"},
	{Kind: CodeDisability, Code: "3", Label: "言语残疾", LabelEn: "Speech"},
	{Kind: CodeDisability, Code: "4", Label: "肢体残疾", LabelEn: "Physical"},
	{Kind: CodeDisability, Code: "5", Label: "智力残疾", LabelEn: "Intellectual"},
	{Kind: CodeDisability, Code: "6", Label: "精神残疾", LabelEn: "Mental"},
	{Kind: CodeDisability, Code: "7", Label: "多重残疾", LabelEn: "Multiple"},

	{Kind: CodeWorkPlace, Code: "1", Label: "乡(镇)内务工", LabelEn: "Within the township"},
	{Kind: CodeWorkPlace, Code: "2", Label: "乡(镇)外县内务工", LabelEn: "Within the county"},
	{Kind: CodeWorkPlace, Code: "3", Label: "县外省内务工", LabelEn: "Within the province"},
	{Kind: CodeWorkPlace, Code: "4", Label: "省外务工", LabelEn: "Outside the province"},
	{Kind: CodeWorkPlace, Code: "9", Label: "其他", LabelEn: "Other"},
}

// InSchoolStatuses are the 在校生状况 codes of a child who attends school
// or pre-school; a child of compulsory-school age with none of them is out
// of school (两不愁三保障: 义务教育有保障).
var InSchoolStatuses = map[string]bool{"02": true, "03": true, "04": true, "05": true, "06": true,
	"07": true, "08": true, "09": true, "10": true}
