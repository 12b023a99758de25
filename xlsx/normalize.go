package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
)

// foldWidth maps full-width ASCII (U+FF01–U+FF5E) to ASCII, the
// ideographic space U+3000 and no-break spaces to a space, and drops
// zero-width characters and byte-order marks. ASCII input is returned
// as is, without allocating.
func foldWidth(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteByte(byte(r - 0xFEE0))
		case r == 0x3000 || r == 0x00A0 || r == 0x202F || r >= 0x2000 && r <= 0x200A:
			b.WriteByte(' ')
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0xFEFF || r == 0x2060:
		case r == utf8.RuneError:
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// isClean reports whether CleanText would leave s as it is, so that the
// common case costs no allocation.
func isClean(s string) bool {
	if s == "" {
		return true
	}
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if r < ' ' || r == 0x7F || r == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
				return false
			}
		case r >= 0xFF01 && r <= 0xFF5E, r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r),
			r >= 0x2000 && r <= 0x200D, r == 0x202F, r == 0x2060, r == 0xFEFF, r == 0x3000:
			return false
		}
	}
	return true
}

var (
	dateSeparators = strings.NewReplacer("年", "-", "月", "-", "日", "", "号", "", ".", "-", "/", "-", "－", "-")
	amountNoise    = strings.NewReplacer(",", "", "，", "", "元", "", "¥", "", "￥", "", "RMB", "", "CNY", "")
)

// CleanText normalises free text such as a name: full-width letters and
// digits become ASCII, every kind of space becomes one ordinary space,
// control characters go, leading and trailing spaces are trimmed, and a
// space between two Chinese characters ("张　三") is removed.
func CleanText(s string) string {
	if isClean(s) {
		return s
	}
	s = foldWidth(s)
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	pendingSpace := false
	for _, r := range s {
		if isSpace(r) || unicode.IsControl(r) {
			if b.Len() > 0 {
				pendingSpace = true
			}
			continue
		}
		if pendingSpace {
			if !(unicode.Is(unicode.Han, prev) && unicode.Is(unicode.Han, r)) {
				b.WriteByte(' ')
			}
			pendingSpace = false
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// CodeText normalises a code-like value (an ID, a household number, a
// phone number): full-width folded, every space removed, letters upper
// case, and a leading apostrophe (Excel's "store as text" mark) dropped.
func CodeText(s string) string {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c > ' ' && c < 0x7F && !(c >= 'a' && c <= 'z') && c != '\'' && c != '`'
	}
	if plain {
		return s
	}
	s = foldWidth(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if isSpace(r) || unicode.IsControl(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return strings.TrimLeft(b.String(), "'‘’`")
}

// NormalizeHeader normalises a header text for matching: CleanText, then
// no spaces at all, no "*" required markers, ASCII parentheses for every
// bracket variant, no leading "1." / "(一)" / "二、" numbering, no
// trailing colon, ASCII letters in lower case.
func NormalizeHeader(s string) string {
	s = CleanText(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '*', '※', '★':
			continue
		case '（', '[', '【', '〔', '{', '<', '《':
			r = '('
		case '）', ']', '】', '〕', '}', '>', '》':
			r = ')'
		case '，':
			r = ','
		case '：':
			r = ':'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	s = strings.TrimRight(b.String(), ":")
	return stripNumbering(s)
}

// stripNumbering removes a leading item number: "1.", "2、", "(3)",
// "一、", "(二)".
func stripNumbering(s string) string {
	t := s
	paren := strings.HasPrefix(t, "(")
	if paren {
		t = t[1:]
	}
	i := 0
	for i < len(t) {
		r, n := utf8.DecodeRuneInString(t[i:])
		if r >= '0' && r <= '9' || strings.ContainsRune("一二三四五六七八九十", r) {
			i += n
			continue
		}
		break
	}
	if i == 0 || i == len(t) {
		return s
	}
	rest := t[i:]
	switch {
	case paren && strings.HasPrefix(rest, ")"):
		rest = rest[1:]
	case !paren && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "、") || strings.HasPrefix(rest, ")")):
		_, n := utf8.DecodeRuneInString(rest)
		rest = rest[n:]
	default:
		return s
	}
	if rest == "" {
		return s
	}
	return rest
}

// A cellError is why one cell was refused: a stable code, and the reason
// in English and Chinese.
type cellError struct {
	code, en, zh string
}

func (e *cellError) Error() string { return e.en }

func cellErr(code, en, zh string, args ...any) *cellError {
	return &cellError{code: code, en: fmt.Sprintf(en, args...), zh: fmt.Sprintf(zh, args...)}
}

// Row error codes of the file layer, beside the validation codes of the
// root package (required, id_checksum, invalid_choice …).
const (
	CodeStoredAsNumber = "stored_as_number" // a long number Excel kept to 15 digits
	CodeScientific     = "scientific"       // a number shown as 4.51224E+17
	CodeLostDigits     = "lost_digits"      // 18 digits ending in 000 that fail the check
	CodeInvalidDate    = "invalid_date"
	CodeInvalidNumber  = "invalid_number"
	CodeInvalidAmount  = "invalid_amount"
	CodeInvalidChoice  = "invalid_choice"
	CodeMultiple       = "multiple_values"
	CodeRequired       = "required"
	CodeMismatch       = "household_mismatch" // rows of one household disagree
	CodeSizeMismatch   = "size_mismatch"
	CodeNotAdjacent    = "not_adjacent"
	CodeUnknownArea    = "unknown_area"
	CodeTooLong        = "too_long"     // a text longer than its field takes
	CodeOutOfRange     = "out_of_range" // a number outside its field's bounds
	CodeSumMismatch    = "sum_mismatch" // 转移性收入 is not the sum of its parts
)

// isScientific reports whether s reads like "4.51224E+17".
func isScientific(s string) bool {
	i := strings.IndexAny(s, "Ee")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return false
	}
	return true
}

// significantDigits counts the significant digits of a plain integer text.
func significantDigits(s string) int {
	s = strings.TrimLeft(strings.TrimPrefix(s, "-"), "0")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i] + strings.TrimRight(s[i+1:], "0")
	}
	return len(strings.TrimRight(s, "0")) // trailing zeros of an integer may be lost digits
}

