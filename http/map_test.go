package apphttp_test

import (
	"encoding/json"
	"html"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// mapSpec returns the map's data-chart attribute, unescaped.
func mapSpec(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`class="chart chart-map" data-chart="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no map on the page\n%s", excerpt(body))
	}
	return html.UnescapeString(m[1])
}

func TestMap(t *testing.T) {
	e := newBoardEnv(t)
	e.setPlan(sqldbtest.DonglanTown, 3, 6, node(7, 25, 1, 2))
	e.exit(e.bala)
	b := e.login(e.county)

	t.Run("County", func(t *testing.T) {
		// The county's outline with its townships as points, by code.
		r := b.get("/map/451224?year=2024")
		check(t, "county map", r, http.StatusOK, []string{"作战地图", "各区域未脱贫户", "DataV.GeoAtlas", "CC BY 4.0", "vendor/echarts.min.js",
			`href="/map/451224100?year=2024&amp;indicator=poor_households"`, "/map/export.xlsx?"}, nil)
		spec := mapSpec(t, r.body)
		for _, want := range []string{`/geo/county_451224.json"`, `"regions":[]`, `"code":"451224100000","name":"东兰镇","value":2`,
			`"coord":[107.37803,24.511702]`, `"code":"451224102000","name":"长乐镇","value":1`, `"indicator":"未脱贫户"`} {
			if !strings.Contains(spec, want) {
				t.Errorf("map spec lacks %s:\n%s", want, spec)
			}
		}
		// The embedded shape is served.
		geo := regexp.MustCompile(`"geo":"([^"]+)"`).FindStringSubmatch(spec)
		check(t, "shape", b.get(geo[1]), http.StatusOK, []string{`"FeatureCollection"`, `"adcode":"451224"`, `"name":"东兰县"`}, nil)
	})

	t.Run("Indicators", func(t *testing.T) {
		spec := mapSpec(t, b.get("/map/451224?year=2024&indicator=plan_rate").body)
		// 东兰镇 has 1 of its 3 planned exits; 长乐镇 has no plan: no value.
		for _, want := range []string{`"name":"东兰镇","value":33.3`, `"name":"长乐镇","value":null`, `"unit":"%"`} {
			if !strings.Contains(spec, want) {
				t.Errorf("plan rate spec lacks %s:\n%s", want, spec)
			}
		}
		// An unknown indicator falls back to the default.
		if !strings.Contains(mapSpec(t, b.get("/map/451224?year=2024&indicator=nope").body), `"indicator":"未脱贫户"`) {
			t.Error("unknown indicator not replaced by the default")
		}
	})

	t.Run("Province", func(t *testing.T) {
		// Guangxi's counties, coloured: the fixture holds two of them.
		r := e.login(e.admin).get("/map/45?year=2024&indicator=households")
		spec := mapSpec(t, r.body)
		for _, want := range []string{`/geo/province_45.json"`, `"filter":"45"`, `"code":"451223","name":"凤山县","value":1`,
			`"code":"451224","name":"东兰县","value":4`, `"points":[]`} {
			if !strings.Contains(spec, want) {
				t.Errorf("province spec lacks %s:\n%s", want, spec)
			}
		}
		check(t, "province table", r, http.StatusOK, []string{"凤山县", "东兰县"}, nil)
		// A city: its counties from the province's shapes.
		if spec := mapSpec(t, e.login(e.admin).get("/map/4512?year=2024").body); !strings.Contains(spec, `"filter":"4512"`) {
			t.Errorf("city spec %s", spec)
		}
	})

	t.Run("Township", func(t *testing.T) {
		r := b.get("/map/451224100?year=2024")
		check(t, "township map", r, http.StatusOK, []string{"新烟村委会", "巴拉村委会"}, nil)
		if spec := mapSpec(t, r.body); !strings.Contains(spec, `/geo/county_451224.json"`) {
			t.Errorf("township spec %s", spec)
		}
	})

	t.Run("Export", func(t *testing.T) {
		f, sheet := openXLSX(t, b.get("/map/export.xlsx?area=451224&year=2024&indicator=exited_households"))
		wantCells(t, f, sheet, map[string]string{"A1": "各区域已脱贫户", "A3": "乡镇", "B3": "已脱贫户", "C3": "建档立卡户数",
			"A4": "东兰镇", "B4": "1", "C4": "3", "A5": "长乐镇", "B5": "0"})
	})

	t.Run("Scope", func(t *testing.T) {
		check(t, "village on county", e.login(e.village).get("/map/451224?year=2024"), http.StatusNotFound, nil, nil)
		check(t, "county on province", b.get("/map/45?year=2024"), http.StatusNotFound, nil, []string{"凤山县"})
		check(t, "viewer", e.login(e.viewer).get("/map/451224?year=2024"), http.StatusOK, []string{"东兰镇"}, nil)
	})
}

