package apphttp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// householdInput is the body of POST /households. Amounts are in fen
// (0.01 yuan) as in the responses; birth dates are "YYYY-MM-DD" (or
// RFC 3339) and may be left out to be read from the ID number.
type householdInput struct {
	Year            int           `json:"year"`
	Number          string        `json:"number"`
	AreaCode        string        `json:"area_code"`
	Attribute       string        `json:"attribute"`
	MainCause       string        `json:"main_cause"`
	IncomePerCapita tuopin.Money  `json:"income_per_capita"`
	Status          string        `json:"status"`
	Phone           string        `json:"phone"`
	Details         detailsInput  `json:"details"`
	Members         []memberInput `json:"members"`
	Reason          string        `json:"reason"`
}

// memberInput is one member in a household body. ID matches an existing
// member on PATCH; 0 or absent adds one.
type memberInput struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Sex       string `json:"sex"`
	BirthDate string `json:"birth_date"`
	IDNumber  string `json:"id_number"`
	Relation  string `json:"relation"`
	Education string `json:"education"`
	Health    string `json:"health"`
	Skill     string `json:"skill"`
	// Details, on PATCH, is merged into the stored member's details;
	// absent keeps them.
	Details detailsInput `json:"details"`
}

// detailsInput is a "details" object as sent: by field key (GET /fields),
// a string in the field's canonical form, a number, an array of codes for
// a code list, or null for "not recorded".
type detailsInput map[string]json.RawMessage

// values reads the object: "" for null (which removes the key from
// stored details), the string of a number, a code list joined with ",".
// A value of another JSON type is a field error under prefix+key. The
// values themselves are checked by the domain (tuopin.FieldDef.Normalize).
func (d detailsInput) values(prefix string, errs *tuopin.Fields) map[string]string {
	if d == nil {
		return nil
	}
	out := make(map[string]string, len(d))
	for k, raw := range d {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			errs.Add(prefix+k, "invalid_type", "Details values must be strings, numbers, arrays of codes or null.")
			continue
		}
		switch x := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case []any:
			parts := make([]string, 0, len(x))
			for _, p := range x {
				c, ok := p.(string)
				if !ok {
					errs.Add(prefix+k, "invalid_type", "A code list must be an array of code strings.")
					break
				}
				parts = append(parts, c)
			}
			out[k] = strings.Join(parts, ",")
		default:
			errs.Add(prefix+k, "invalid_type", "Details values must be strings, numbers, arrays of codes or null.")
		}
	}
	return out
}

// mergeDetails applies a details patch to stored details, JSON merge-patch
// style: "" (null) removes a key, any other value sets it.
func mergeDetails(stored, patch map[string]string) map[string]string {
	out := make(map[string]string, len(stored)+len(patch))
	for k, v := range stored {
		out[k] = v
	}
	for k, v := range patch {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// members converts member inputs, reporting unreadable birth dates as
// field errors under members[i].birth_date. A member's Details hold what
// was sent, with "" for null (see mergeDetails).
func members(in []memberInput, errs *tuopin.Fields) []*tuopin.Member {
	out := make([]*tuopin.Member, 0, len(in))
	for i, m := range in {
		mm := &tuopin.Member{
			ID: m.ID, Name: m.Name, Sex: m.Sex, IDNumber: m.IDNumber, Relation: m.Relation,
			Education: m.Education, Health: m.Health, Skill: m.Skill,
			Details: m.Details.values(fmt.Sprintf("members[%d].details.", i), errs),
		}
		if m.BirthDate != "" {
			t, err := time.Parse(tuopin.DateLayout, m.BirthDate)
			if err != nil {
				t, err = time.Parse(time.RFC3339, m.BirthDate)
			}
			if err != nil {
				errs.Add(fmt.Sprintf("members[%d].birth_date", i), "invalid_date", "Birth date must be YYYY-MM-DD.")
			}
			mm.BirthDate = t.UTC()
		}
		out = append(out, mm)
	}
	return out
}

// apiHouseholdList lists households in scope:
// ?q=&area=&status=&year=&offset=&limit=.
func (s *Server) apiHouseholdList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, err := paging(q)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	f := tuopin.HouseholdFilter{Query: strings.TrimSpace(q.Get("q")), Offset: offset, Limit: limit}
	if f.Year, err = queryInt(q, "year"); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if a := q.Get("area"); a != "" {
		p, ok := tuopin.ParseAreaRef(a)
		if !ok {
			s.jsonError(w, r, errMalformed("area must be an area code or a prefix of 2, 4, 6, 9 or 12 digits."))
			return
		}
		f.AreaPrefix = p
	}
	if st := q.Get("status"); st != "" {
		f.Status = &st
	}
	items, total, err := s.svc.Households.FindHouseholds(r.Context(), f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, offset, limit))
}

