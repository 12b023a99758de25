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
}

// members converts member inputs, reporting unreadable birth dates as
// field errors under members[i].birth_date.
func members(in []memberInput, errs *tuopin.Fields) []*tuopin.Member {
	out := make([]*tuopin.Member, 0, len(in))
	for i, m := range in {
		mm := &tuopin.Member{
			ID: m.ID, Name: m.Name, Sex: m.Sex, IDNumber: m.IDNumber, Relation: m.Relation,
			Education: m.Education, Health: m.Health, Skill: m.Skill,
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
		Members: members(in.Members, &errs),
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
	patchableHousehold = []string{"area_code", "attribute", "main_cause", "income_per_capita", "phone", "members", "version", "reason"}
	readOnlyHousehold  = map[string]string{
		"status":     "Use POST /households/{id}/status to change the status.",
		"id":         "The ID cannot be changed.",
		"year":       "The registry year cannot be changed.",
		"number":     "The household number cannot be changed.",
		"head_name":  "The head name follows the member whose relation is 01.",
		"size":       "The size follows the member list.",
		"created_at": "Timestamps are set by the server.",
		"updated_at": "Timestamps are set by the server.",
	}
)

// apiHouseholdPatch changes a household, JSON merge-patch style: the
// fields present are changed, members (when present) replaces the member
// list, "version" (optional) must match the stored version, and "reason"
// is recorded in the audit log. null clears the phone.
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
		if null && k != "phone" {
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

type statusInput struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
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
	if _, err := s.svc.Households.SetHouseholdStatus(r.Context(), id, in.Status, in.Reason); err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeHousehold(w, r, http.StatusOK, id)
}
