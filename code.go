package tuopin

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// Code tables. Every enumeration of the registry is a table of (code, label)
// with a validity period, because the national tables changed over the
// years (domain.md §1, §6). The values below are the seed: storage loads
// them into its code table, and later a county admin edits them there.
//
// Sources: domain.md §1.2 (贫困户属性 aac006, 脱贫状态 aar010, 致贫原因
// aac007), §1.3 (the member value lists of the 47-column export); sex codes
// follow GB/T 2261.1. Where the national numeric code is not known, codes
// are two-digit ordinals in the order of domain.md, with 99 for 其他.

// Code kinds. Values are persisted: never rename them.
const (
	CodeAttribute = "attribute" // 贫困户属性 aac006
	CodeStatus    = "status"    // 脱贫状态 aar010
	CodeCause     = "cause"     // 致贫原因 aac007/aac008
	CodeSex       = "sex"       // 性别
	CodeRelation  = "relation"  // 与户主关系
	CodeEducation = "education" // 文化程度
	CodeHealth    = "health"    // 健康状况
	CodeSkill     = "skill"     // 劳动技能
)

// CodeKinds lists the kinds in display order.
var CodeKinds = append([]string{CodeAttribute, CodeStatus, CodeCause, CodeSex, CodeRelation, CodeEducation, CodeHealth, CodeSkill},
	nationalCodeKinds...)

// Code is one entry of a code table.
type Code struct {
	Kind    string `json:"kind"`
	Code    string `json:"code"`
	Label   string `json:"label"`    // Simplified Chinese, as on national forms
	LabelEn string `json:"label_en"` // English
	// ValidFrom and ValidTo bound the registry years the code may be used
	// in (0 = open).
	ValidFrom int `json:"valid_from,omitempty"`
	ValidTo   int `json:"valid_to,omitempty"`
	// Ord is the code's place in its table's display order (1, 2 …); 0
	// on a new code means after the last one.
	Ord int `json:"ord,omitempty"`
}

// Bounds of a code's fields.
const (
	maxCodeLen      = 16
	maxCodeLabelLen = 50
	// MinCodeYear and MaxCodeYear bound ValidFrom and ValidTo (0 = open).
	MinCodeYear = 1990
	MaxCodeYear = 2100
)

// Validate checks a code's shape: a known kind; a code of at most 16
// letters, digits, '_' or '-'; a label; and a validity period whose years,
// when set, lie in MinCodeYear … MaxCodeYear with ValidFrom ≤ ValidTo.
func (c *Code) Validate() error {
	var f Fields
	if !slices.Contains(CodeKinds, c.Kind) {
		f.Add("kind", "invalid_choice", "Unknown code table %q.", c.Kind)
	}
	switch {
	case c.Code == "":
		f.Add("code", "required", "The code is required.")
	case len(c.Code) > maxCodeLen:
		f.Add("code", "too_long", "A code has at most %d characters.", maxCodeLen)
	case strings.IndexFunc(c.Code, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-')
	}) >= 0:
		f.Add("code", "invalid_code_chars", "A code may use only letters, digits, '_' and '-'.")
	}
	if strings.TrimSpace(c.Label) == "" {
		f.Add("label", "required", "The label is required.")
	} else if utf8.RuneCountInString(c.Label) > maxCodeLabelLen {
		f.Add("label", "too_long", "The label must be at most %d characters.", maxCodeLabelLen)
	}
	if utf8.RuneCountInString(c.LabelEn) > 2*maxCodeLabelLen {
		f.Add("label_en", "too_long", "The English label must be at most %d characters.", 2*maxCodeLabelLen)
	}
	for _, y := range []struct {
		key  string
		year int
	}{{"valid_from", c.ValidFrom}, {"valid_to", c.ValidTo}} {
		if y.year != 0 && (y.year < MinCodeYear || y.year > MaxCodeYear) {
			f.Add(y.key, "code_year", "The year must be between %d and %d, or empty.", MinCodeYear, MaxCodeYear)
		}
	}
	if c.ValidFrom != 0 && c.ValidTo != 0 && c.ValidFrom > c.ValidTo {
		f.Add("valid_to", "before_valid_from", "The last year of use is before the first.")
	}
	if c.Ord < 0 {
		f.Add("ord", "negative", "The order must not be negative.")
	}
	return f.Err()
}