// codeValue reads a code-like cell (ID number, household number, phone,
// area code). A number cell is taken by its digits when Excel kept them
// all (up to 15 significant digits); a longer one is refused, since Excel
// keeps 15 significant digits and only re-entering the column as text
// brings the rest back. So is a text in scientific notation
// ("4.51224E+17", as a CSV saved from such a column holds it).
func codeValue(c Cell, what, whatZH string) (string, *cellError) {
	if c.Number {
		if math.Abs(c.Value) >= 1e15 || significantDigits(c.Raw) > 15 {
			return "", cellErr(CodeStoredAsNumber,
				"The %[1]s was stored by Excel as a number (shown as %[2]s), so its last digits are lost; format the column as text and enter the numbers again.",
				"%[3]s被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新录入（单元格显示为 %[2]s）。", what, c.Text, whatZH)
		}
		if c.Value != math.Trunc(c.Value) || c.Value < 0 {
			return "", cellErr(CodeInvalidNumber, "The %[1]s %[2]s is not a whole number.", "%[3]s %[2]s 不是整数。", what, c.Text, whatZH)
		}
		return strconv.FormatFloat(c.Value, 'f', 0, 64), nil
	}
	s := CodeText(c.Text)
	if isScientific(s) {
		return "", cellErr(CodeScientific,
			"The %[1]s shows in scientific notation (%[2]s): it was a number in Excel and its last digits are lost; format the column as text and enter the numbers again.",
			"%[3]s显示为科学计数法（%[2]s），说明在 Excel 中被存成了数字，末几位已丢失；请把该列设为文本后重新录入。", what, s, whatZH)
	}
	return s, nil
}