// TestMap_Placement: a township's villages without a coordinate of their
// own (the public data has one for 5 of 东兰县's 149) are placed around the
// township's point and said to be approximate; villages whose township has
// no point are listed as not on the map. The legend's top covers the
// table's largest value.
func TestMap_Placement(t *testing.T) {
	e := newBoardEnv(t)
	e.setPlan(sqldbtest.DonglanTown, 3, 6, node(7, 25, 1, 2))
	e.exit(e.bala)
	b := e.login(e.county)

	t.Run("ApproxAroundTheTownship", func(t *testing.T) {
		r := b.get("/map/451224100?year=2024&indicator=households")
		check(t, "township map", r, http.StatusOK, []string{`data-located="0" data-approx="2" data-unplaced="0"`,
			"2 个村无坐标，在所属乡镇驻地周围示意排列"}, []string{"未定位"})
		spec := mapSpec(t, r.body)
		var m struct {
			Points []struct {
				Code   string     `json:"code"`
				Value  *float64   `json:"value"`
				Coord  [2]float64 `json:"coord"`
				Approx bool       `json:"approx"`
			} `json:"points"`
			Max   float64        `json:"max"`
			Focus *[2][2]float64 `json:"focus"`
		}
		if err := json.Unmarshal([]byte(spec), &m); err != nil {
			t.Fatal(err)
		}
		// Both villages are on the map, near 东兰镇's point (107.37803,
		// 24.511702), at different places, inside the box the map opens on.
		if len(m.Points) != 2 || m.Focus == nil {
			t.Fatalf("points %+v, focus %v", m.Points, m.Focus)
		}
		for _, p := range m.Points {
			if !p.Approx || math.Abs(p.Coord[0]-107.37803) > 0.05 || math.Abs(p.Coord[1]-24.511702) > 0.05 ||
				p.Coord[0] < m.Focus[0][0] || p.Coord[0] > m.Focus[1][0] || p.Coord[1] < m.Focus[0][1] || p.Coord[1] > m.Focus[1][1] {
				t.Errorf("point %+v (focus %v)", p, m.Focus)
			}
		}
		if m.Points[0].Coord == m.Points[1].Coord {
			t.Error("two villages on one spot")
		}
		// The legend's top is the table's largest value: 新烟 has 2
		// households, 巴拉 1.
		if m.Max != 2 {
			t.Errorf("legend max %v, want 2", m.Max)
		}
	})

	t.Run("LegendCoversTheTable", func(t *testing.T) {
		for _, page := range []string{"/map/451224?year=2024&indicator=households", "/map/451224?year=2024&indicator=plan_rate",
			"/map/451224100?year=2024&indicator=poor_households"} {
			r := b.get(page)
			var m struct {
				Max float64 `json:"max"`
			}
			if err := json.Unmarshal([]byte(mapSpec(t, r.body)), &m); err != nil {
				t.Fatal(err)
			}
			top := 0.0
			for _, c := range regexp.MustCompile(`<td class="num hl"[^>]*>([^<]*)<`).FindAllStringSubmatch(r.body, -1) {
				v, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(c[1], ",", ""), "%"), 64)
				if err == nil {
					top = max(top, v)
				}
			}
			if top == 0 || m.Max < top {
				t.Errorf("%s: legend max %v below the table's %v", page, m.Max, top)
			}
		}
	})

	t.Run("Unplaced", func(t *testing.T) {
		// 凤城镇 (凤山县) has no point: its village cannot be placed.
		r := e.login(e.fengshan).get("/map/451223100?year=2024")
		check(t, "unplaced", r, http.StatusOK, []string{`data-located="0" data-approx="0" data-unplaced="1"`, "未定位（无坐标，不在图上）：巴旁村委会"}, nil)
	})

	t.Run("Nation", func(t *testing.T) {
		// The nation's map: the provinces, coloured.
		r := e.login(e.admin).get("/map?year=2024&indicator=households")
		spec := mapSpec(t, r.body)
		for _, want := range []string{`/geo/provinces.json"`, `"code":"450000","name":"广西壮族自治区","value":5`} {
			if !strings.Contains(spec, want) {
				t.Errorf("nation spec lacks %s:\n%s", want, spec)
			}
		}
		check(t, "nation", r, http.StatusOK, []string{"广西壮族自治区"}, []string{"全国范围请从下表选择省份查看"})
		geo := regexp.MustCompile(`"geo":"([^"]+)"`).FindStringSubmatch(spec)
		shape := b.get(geo[1])
		check(t, "provinces", shape, http.StatusOK, []string{`"adcode":"450000"`, `"name":"广西壮族自治区"`, `"name":"台湾省"`, `"name":"澳门特别行政区"`}, nil)
		if n := len(shape.body); n > 100_000 {
			t.Errorf("provinces.json is %d bytes: simplify it", n)
		}
	})
}