// IsWorkflowCode reports whether a code has a meaning in the program
// itself (a status of the exit procedure, the household head, yes/no):
// such a code may be relabelled but never deleted or retired.
func IsWorkflowCode(kind, code string) bool {
	switch kind {
	case CodeStatus:
		_, ok := StatusTransitions[code]
		return ok
	case CodeRelation:
		return code == RelationHead
	case CodeYesNo:
		return code == Yes || code == No
	}
	return false
}

// ValidIn reports whether the code may be used in a registry year.
func (c Code) ValidIn(year int) bool {
	return (c.ValidFrom == 0 || year >= c.ValidFrom) && (c.ValidTo == 0 || year <= c.ValidTo)
}

// Status codes (aar010) with a workflow meaning.
const (
	StatusPoor       = "0" // 未脱贫
	StatusExited     = "1" // 已脱贫(享受政策)
	StatusReturned   = "3" // 返贫
	StatusExitedDone = "4" // 已脱贫(不再享受政策)
	// StatusPreExit (预脱贫) is a local extension, not a national aar010
	// code: the county has approved the exit and the public notice runs.
	StatusPreExit = "9"
)

// RelationHead is the 与户主关系 code of the household head.
const RelationHead = "01"

// StatusTransitions lists, for each status, the statuses it may move to.
// The exit procedure (domain.md §2.1) passes through 预脱贫; a return to
// poverty (返贫) goes back through 预脱贫 before a second exit.
var StatusTransitions = map[string][]string{
	StatusPoor:       {StatusPreExit},
	StatusPreExit:    {StatusPoor, StatusExited},
	StatusExited:     {StatusExitedDone, StatusReturned},
	StatusExitedDone: {StatusReturned},
	StatusReturned:   {StatusPreExit},
}