// apiHouseholdCreate registers a household with its members.
func (s *Server) apiHouseholdCreate(w http.ResponseWriter, r *http.Request) {
	var in householdInput
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	var errs tuopin.Fields
	h := &tuopin.Household{
		Year: in.Year, Number: in.Number, AreaCode: in.AreaCode, Attribute: in.Attribute,
		MainCause: in.MainCause, IncomePerCapita: in.IncomePerCapita, Status: in.Status, Phone: in.Phone,
		Details: mergeDetails(nil, in.Details.values("details.", &errs)),
		Members: members(in.Members, &errs),
	}
	for _, m := range h.Members {
		m.Details = mergeDetails(nil, m.Details)
	}
	if h.Status == "" {
		h.Status = tuopin.StatusPoor
	}
	if err := errs.Err(); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if err := s.svc.Households.CreateHousehold(r.Context(), h, in.Reason); err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeHousehold(w, r, http.StatusCreated, h.ID)
}

// writeHousehold answers with the stored state of a household.
func (s *Server) writeHousehold(w http.ResponseWriter, r *http.Request, status int, id int64) {
	h, err := s.svc.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, status, h)
}

// apiHouseholdGet returns a household with its members.
func (s *Server) apiHouseholdGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeHousehold(w, r, http.StatusOK, id)
}

// patchableHousehold lists the fields PATCH may set; readOnlyHousehold
// those it refuses by name, with the way to change them instead.
var (
	patchableHousehold = []string{"area_code", "attribute", "main_cause", "income_per_capita", "phone", "details", "members", "version", "reason"}
	readOnlyHousehold  = map[string]string{
		"status":     "Use POST /households/{id}/status to change the status.",
		"id":         "The ID cannot be changed.",
		"year":       "The registry year cannot be changed.",
		"number":     "The household number cannot be changed.",
		"head_name":  "The head name follows the member whose relation is 01.",
		"size":       "The size follows the member list.",
		"created_at": "Timestamps are set by the server.",
		"updated_at": "Timestamps are set by the server.",
		"indicators": "The indicators are derived from the details by the server.",
	}
)

// apiHouseholdPatch changes a household, JSON merge-patch style: the
// fields present are changed, members (when present) replaces the member
// list, "version" (optional) must match the stored version, and "reason"
// is recorded in the audit log. null clears the phone. "details" is merged
// into the stored details (a null value removes a key, null for the whole
// object removes them all), and so is a listed member's "details" into
// that member's.
func (s *Server) apiHouseholdPatch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var body map[string]json.RawMessage
	if err := decodeJSON(r, &body); err != nil {
		s.jsonError(w, r, err)
		return
	}
	var upd tuopin.HouseholdUpdate
	var errs tuopin.Fields
	for k, raw := range body {
		if why, ok := readOnlyHousehold[k]; ok {
			errs.Add(k, "read_only", "%s", why)
			continue
		}
		if !slices.Contains(patchableHousehold, k) {
			errs.Add(k, "unknown_field", "Unknown field %q.", k)
			continue
		}
		null := bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
		if null && k != "phone" && k != "details" {
			errs.Add(k, "required", "%s cannot be null.", k)
			continue
		}
		if err := patchField(&upd, k, raw, null, &errs); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	if err := errs.Err(); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if upd.Details != nil || upd.Members != nil {
		if err := s.mergeStoredDetails(r, id, &upd); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	if _, err := s.svc.Households.UpdateHousehold(r.Context(), id, upd); err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeHousehold(w, r, http.StatusOK, id)
}

// patchField decodes one PATCH field into the update. A value of the
// wrong JSON type is a malformed request (400) naming the field.
func patchField(upd *tuopin.HouseholdUpdate, k string, raw json.RawMessage, null bool, errs *tuopin.Fields) error {
	wrong := func(what string) error {
		return errMalformed(fmt.Sprintf("Field %q must be %s.", k, what))
	}
	str := func() (*string, error) {
		var v string
		if null {
			return &v, nil
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, wrong("a string")
		}
		return &v, nil
	}
	var err error
	switch k {
	case "area_code":
		upd.AreaCode, err = str()
	case "attribute":
		upd.Attribute, err = str()
	case "main_cause":
		upd.MainCause, err = str()
	case "phone":
		upd.Phone, err = str()
	case "reason":
		var v *string
		if v, err = str(); err == nil {
			upd.Reason = *v
		}
	case "income_per_capita":
		var m tuopin.Money
		if json.Unmarshal(raw, &m) != nil {
			return wrong("an integer amount in fen")
		}
		upd.IncomePerCapita = &m
	case "version":
		var v int
		if json.Unmarshal(raw, &v) != nil {
			return wrong("an integer")
		}
		upd.Version = &v
	case "details":
		var in detailsInput
		if !null && json.Unmarshal(raw, &in) != nil {
			return wrong("an object of field values")
		}
		// A nil map (from null) asks mergeStoredDetails to clear them all;
		// an empty object changes nothing.
		var d map[string]string
		if !null {
			d = in.values("details.", errs)
		}
		upd.Details = &d
	case "members":
		var in []memberInput
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return errMalformed(fmt.Sprintf("Field \"members\" must be an array of members: %s.", strings.TrimPrefix(err.Error(), "json: ")))
		}
		ms := members(in, errs)
		upd.Members = &ms
	}
	return err
}