// ParseIDCell reads an ID number cell. It refuses, with a message saying
// so, an ID that Excel stored as a number, one shown in scientific
// notation, and an 18-digit one ending in 000 that fails the check digit
// (the mark of digits lost to a number format). Other checks are those
// of tuopin.ParseIDNumber, done when the household is validated.
func ParseIDCell(c Cell) (string, error) {
	if c.Number && (math.Abs(c.Value) >= 1e15 || significantDigits(c.Raw) > 15) {
		return "", cellErr(CodeStoredAsNumber,
			"The ID number was stored by Excel as a number (shown as %s), so its last digits are lost; format the column as text and enter the numbers again.",
			"身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新录入（单元格显示为 %s）。", c.Text)
	}
	s, cerr := codeValue(c, "ID number", "身份证号")
	if cerr != nil {
		return "", cerr
	}
	s = tuopin.NormalizeIDNumber(s)
	if len(s) == 18 && tuopin.IsDigits(s) && strings.HasSuffix(s, "000") && tuopin.IDCheckChar(s[:17]) != s[17] {
		return "", cellErr(CodeLostDigits,
			"The ID number %s ends in 000 and fails the check digit: it was most likely stored by Excel as a number and its last digits are lost; format the column as text and enter the numbers again.",
			"身份证号 %s 末三位为 000 且校验不通过：多半被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新录入。", s)
	}
	return s, nil
}

// ParseDate reads a date cell: an Excel date serial (1900 system with its
// 1900-02-29, or the 1904 system when date1904), or text written
// 1985-03-12, 1985-3-12, 1985/03/12, 1985.03.12, 19850312 or 1985年3月12日
// (a time after the date is ignored).
func ParseDate(c Cell, date1904 bool) (time.Time, error) {
	bad := func() error {
		return cellErr(CodeInvalidDate, "%q is not a date; write it as 1985-03-12.", "“%s”不是日期，请写成 1985-03-12 的格式。", strings.TrimSpace(c.Text))
	}
	if c.Number {
		v := c.Value
		if v >= 18000101 && v <= 21001231 && v == math.Trunc(v) {
			return parseYMD(strconv.Itoa(int(v)), bad)
		}
		t, ok := SerialToDate(v, date1904)
		if !ok || t.Year() < 1880 {
			return time.Time{}, bad()
		}
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	// Drop a time of day: "1985-03-12 00:00:00", "1985-03-12T00:00:00".
	s := strings.TrimSpace(foldWidth(c.Text))
	if i := strings.IndexAny(s, " T"); i >= 8 && strings.Contains(s[i:], ":") {
		s = s[:i]
	}
	s = CodeText(s)
	if s == "" {
		return time.Time{}, nil
	}
	if tuopin.IsDigits(s) {
		switch {
		case len(s) == 8:
			return parseYMD(s, bad)
		case len(s) <= 6:
			n, _ := strconv.Atoi(s)
			if t, ok := SerialToDate(float64(n), date1904); ok && t.Year() >= 1880 {
				return t, nil
			}
		}
		return time.Time{}, bad()
	}
	s = dateSeparators.Replace(s)
	s = strings.TrimRight(s, "-")
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return time.Time{}, bad()
	}
	y, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	d, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || len(parts[0]) != 4 {
		return time.Time{}, bad()
	}
	return makeDate(y, m, d, bad)
}

func parseYMD(s string, bad func() error) (time.Time, error) {
	y, _ := strconv.Atoi(s[0:4])
	m, _ := strconv.Atoi(s[4:6])
	d, _ := strconv.Atoi(s[6:8])
	return makeDate(y, m, d, bad)
}

func makeDate(y, m, d int, bad func() error) (time.Time, error) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1880 || y > 2200 || t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, bad()
	}
	return t, nil
}

// ParseAmount reads an amount in yuan: "3,146.50", "3146.5元", "￥3146.5",
// or a number cell (rounded to the fen).
func ParseAmount(c Cell) (tuopin.Money, error) {
	if c.Number {
		if math.IsNaN(c.Value) || math.Abs(c.Value) > 1e12 {
			return 0, cellErr(CodeInvalidAmount, "%s is not an amount in yuan.", "%s 不是以元为单位的金额。", c.Text)
		}
		return tuopin.Money(math.Round(c.Value * 100)), nil
	}
	s := CodeText(c.Text)
	s = amountNoise.Replace(s)
	if s == "" {
		return 0, nil
	}
	m, err := tuopin.ParseYuan(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 || strings.ContainsAny(s, "eEinfINF") {
			return 0, cellErr(CodeInvalidAmount, "%q is not an amount in yuan (write 3146.50).", "“%s”不是金额，请写成 3146.50 的格式。", strings.TrimSpace(c.Text))
		}
		m = tuopin.Money(math.Round(f * 100))
	}
	return m, nil
}

