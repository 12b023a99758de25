package apphttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestAPI runs the JSON API scenarios on every engine: method, path,
// caller, body, expected status and substrings that must and must not
// appear in the response.
func TestAPI(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		county, village, viewer, fengshan := e.token(e.county), e.token(e.village), e.token(e.viewer), e.token(e.fengshan)

		// Bodies.
		valid := householdJSON(sqldbtest.Xinyan, "API-1", 201)
		badID := householdJSON(sqldbtest.Xinyan, "API-2", 202)
		members := badID["members"].([]map[string]any)
		members[0]["id_number"] = badChecksum(members[0]["id_number"].(string))
		twoHeads := householdJSON(sqldbtest.Xinyan, "API-3", 203)
		twoHeads["members"].([]map[string]any)[1]["relation"] = tuopin.RelationHead
		otherVillage := householdJSON(sqldbtest.Bala, "API-4", 204)
		x1 := fmt.Sprintf("/api/v1/households/%d", e.xinyan1.ID)
		spouse := e.household(e.xinyan1.ID).Members[1]

		tests := []struct {
			name   string
			method string
			path   string
			token  string
			body   string
			status int
			want   []string
			absent []string
		}{
			{"MeOK", "GET", "/api/v1/me", county, "", 200, []string{`"username":"` + e.county.Username + `"`, `"role":"county_admin"`, `"scope":"451224"`}, []string{"password"}},
			{"ErrNoToken", "GET", "/api/v1/me", "", "", 401, []string{`{"error":{"code":"unauthorized"`}, nil},
			{"ErrBadToken", "GET", "/api/v1/me", "tp_not-a-token", "", 401, []string{`"code":"unauthorized"`}, nil},
			{"ErrUnknownRoute", "GET", "/api/v1/nothing", county, "", 404, []string{`"code":"not_found"`, "No such API route"}, nil},
			{"Codes", "GET", "/api/v1/codes", viewer, "", 200, []string{`"label":"未脱贫"`, `"label_en":"Not yet out of poverty"`, `"kind":"relation"`}, nil},
			{"CodesOneKind", "GET", "/api/v1/codes?kind=sex", viewer, "", 200, []string{`"total":2`, `"label":"女"`}, []string{`"kind":"status"`}},
			{"Area", "GET", "/api/v1/areas/451224", county, "", 200, []string{`"name":"东兰县"`, `"level":3`}, nil},
			{"AreaChildren", "GET", "/api/v1/areas/451224/children", county, "", 200, []string{`"total":2`, "东兰镇", "长乐镇"}, []string{"凤城镇"}},
			{"AreaStats", "GET", "/api/v1/areas/451224/stats?year=2024", county, "", 200, []string{`"households":4`, `"persons":8`, `"name":"长乐镇"`}, []string{"巴旁"}},
			{"AreaStatsDefaultYear", "GET", "/api/v1/areas/451224/stats", county, "", 200, []string{`"year":2024`, `"households":4`}, nil},
			{"ErrAreaStatsYear", "GET", "/api/v1/areas/451224/stats?year=abc", county, "", 400, []string{`"code":"invalid"`, "year must be an integer"}, nil},
			{"ErrAreaOtherCounty", "GET", "/api/v1/areas/451223", county, "", 404, []string{`"code":"not_found"`}, []string{"凤山"}},
			{"List", "GET", "/api/v1/households?limit=2", county, "", 200, []string{`"total":4`, `"offset":0`, `"limit":2`, `"items":[{`}, []string{headBapang}},
			{"ListQuery", "GET", "/api/v1/households?q=" + headChangle, county, "", 200, []string{`"total":1`, headChangle}, []string{headXinyan1}},
			{"ListStatusYear", "GET", "/api/v1/households?status=0&year=2024&area=451224100", county, "", 200, []string{`"total":3`}, []string{headChangle}},
			{"ErrListLimit", "GET", "/api/v1/households?limit=1000", county, "", 400, []string{`"code":"invalid"`, "limit must be an integer from 1 to 500"}, nil},
			{"ErrListArea", "GET", "/api/v1/households?area=45x", county, "", 400, []string{`"code":"invalid"`, "area must be"}, nil},
			{"CreateOK", "POST", "/api/v1/households", village, mustJSON(t, valid), 201, []string{`"number":"API-1"`, `"version":1`, `"members":[{`, `"size":2`}, nil},
			{"ErrCreateIDChecksum", "POST", "/api/v1/households", village, mustJSON(t, badID), 422, []string{`"code":"invalid"`, `"members[0].id_number":{"code":"id_checksum"`}, nil},
			{"ErrCreateSecondHead", "POST", "/api/v1/households", village, mustJSON(t, twoHeads), 422, []string{`"members[1].relation":{"code":"second_head"`}, nil},
			{"ErrCreateOutOfScope", "POST", "/api/v1/households", village, mustJSON(t, otherVillage), 422, []string{`"area_code":{"code":"out_of_scope"`}, nil},
			{"ErrCreateTaken", "POST", "/api/v1/households", village, mustJSON(t, householdJSON(sqldbtest.Xinyan, e.xinyan2.Number, 205)), 409, []string{`"code":"conflict"`, `"number":{"code":"taken"`}, nil},
			{"ErrCreateViewer", "POST", "/api/v1/households", viewer, mustJSON(t, householdJSON(sqldbtest.Xinyan, "API-6", 206)), 403, []string{`"code":"forbidden"`}, nil},
			{"ErrMalformedJSON", "POST", "/api/v1/households", village, "{\n  \"year\": 2024,\n  \"number\": \"x\"\n  \"area_code\": \"1\"\n}", 400, []string{`"code":"invalid"`, "Malformed JSON at line 4, column 3"}, nil},
			{"ErrWrongType", "POST", "/api/v1/households", village, `{"year":"2024"}`, 400, []string{`Field \"year\" at line 1, column 15 must be a number, not string`}, nil},
			{"ErrUnknownField", "POST", "/api/v1/households", village, `{"yaer":2024}`, 400, []string{`Unknown field \"yaer\"`}, nil},
			{"ErrEmptyBody", "POST", "/api/v1/households", village, "", 400, []string{"Request body is empty"}, nil},
			{"ErrTrailingData", "POST", "/api/v1/tokens", village, `{"name":"a"} {}`, 400, []string{"Unexpected data after the JSON value"}, nil},
			{"ErrBadBirthDate", "POST", "/api/v1/households", village, strings.Replace(mustJSON(t, householdJSON(sqldbtest.Xinyan, "API-7", 207)), `"relation":"02"`, `"relation":"02","birth_date":"1972/02/02"`, 1), 422, []string{`"members[1].birth_date":{"code":"invalid_date"`}, nil},
			{"Get", "GET", x1, village, "", 200, []string{headXinyan1, `"id_number":"`, `"income_per_capita":350000`}, nil},
			{"PatchPhone", "PATCH", x1, village, `{"phone":"13800000000","reason":"电话变更","version":1}`, 200, []string{`"phone":"13800000000"`, `"version":2`, headXinyan1}, nil},
			{"ErrPatchStale", "PATCH", x1, village, `{"phone":"13900000000","version":1}`, 409, []string{`"code":"conflict"`}, nil},
			{"ErrPatchReadOnly", "PATCH", x1, village, `{"status":"1","number":"X"}`, 422, []string{`"status":{"code":"read_only"`, `"number":{"code":"read_only"`}, nil},
			{"ErrPatchUnknown", "PATCH", x1, village, `{"colour":"red"}`, 422, []string{`"colour":{"code":"unknown_field"`}, nil},
			{"ErrPatchType", "PATCH", x1, village, `{"income_per_capita":"many"}`, 400, []string{`Field \"income_per_capita\" must be an integer amount in fen`}, nil},
			{"PatchMembersReplace", "PATCH", x1, village, fmt.Sprintf(`{"members":[{"id":%d,"name":"%s","id_number":"%s","relation":"01"}],"reason":"分户"}`,
				e.xinyan1.Members[0].ID, headXinyan1, e.xinyan1.Members[0].IDNumber), 200, []string{`"size":1`, `"version":3`}, []string{spouse.IDNumber}},
			{"PatchPhoneNull", "PATCH", x1, village, `{"phone":null}`, 200, []string{`"version":4`}, []string{"13800000000"}},
			{"StatusOK", "POST", x1 + "/status", village, `{"status":"9","reason":"达标"}`, 200, []string{`"status":"9"`}, nil},
			{"ErrStatusMove", "POST", x1 + "/status", village, `{"status":"4"}`, 422, []string{`"status":{"code":"invalid_transition"`}, nil},
			{"Audit", "GET", "/api/v1/audit?target_kind=household&target_id=" + fmt.Sprint(e.xinyan1.ID), county, "", 200, []string{`"action":"household.status"`, `"reason":"达标"`, `"action":"household.update"`, `"hash":"`}, nil},
			{"AuditVillage", "GET", "/api/v1/audit", village, "", 200, []string{`"items":[`, sqldbtest.Xinyan}, []string{sqldbtest.Bala, `"area_code":"451224000000"`}},
			{"ErrAuditActor", "GET", "/api/v1/audit?actor_id=x", county, "", 400, []string{"actor_id must be an integer"}, nil},
			{"Users", "GET", "/api/v1/users", county, "", 200, []string{e.village.Username, e.township.Username}, []string{e.fengshan.Username, e.admin.Username}},
			{"UserCreate", "POST", "/api/v1/users", county, `{"username":"api.clerk","name":"接口","role":"township_clerk","scope":"451224102","password":"long-enough-1"}`, 201, []string{`"username":"api.clerk"`, `"scope":"451224102"`}, []string{"long-enough-1"}},
			{"ErrUserCreateOutside", "POST", "/api/v1/users", county, `{"username":"api.fs","name":"外县","role":"township_clerk","scope":"451223100","password":"long-enough-1"}`, 422, []string{`"scope":{"code":"out_of_scope"`}, nil},
			{"ErrUserCreateByFengshan", "POST", "/api/v1/users", fengshan, `{"username":"api.dl","name":"越界","role":"village_secretary","scope":"` + sqldbtest.Xinyan + `","password":"long-enough-1"}`, 422, []string{`"scope":{"code":"out_of_scope"`}, nil},
			{"ErrUserCreateVillage", "POST", "/api/v1/users", village, `{"username":"api.v","name":"村","role":"viewer","scope":"` + sqldbtest.Xinyan + `","password":"long-enough-1"}`, 403, []string{`"code":"forbidden"`}, nil},
			{"UserGet", "GET", fmt.Sprintf("/api/v1/users/%d", e.village.ID), county, "", 200, []string{e.village.Username}, nil},
			{"ErrUserGetOutside", "GET", fmt.Sprintf("/api/v1/users/%d", e.fengshan.ID), county, "", 404, []string{`"code":"not_found"`}, []string{e.fengshan.Username}},
			{"UserPatch", "PATCH", fmt.Sprintf("/api/v1/users/%d", e.village.ID), county, `{"phone":"0778-1","reason":"更新"}`, 200, []string{`"phone":"0778-1"`}, nil},
			{"UserPatchSelfName", "PATCH", fmt.Sprintf("/api/v1/users/%d", e.village.ID), village, `{"name":"新名字"}`, 200, []string{`"name":"新名字"`}, nil},
			{"ErrUserPatchSelfRole", "PATCH", fmt.Sprintf("/api/v1/users/%d", e.village.ID), village, `{"role":"admin"}`, 403, []string{`"code":"forbidden"`}, nil},
			{"Tokens", "GET", "/api/v1/tokens", viewer, "", 200, []string{`"name":"test"`, `"prefix":"`}, nil},
			{"TokenCreate", "POST", "/api/v1/tokens", viewer, `{"name":"second"}`, 201, []string{`"token":"`, `"api_token":{`, `"name":"second"`}, nil},
			{"ErrTokenCreateNoName", "POST", "/api/v1/tokens", viewer, `{"name":""}`, 422, []string{`"name":{"code":"required"`}, nil},
			{"ErrTokenDeleteOther", "DELETE", "/api/v1/tokens/1", viewer, "", 404, []string{`"code":"not_found"`}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.api(tt.method, tt.path, tt.token, tt.body)
				check(t, tt.method+" "+tt.path, r, tt.status, tt.want, tt.absent)
				if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
			})
		}

		t.Run("NothingWrittenOnRefusal", func(t *testing.T) {
			// Of the create scenarios only CreateOK wrote: 新烟 holds
			// its two fixture households and API-1.
			if n := e.householdCount(sqldbtest.Xinyan); n != 3 {
				t.Errorf("新烟 holds %d households, want 3", n)
			}
			if n := e.householdCount(sqldbtest.Bala); n != 1 {
				t.Errorf("巴拉 holds %d households, want 1", n)
			}
		})

		t.Run("TokenDelete", func(t *testing.T) {
			tok := e.token(e.township)
			var list struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
			}
			decode(t, e.api("GET", "/api/v1/tokens", tok, ""), &list)
			if len(list.Items) != 1 {
				t.Fatalf("tokens: %+v", list)
			}
			r := e.api("DELETE", fmt.Sprintf("/api/v1/tokens/%d", list.Items[0].ID), tok, "")
			if r.status != http.StatusNoContent || r.body != "" {
				t.Errorf("delete: status %d body %q", r.status, r.body)
			}
			check(t, "revoked token", e.api("GET", "/api/v1/me", tok, ""), http.StatusUnauthorized, []string{`"code":"unauthorized"`}, nil)
		})
	})
}