// mergeStoredDetails turns the details of a PATCH into whole maps, as
// HouseholdUpdate takes them: the patch merged into the stored details of
// the household and of each listed member with an ID. Members without an
// ID get what they were sent. Having read the stored household, it also
// pins the update to that version (when the client did not), so that a
// change made meanwhile is refused with 409 rather than overwritten.
func (s *Server) mergeStoredDetails(r *http.Request, id int64, upd *tuopin.HouseholdUpdate) error {
	stored, err := s.svc.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		return err
	}
	if upd.Version == nil {
		v := stored.Version
		upd.Version = &v
	}
	if upd.Details != nil {
		d := map[string]string{} // "details": null clears them all
		if *upd.Details != nil {
			d = mergeDetails(stored.Details, *upd.Details)
		}
		upd.Details = &d
	}
	if upd.Members == nil {
		return nil
	}
	byID := make(map[int64]*tuopin.Member, len(stored.Members))
	for _, m := range stored.Members {
		byID[m.ID] = m
	}
	for _, m := range *upd.Members {
		var base map[string]string
		if old := byID[m.ID]; m.ID != 0 && old != nil {
			base = old.Details
		}
		m.Details = mergeDetails(base, m.Details)
	}
	return nil
}

type statusInput struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
	// Date is the day the move took effect, "YYYY-MM-DD" (default today).
	Date string `json:"date"`
}

// apiHouseholdStatus moves a household along the status workflow.
func (s *Server) apiHouseholdStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var in statusInput
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if _, err := s.svc.Events.MoveStatus(r.Context(), id, tuopin.StatusMove{Status: in.Status, Date: in.Date, Reason: in.Reason}); err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeHousehold(w, r, http.StatusOK, id)
}

// apiField is one field of the national field set in GET /fields.
type apiField struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	LabelEn  string `json:"label_en"`
	Level    string `json:"level"`
	Section  string `json:"section"`
	Type     string `json:"type"`
	CodeKind string `json:"code_kind,omitempty"`
	// Min and Max bound numbers (years, months, yuan, mu…); MaxLength
	// bounds text in characters.
	Min       *int64 `json:"min,omitempty"`
	Max       *int64 `json:"max,omitempty"`
	MaxLength int    `json:"max_length,omitempty"`
	// Of names the field this one is a part of (其中): it may not exceed it.
	Of string `json:"of,omitempty"`
}

func newAPIField(f tuopin.FieldDef) apiField {
	a := apiField{Key: f.Key, Label: f.Label, LabelEn: f.LabelEn, Level: f.Level, Section: f.Section,
		Type: string(f.Type), CodeKind: f.CodeKind, Of: f.Of}
	switch {
	case f.Type == tuopin.FieldText:
		a.MaxLength = f.MaxLen
		if a.MaxLength == 0 {
			a.MaxLength = 100
		}
	case f.Numeric():
		lo, hi := f.Min, f.Max
		a.Min = &lo
		if hi != 0 {
			a.Max = &hi
		}
	}
	return a
}

// apiFields lists the national field set, households' then members', in
// form order: ?level=household|member narrows it.
func (s *Server) apiFields(w http.ResponseWriter, r *http.Request) {
	var defs []tuopin.FieldDef
	switch lv := r.URL.Query().Get("level"); lv {
	case "":
		defs = append(slices.Clone(tuopin.HouseholdFieldDefs), tuopin.MemberFieldDefs...)
	case tuopin.LevelHouseholdField:
		defs = tuopin.HouseholdFieldDefs
	case tuopin.LevelMemberField:
		defs = tuopin.MemberFieldDefs
	default:
		s.jsonError(w, r, errMalformed(fmt.Sprintf("level must be %q or %q, not %q.", tuopin.LevelHouseholdField, tuopin.LevelMemberField, lv)))
		return
	}
	items := make([]apiField, len(defs))
	for i, f := range defs {
		items[i] = newAPIField(f)
	}
	writeJSON(w, http.StatusOK, newList(items, len(items), 0, len(items)))
}