// ParseInt reads a whole number ("4", "4人", "2016年", "6个月").
func ParseInt(c Cell) (int, error) {
	// The error is made only when needed: ParseInt runs on every row.
	bad := func() error {
		return cellErr(CodeInvalidNumber, "%q is not a whole number.", "“%s”不是整数。", strings.TrimSpace(c.Text))
	}
	if c.Number {
		if c.Value != math.Trunc(c.Value) || math.Abs(c.Value) > 1e9 {
			return 0, bad()
		}
		return int(c.Value), nil
	}
	s := strings.TrimRight(CodeText(c.Text), "人口户年个月")
	if s == "" {
		return 0, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1e9 && !strings.ContainsAny(s, "eEinfINF") {
		return int(f), nil
	}
	return 0, bad()
}

// codeAliases are labels seen in real files for entries of the code
// tables, normalised by labelKey.
var codeAliases = map[string]map[string]string{
	tuopin.CodeSex: {"男性": "男", "女性": "女"},
	tuopin.CodeRelation: {"本人": "户主", "户主本人": "户主", "妻": "配偶", "妻子": "配偶", "夫": "配偶", "丈夫": "配偶",
		"子": "之子", "儿子": "之子", "长子": "之子", "次子": "之子", "三子": "之子", "女": "之女", "女儿": "之女", "长女": "之女", "次女": "之女", "三女": "之女",
		"儿媳": "之儿媳", "媳妇": "之儿媳", "女婿": "之女婿", "孙子": "之孙子", "孙女": "之孙女", "外孙": "之外孙子", "外孙子": "之外孙子", "外孙女": "之外孙女",
		"父": "之父", "父亲": "之父", "母": "之母", "母亲": "之母", "岳父": "之岳父", "岳母": "之岳母", "公公": "之公公", "婆婆": "之婆婆",
		"祖父": "之祖父", "爷爷": "之祖父", "祖母": "之祖母", "奶奶": "之祖母", "外祖父": "之外祖父", "外公": "之外祖父", "外祖母": "之外祖母", "外婆": "之外祖母",
		"兄弟姐妹": "之兄弟姐妹", "兄": "之兄弟姐妹", "弟": "之兄弟姐妹", "姐": "之兄弟姐妹", "妹": "之兄弟姐妹", "哥哥": "之兄弟姐妹", "弟弟": "之兄弟姐妹", "姐姐": "之兄弟姐妹", "妹妹": "之兄弟姐妹",
		"曾孙子": "之曾孙子", "曾孙女": "之曾孙女", "侄儿": "之侄儿", "侄子": "之侄儿", "侄女": "之侄女", "兄弟媳妇": "之兄弟媳妇", "叔伯": "之叔伯", "其它": "其他"},
	tuopin.CodeEducation: {"文盲": "文盲或半文盲", "半文盲": "文盲或半文盲", "文盲、半文盲": "文盲或半文盲", "文盲半文盲": "文盲或半文盲", "本科": "本科及以上", "研究生": "本科及以上", "本科以上": "本科及以上"},
	tuopin.CodeHealth:    {"残疾人": "残疾", "大病": "患有大病", "慢性病": "长期慢性病"},
	tuopin.CodeSkill:     {"弱劳动力": "弱劳动力或半劳动力", "半劳动力": "弱劳动力或半劳动力"},
	tuopin.CodeCause:     {"缺劳动力": "缺劳力", "其它": "其他", "交通落后": "交通条件落后", "因病致贫": "因病", "因残致贫": "因残", "因学致贫": "因学", "因灾致贫": "因灾", "缺发展动力": "自身发展动力不足"},
	tuopin.CodeStatus:    {"已脱贫享受政策": "已脱贫(享受政策)", "已脱贫不享受政策": "已脱贫(不再享受政策)", "已脱贫不再享受政策": "已脱贫(不再享受政策)", "脱贫享受政策": "已脱贫(享受政策)", "脱贫不享受政策": "已脱贫(不再享受政策)"},
	// Yes/no as people write it: ticks and crosses, Y/N, TRUE/FALSE
	// (Excel's booleans), 有/无, and the verbs of the member columns
	// (已参加, 享受, 会).
	tuopin.CodeYesNo: {"Y": "是", "YES": "是", "N": "否", "NO": "否", "√": "是", "✓": "是", "✔": "是", "×": "否", "✗": "否", "✘": "否",
		"TRUE": "是", "FALSE": "否", "有": "是", "无": "否", "没有": "否", "是的": "是", "不是": "否",
		"参加": "是", "已参加": "是", "未参加": "否", "享受": "是", "已享受": "是", "未享受": "否", "不享受": "否",
		"会": "是", "不会": "否", "已消除": "是", "未消除": "否"},
	// 是否危房 columns answer 否 for a house that passed as safe (A级);
	// 是 says nothing about C or D and is refused.
	tuopin.CodeHouseGrade: {"C级": "C级(局部危房)", "D级": "D级(整幢危房)", "局部危房": "C级(局部危房)", "整幢危房": "D级(整幢危房)",
		"否": "A级", "非危房": "A级", "安全": "A级"},
	tuopin.CodePolitical: {"党员": "中共党员", "共产党员": "中共党员", "中国共产党党员": "中共党员", "预备党员": "中共预备党员", "团员": "共青团员", "共青团": "共青团员"},
	tuopin.CodeSchoolStatus: {"七-九年级": "七至九年级", "七—九年级": "七至九年级", "初中": "七至九年级", "高中": "普通高中一至三年级", "普通高中": "普通高中一至三年级",
		"中职": "中职一至三年级", "中专": "中职一至三年级", "高职": "高职高专一至三年级", "高职高专": "高职高专一至三年级", "大专": "高职高专一至三年级",
		"技师学院": "技师学院一至四年级", "本科": "本科一至五年级", "大学": "本科一至五年级", "研究生": "硕士研究生及以上", "硕士": "硕士研究生及以上", "博士": "硕士研究生及以上",
		"幼儿园": "学前教育", "学前": "学前教育", "学龄前": "学龄前儿童"},
	tuopin.CodeIDType:        {"身份证": "居民身份证", "二代身份证": "居民身份证", "户口本": "户口簿", "其它": "其他"},
	tuopin.CodeHouseholdType: {"一般农户": "普通农户", "农户": "普通农户", "脱贫": "脱贫户"},
	tuopin.CodeWaterSource:   {"自来水": "经过净化处理的自来水", "其他": "其他水源", "其它": "其他水源"},
	tuopin.CodeStructure:     {"砖木": "砖瓦砖木", "砖瓦": "砖瓦砖木", "土坯": "竹草土坯", "钢混": "钢筋混凝土", "框架": "钢筋混凝土", "其它": "其他"},
	tuopin.CodeFuel:          {"柴": "柴草", "木柴": "柴草", "薪柴": "柴草", "煤": "煤炭", "液化气": "液化气、天然气", "天然气": "液化气、天然气", "电力": "电", "其它": "其他"},
	tuopin.CodeRoad:          {"土路": "泥土路", "砂石": "砂石路", "水泥": "水泥路", "沥青": "沥青路", "其它": "其他"},
	tuopin.CodeRisk:          {"因灾": "因自然灾害", "自然灾害": "因自然灾害", "意外事故": "因意外事故", "其它": "其他"},
}

// codeSuffixes are words a label ends with that people leave out: 壮 for
// 壮族, 肢体 for 肢体残疾, 省外 for 省外务工.
var codeSuffixes = map[string]string{
	tuopin.CodeEthnicity: "族", tuopin.CodeDisability: "残疾", tuopin.CodeWorkPlace: "务工",
	tuopin.CodeMonitoringType: "户", tuopin.CodeHouseholdType: "户", tuopin.CodeRoad: "路",
}

// labelKey normalises a label for comparison: no spaces, no brackets.
func labelKey(s string) string {
	s = CodeText(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '(', ')', '（', '）', '[', ']', '【', '】':
			return -1
		}
		return r
	}, s)
}