// CanMoveStatus reports whether a household may move from one status to another.
func CanMoveStatus(from, to string) bool {
	for _, s := range StatusTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// IsPoorStatus reports whether a status counts as still poor.
func IsPoorStatus(s string) bool {
	return s == StatusPoor || s == StatusPreExit || s == StatusReturned
}

// IsExitedStatus reports whether a status counts as exited.
func IsExitedStatus(s string) bool { return s == StatusExited || s == StatusExitedDone }

// DefaultCodes is the seed content of the code tables.
var DefaultCodes = append([]Code{
	{Kind: CodeAttribute, Code: "01", Label: "一般贫困户", LabelEn: "Ordinary poor household"},
	{Kind: CodeAttribute, Code: "02", Label: "低保脱贫户", LabelEn: "Exited, minimum-living-allowance"},
	{Kind: CodeAttribute, Code: "03", Label: "特困供养脱贫户", LabelEn: "Exited, destitute support"},
	{Kind: CodeAttribute, Code: "04", Label: "低保贫困户", LabelEn: "Poor, minimum-living-allowance"},
	{Kind: CodeAttribute, Code: "05", Label: "一般脱贫户", LabelEn: "Ordinary exited household"},
	{Kind: CodeAttribute, Code: "06", Label: "特困供养贫困户", LabelEn: "Poor, destitute support"},
	{Kind: CodeAttribute, Code: "07", Label: "低保特困供养贫困户", LabelEn: "Poor, allowance and destitute support"},
	{Kind: CodeAttribute, Code: "08", Label: "低保特困供养户", LabelEn: "Allowance and destitute support"},

	{Kind: CodeStatus, Code: StatusPoor, Label: "未脱贫", LabelEn: "Not yet out of poverty"},
	{Kind: CodeStatus, Code: StatusExited, Label: "已脱贫(享受政策)", LabelEn: "Exited (still supported)"},
	{Kind: CodeStatus, Code: StatusReturned, Label: "返贫", LabelEn: "Returned to poverty"},
	{Kind: CodeStatus, Code: StatusExitedDone, Label: "已脱贫(不再享受政策)", LabelEn: "Exited (support ended)"},
	{Kind: CodeStatus, Code: StatusPreExit, Label: "预脱贫", LabelEn: "Exit pending"},

	{Kind: CodeCause, Code: "01", Label: "因病", LabelEn: "Illness"},
	{Kind: CodeCause, Code: "02", Label: "因残", LabelEn: "Disability"},
	{Kind: CodeCause, Code: "03", Label: "因学", LabelEn: "Schooling costs"},
	{Kind: CodeCause, Code: "04", Label: "因灾", LabelEn: "Disaster"},
	{Kind: CodeCause, Code: "05", Label: "缺土地", LabelEn: "Lack of land"},
	{Kind: CodeCause, Code: "06", Label: "缺水", LabelEn: "Lack of water"},
	{Kind: CodeCause, Code: "07", Label: "缺技术", LabelEn: "Lack of skills"},
	{Kind: CodeCause, Code: "08", Label: "缺劳力", LabelEn: "Lack of labour"},
	{Kind: CodeCause, Code: "09", Label: "缺资金", LabelEn: "Lack of capital"},
	{Kind: CodeCause, Code: "10", Label: "交通条件落后", LabelEn: "Poor transport"},
	{Kind: CodeCause, Code: "11", Label: "自身发展动力不足", LabelEn: "Lack of drive"},
	{Kind: CodeCause, Code: "99", Label: "其他", LabelEn: "Other"},

	{Kind: CodeSex, Code: "1", Label: "男", LabelEn: "Male"},
	{Kind: CodeSex, Code: "2", Label: "女", LabelEn: "Female"},

	{Kind: CodeRelation, Code: RelationHead, Label: "户主", LabelEn: "Head"},
	{Kind: CodeRelation, Code: "02", Label: "配偶", LabelEn: "Spouse"},
	{Kind: CodeRelation, Code: "03", Label: "之子", LabelEn: "Son"},
	{Kind: CodeRelation, Code: "04", Label: "之女", LabelEn: "Daughter"},
	{Kind: CodeRelation, Code: "05", Label: "之儿媳", LabelEn: "Daughter-in-law"},
	{Kind: CodeRelation, Code: "06", Label: "之女婿", LabelEn: "Son-in-law"},
	{Kind: CodeRelation, Code: "07", Label: "之孙子", LabelEn: "Grandson"},
	{Kind: CodeRelation, Code: "08", Label: "之孙女", LabelEn: "Granddaughter"},
	{Kind: CodeRelation, Code: "09", Label: "之外孙子", LabelEn: "Grandson (daughter's)"},
	{Kind: CodeRelation, Code: "10", Label: "之外孙女", LabelEn: "Granddaughter (daughter's)"},
	{Kind: CodeRelation, Code: "11", Label: "之父", LabelEn: "Father"},
	{Kind: CodeRelation, Code: "12", Label: "之母", LabelEn: "Mother"},
	{Kind: CodeRelation, Code: "13", Label: "之岳父", LabelEn: "Father-in-law (wife's)"},
	{Kind: CodeRelation, Code: "14", Label: "之岳母", LabelEn: "Mother-in-law (wife's)"},
	{Kind: CodeRelation, Code: "15", Label: "之公公", LabelEn: "Father-in-law (husband's)"},
	{Kind: CodeRelation, Code: "16", Label: "之婆婆", LabelEn: "Mother-in-law (husband's)"},
	{Kind: CodeRelation, Code: "17", Label: "之祖父", LabelEn: "Grandfather"},
	{Kind: CodeRelation, Code: "18", Label: "之祖母", LabelEn: "Grandmother"},
	{Kind: CodeRelation, Code: "19", Label: "之外祖父", LabelEn: "Grandfather (mother's)"},
	{Kind: CodeRelation, Code: "20", Label: "之外祖母", LabelEn: "Grandmother (mother's)"},
	{Kind: CodeRelation, Code: "21", Label: "之兄弟姐妹", LabelEn: "Sibling"},
	{Kind: CodeRelation, Code: "22", Label: "之曾孙子", LabelEn: "Great-grandson"},
	{Kind: CodeRelation, Code: "23", Label: "之曾孙女", LabelEn: "Great-granddaughter"},
	{Kind: CodeRelation, Code: "24", Label: "之侄儿", LabelEn: "Nephew"},
	{Kind: CodeRelation, Code: "25", Label: "之侄女", LabelEn: "Niece"},
	{Kind: CodeRelation, Code: "26", Label: "之兄弟媳妇", LabelEn: "Sister-in-law"},
	{Kind: CodeRelation, Code: "27", Label: "之叔伯", LabelEn: "Uncle"},
	{Kind: CodeRelation, Code: "99", Label: "其他", LabelEn: "Other"},

	{Kind: CodeEducation, Code: "01", Label: "文盲或半文盲", LabelEn: "Illiterate or semi-literate"},
	{Kind: CodeEducation, Code: "02", Label: "小学", LabelEn: "Primary school"},
	{Kind: CodeEducation, Code: "03", Label: "初中", LabelEn: "Junior middle school"},
	{Kind: CodeEducation, Code: "04", Label: "高中", LabelEn: "Senior middle school"},
	{Kind: CodeEducation, Code: "05", Label: "大专", LabelEn: "Junior college"},
	{Kind: CodeEducation, Code: "06", Label: "本科及以上", LabelEn: "Bachelor or above"},

	{Kind: CodeHealth, Code: "01", Label: "健康", LabelEn: "Healthy"},
	{Kind: CodeHealth, Code: "02", Label: "长期慢性病", LabelEn: "Chronic illness"},
	{Kind: CodeHealth, Code: "03", Label: "患有大病", LabelEn: "Serious illness"},
	{Kind: CodeHealth, Code: "04", Label: "残疾", LabelEn: "Disabled"},

	{Kind: CodeSkill, Code: "01", Label: "普通劳动力", LabelEn: "Ordinary labour"},
	{Kind: CodeSkill, Code: "02", Label: "技能劳动力", LabelEn: "Skilled labour"},
	{Kind: CodeSkill, Code: "03", Label: "弱劳动力或半劳动力", LabelEn: "Weak or half labour"},
	{Kind: CodeSkill, Code: "04", Label: "丧失劳动力", LabelEn: "Lost labour capacity"},
	{Kind: CodeSkill, Code: "05", Label: "无劳动力", LabelEn: "No labour capacity"},
}, nationalCodes...)

// CodeSet is a lookup over code tables, used by validation, forms and
// exports alike.
type CodeSet struct {
	byKind map[string][]Code
}

// NewCodeSet indexes a list of codes.
func NewCodeSet(codes []Code) *CodeSet {
	s := &CodeSet{byKind: make(map[string][]Code)}
	for _, c := range codes {
		s.byKind[c.Kind] = append(s.byKind[c.Kind], c)
	}
	return s
}

// DefaultCodeSet is the seed code set.
var DefaultCodeSet = NewCodeSet(DefaultCodes)

// List returns the codes of a kind valid in a year (0 = any year), in order.
func (s *CodeSet) List(kind string, year int) []Code {
	var out []Code
	for _, c := range s.byKind[kind] {
		if year == 0 || c.ValidIn(year) {
			out = append(out, c)
		}
	}
	return out
}

// Lookup returns the code of a kind, and whether it exists.
func (s *CodeSet) Lookup(kind, code string) (Code, bool) {
	for _, c := range s.byKind[kind] {
		if c.Code == code {
			return c, true
		}
	}
	return Code{}, false
}

// Valid reports whether code exists in kind and may be used in year.
func (s *CodeSet) Valid(kind, code string, year int) bool {
	c, ok := s.Lookup(kind, code)
	return ok && (year == 0 || c.ValidIn(year))
}

// Label returns the label of a code in a language ("en" or Chinese), or
// the code itself when unknown.
func (s *CodeSet) Label(kind, code, lang string) string {
	c, ok := s.Lookup(kind, code)
	if !ok {
		return code
	}
	if lang == "en" && c.LabelEn != "" {
		return c.LabelEn
	}
	return c.Label
}

// CodeService keeps the code tables as stored (seeded from DefaultCodes).
//
// The code tables are national: one set serves every area of a
// deployment, since forms, imports, exports and validation must agree on
// them. Editing them is therefore a weighty act, allowed to RoleAdmin and
// RoleCountyAdmin (the county office, which runs a county's deployment)
// and audited ("code.set", "code.delete"); a county admin's change applies
// to everyone using the deployment.
type CodeService interface {
	// FindCodeSet returns every code table. Any logged-in user may call it.
	FindCodeSet(ctx context.Context) (*CodeSet, error)

	// SetCode creates a code or changes the label, English label, validity
	// years and order of a stored one. A code is retired by setting
	// ValidTo: it stays for the records and years that used it. Returns
	// EFORBIDDEN unless the role is RoleAdmin or RoleCountyAdmin, EINVALID
	// for bad fields (Code.Validate), and ECONFLICT when the new validity
	// would leave out a registry year whose records use the code, or when
	// a workflow code (IsWorkflowCode) would be retired.
	SetCode(ctx context.Context, c Code, reason string) error

	// DeleteCode removes a code that no record uses. Returns the role
	// errors of SetCode, ENOTFOUND for a missing code, and ECONFLICT for a
	// code in use or a workflow code: retire those instead.
	DeleteCode(ctx context.Context, kind, code, reason string) error
}
