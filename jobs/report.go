package jobs

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

var memberFieldKey = regexp.MustCompile(`^members\[(\d+)\]\.(.+)$`)

// storageErrors places the reasons storage gave for refusing a household
// on the rows and columns of the file.
func (p *pass) storageErrors(it item, o tuopin.HouseholdImportOutcome) []tuopin.ImportRowError {
	h, rows := it.h, it.rows
	fields := tuopin.ErrorFields(o.Err)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	clashes := map[int]tuopin.IDClash{}
	for _, c := range o.Clashes {
		clashes[c.Member] = c
	}
	first := 0
	if len(rows) > 0 {
		first = rows[0]
	}
	var out []tuopin.ImportRowError
	for _, k := range keys {
		fe := fields[k]
		row, field, value := first, k, ""
		var m *tuopin.Member
		if sm := memberFieldKey.FindStringSubmatch(k); sm != nil {
			j, _ := strconv.Atoi(sm[1])
			if j < len(rows) {
				row = rows[j]
			}
			if j < len(h.Members) {
				m = h.Members[j]
			}
			field = sm[2]
			if c, ok := clashes[j]; ok && field == "id_number" {
				e := p.cellError(row, xlsx.FieldIDNumber, c.IDNumber, h.Number, fe.Code, fe.Message, p.clashZH(h, c))
				out = append(out, e)
				continue
			}
		}
		field = strings.TrimPrefix(field, "details.")
		switch {
		case m != nil:
			value = memberValue(m, field)
		default:
			value = p.householdValue(h, field)
		}
		if field == "household" || field == "members" {
			field = ""
		}
		e := p.cellError(row, field, value, h.Number, fe.Code, fe.Message, storageZH(fe, field, value, h, p.codes))
		out = append(out, e)
	}
	if len(out) == 0 && o.Err != nil {
		out = append(out, tuopin.ImportRowError{Row: first, Household: h.Number, Code: tuopin.ErrorCode(o.Err),
			Reason: tuopin.ErrorMessage(o.Err), ReasonZH: tuopin.ErrorMessage(o.Err)})
	}
	return out
}

// clashZH says in Chinese that an ID number is registered elsewhere,
// naming the other household only when the user may see it.
func (p *pass) clashZH(h *tuopin.Household, c tuopin.IDClash) string {
	s := fmt.Sprintf("身份证号 %s 在 %d 年已登记在其他地区的户中。", c.IDNumber, h.Year)
	if p.user != nil && strings.HasPrefix(c.OtherArea, p.user.Scope) {
		s = fmt.Sprintf("身份证号 %s 在 %d 年已登记在户 %s（%s）。", c.IDNumber, h.Year, c.OtherNumber, c.OtherArea)
	}
	if c.CrossCounty && p.committing {
		s += "该跨县重复已提交身份证号重复审核。"
	}
	return s
}

func memberValue(m *tuopin.Member, field string) string {
	switch field {
	case "name":
		return m.Name
	case "id_number":
		return m.IDNumber
	case "sex":
		return m.Sex
	case "birth_date":
		if m.BirthDate.IsZero() {
			return ""
		}
		return m.BirthDate.Format(tuopin.DateLayout)
	case "relation":
		return m.Relation
	case "education":
		return m.Education
	case "health":
		return m.Health
	case "skill":
		return m.Skill
	}
	return m.Details[field]
}

func (p *pass) householdValue(h *tuopin.Household, field string) string {
	switch field {
	case "year":
		return strconv.Itoa(h.Year)
	case "number":
		return h.Number
	case "area_code":
		return h.AreaCode
	case "status":
		if p.codes != nil {
			return p.codes.Label(tuopin.CodeStatus, h.Status, "zh")
		}
		return h.Status
	case "attribute":
		return h.Attribute
	case "main_cause":
		return h.MainCause
	case "phone":
		return h.Phone
	case "income_per_capita":
		return h.IncomePerCapita.Yuan()
	case "household", "members", "":
		return ""
	}
	return h.Details[field]
}

// storageZH gives the Chinese reason of a refusal by storage.
func storageZH(fe tuopin.FieldError, field, value string, h *tuopin.Household, codes *tuopin.CodeSet) string {
	switch fe.Code {
	case "out_of_scope":
		return fmt.Sprintf("村 %s 不在您的管辖范围内。", value)
	case "unknown_area":
		return fmt.Sprintf("系统中没有代码为 %s 的村。", value)
	case "taken":
		if strings.Contains(fe.Message, "twice") {
			return fmt.Sprintf("户编号 %s 在本批数据中重复。", h.Number)
		}
		return fmt.Sprintf("户编号 %s 在 %d 年已登记在您管辖范围以外的地区。", h.Number, h.Year)
	case "duplicate":
		return fmt.Sprintf("身份证号 %s 在本文件中重复。", value)
	case "status_change":
		return fmt.Sprintf("文件中的脱贫状态“%s”与系统中的不同：脱贫状态须在户详情页按退出程序变更，不能通过导入修改。", value)
	case "required":
		return field + "为必填项。"
	}
	return fe.Message
}