// ResolveCode turns a cell's text into a code of kind: the code itself
// ("01", also "1" for "01"), the label ("之子", "已脱贫(享受政策)" with or
// without brackets, or the English label) or a common variant ("儿子",
// "缺劳动力", "男性"). An empty text gives "". Anything else is refused
// with an error listing the allowed labels (CodeInvalidChoice), or saying
// that a cell holds several values ("残疾,长期慢性病", CodeMultiple).
func ResolveCode(codes *tuopin.CodeSet, kind, text string) (string, error) {
	s := CodeText(text)
	if s == "" {
		return "", nil
	}
	if _, ok := codes.Lookup(kind, s); ok {
		return s, nil
	}
	all := codes.List(kind, 0)
	if tuopin.IsDigits(s) && len(s) <= 4 {
		n, _ := strconv.Atoi(s)
		for _, c := range all {
			if m, err := strconv.Atoi(c.Code); err == nil && m == n {
				return c.Code, nil
			}
		}
	}
	key := labelKey(s)
	if to, ok := codeAliases[kind][key]; ok {
		key = labelKey(to)
	}
	for _, c := range all {
		if labelKey(c.Label) == key || strings.EqualFold(labelKey(c.LabelEn), key) {
			return c.Code, nil
		}
	}
	if kind == tuopin.CodeRelation {
		for _, c := range all {
			if labelKey(c.Label) == "之"+key {
				return c.Code, nil
			}
		}
	}
	if suffix, ok := codeSuffixes[kind]; ok {
		for _, c := range all {
			if labelKey(c.Label) == key+suffix {
				return c.Code, nil
			}
		}
	}
	labels := make([]string, 0, len(all))
	for i, c := range all {
		if i == maxListedLabels && len(all) > maxListedLabels+1 {
			labels = append(labels, "…")
			break
		}
		labels = append(labels, c.Label)
	}
	name, nameEn := kindNames(kind)
	if strings.ContainsAny(s, ",，、;；/") {
		return "", cellErr(CodeMultiple, "%q holds several values; %s takes one of: %s.", "“%s”填了多个值；%s只能填一个：%s。",
			strings.TrimSpace(text), nameEn, strings.Join(labels, "、"))
	}
	return "", &cellError{code: CodeInvalidChoice,
		en: fmt.Sprintf("%q is not a %s value; use one of: %s (or its code).", strings.TrimSpace(text), nameEn, strings.Join(labels, ", ")),
		zh: fmt.Sprintf("“%s”不是有效的%s，应为：%s（或其代码）。", strings.TrimSpace(text), name, strings.Join(labels, "、"))}
}

// maxListedLabels bounds the labels an error lists (民族 has 58).
const maxListedLabels = 15

func kindNames(kind string) (zh, en string) {
	switch kind {
	case tuopin.CodeAttribute:
		return "贫困户属性", "household attribute"
	case tuopin.CodeStatus:
		return "脱贫状态", "exit status"
	case tuopin.CodeCause:
		return "致贫原因", "cause of poverty"
	case tuopin.CodeSex:
		return "性别", "sex"
	case tuopin.CodeRelation:
		return "与户主关系", "relation to the head"
	case tuopin.CodeEducation:
		return "文化程度", "education"
	case tuopin.CodeHealth:
		return "健康状况", "health"
	case tuopin.CodeSkill:
		return "劳动技能", "labour skill"
	case tuopin.CodeYesNo:
		return "是否值", "yes/no"
	case tuopin.CodeStandard:
		return "识别标准", "identification standard"
	case tuopin.CodeHouseholdType:
		return "户类型", "household type"
	case tuopin.CodeMonitoringType:
		return "监测对象类型", "monitoring category"
	case tuopin.CodeRisk:
		return "致贫返贫风险", "risk"
	case tuopin.CodeElimination:
		return "风险消除方式", "way of risk elimination"
	case tuopin.CodeHouseGrade:
		return "危房等级", "housing safety grade"
	case tuopin.CodeStructure:
		return "房屋结构", "house structure"
	case tuopin.CodeWaterSource:
		return "饮用水源", "drinking-water source"
	case tuopin.CodeRoad:
		return "入户路类型", "road type"
	case tuopin.CodeFuel:
		return "燃料类型", "fuel"
	case tuopin.CodeRelocation:
		return "安置方式", "resettlement"
	case tuopin.CodeIDType:
		return "证件类型", "ID type"
	case tuopin.CodeEthnicity:
		return "民族", "ethnicity"
	case tuopin.CodePolitical:
		return "政治面貌", "political status"
	case tuopin.CodeSchoolStatus:
		return "在校生状况", "school status"
	case tuopin.CodeDisability:
		return "残疾类别", "disability type"
	case tuopin.CodeWorkPlace:
		return "务工所在地", "place of work"
	}
	return kind, kind
}
